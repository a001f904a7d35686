"""`ai4c simulate s2-pair`: two L2A products of one tile with planted changes of known spectral direction.

Date 1 is a simulated scene (simulate.scene); date 2 is the same ground plus patches of each change in
simulate.changes (new buildings, clear-cut forest, harvested crops, flooding), a global radiometric gain
and offset and other clouds. Both are rendered as SAFE products (simulate.s2) of two processing
baselines; the truth (change map, clouds of both dates, gain, offset) is saved beside as truth.nc.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ai4c.simulate.s2.changes import CHANGES

CLOUD_LAYERS = ("cloud", "cloud_prob", "cirrus", "shadow")
#: change id -> land-cover classes of simulate.scene it may replace (2 vegetation, 3 bare soil)
SOURCE_COVER = {1: (2, 3), 2: (2,), 3: (2,), 4: (2, 3)}
#: change id -> land-cover class after the change (1 water, 3 bare soil, 4 urban)
TARGET_COVER = {1: 4, 2: 3, 3: 3, 4: 1}


def plant_changes(landcover: np.ndarray, *, rng: np.random.Generator, n_per_type: int, patch: int) -> np.ndarray:
    """The (y, x) change map: square patches of every change type centred on a pixel of a cover it can
    happen on, then restricted to those covers."""
    change = np.zeros(landcover.shape, dtype=np.uint8)
    for kind, covers in SOURCE_COVER.items():
        rows, cols = np.nonzero(np.isin(landcover, covers))
        if len(rows) == 0:
            continue
        for pick in rng.choice(len(rows), size=n_per_type, replace=len(rows) < n_per_type):
            half = int(rng.integers(max(2, patch // 2), patch + 1)) // 2
            y0, x0 = max(0, rows[pick] - half), max(0, cols[pick] - half)
            window = change[y0:rows[pick] + half + 1, x0:cols[pick] + half + 1]
            window[np.isin(landcover[y0:y0 + window.shape[0], x0:x0 + window.shape[1]], covers)] = kind
    return change


def _lazy(refl: xr.DataArray, func, *args: Any) -> xr.DataArray:
    """Apply `func(block, band0, row0, col0, *args)` to every dask block of a (band, y, x) array."""

    def block(a: np.ndarray, block_info: dict | None = None) -> np.ndarray:
        (b0, _), (r0, _), (c0, _) = block_info[0]["array-location"]
        return func(a, b0, r0, c0, *args).astype(np.float32)

    return refl.copy(data=refl.data.map_blocks(block, dtype=np.float32))


def _add_noise(a: np.ndarray, b0: int, r0: int, c0: int, sigma: float, seed: int | tuple[int, int]) -> np.ndarray:
    """Gaussian noise seeded by the block position (deterministic whatever the scheduler)."""
    rng = np.random.default_rng([*np.atleast_1d(seed), 104729, b0, r0, c0])
    return a + rng.normal(0.0, sigma, a.shape).astype(np.float32)


def _change_block(a: np.ndarray, b0: int, r0: int, c0: int, change: np.ndarray, table: np.ndarray,
                  gain: float, offset: float, sigma: float, seed: int) -> np.ndarray:
    """Date-2 ground of one block: planted deltas, noise, then the radiometric gain and offset."""
    kinds = change[r0:r0 + a.shape[1], c0:c0 + a.shape[2]]
    ground = np.clip(a + table[kinds].transpose(2, 0, 1)[: a.shape[0]], 0.001, None)
    return _quantise(gain * _add_noise(ground, b0, r0, c0, sigma, seed) + offset)


def _date2(clear: xr.Dataset, sky: xr.Dataset, change: np.ndarray, *, gain: float, offset: float,
           noise: float, seed: int) -> xr.Dataset:
    """Date-2 truth (lazy reflectance): changed ground, its land cover and SCL, another scene's clouds."""
    from ai4c.simulate.s2.changes import delta_vector
    from ai4c.simulate.scene.truth import scl_from_truth

    bands = [str(b) for b in clear.reflectance.band.values]
    table = np.zeros((max(CHANGES) + 1, len(bands)), dtype=np.float32)
    for kind in CHANGES:
        table[kind] = delta_vector(kind, bands)
    refl = clear.reflectance.chunk({"band": 1})
    ground = xr.concat([_lazy(refl.isel(band=[i]), _change_block, change, table[:, i:i + 1], gain, offset,
                              noise, (seed, i)) for i in range(len(bands))], dim="band")
    covered = sky.cloud | sky.cirrus | sky.shadow
    landcover = np.asarray(clear.landcover.values).copy()
    for kind, cover in TARGET_COVER.items():
        landcover[change == kind] = cover
    date2 = clear.copy()
    date2["landcover"] = clear.landcover.copy(data=landcover)
    for name in CLOUD_LAYERS:
        date2[name] = sky[name]
    date2["reflectance"] = xr.where(covered, sky.reflectance, ground).astype(np.float32).transpose("band", "y", "x")
    date2["scl_truth"] = clear.scl_truth.copy(data=scl_from_truth(
        landcover, *(np.asarray(sky[n].values) for n in CLOUD_LAYERS), np.asarray(clear.nodata.values)))
    return date2


def make_pair_truth(size: int = 256, seed: int = 0, *, gain: float = 1.08, offset: float = 0.01,
                    noise: float = 0.004, n_per_type: int = 3, patch: int | None = None,
                    clouds2: bool = True, tile: str = "33UVP",
                    bands: list[str] | None = None) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """Truth of date 1, truth of date 2 (changed, gain/offset, its own clouds) and the change truth;
    reflectances stay lazy (dask), so a full tile is simulated block by block."""
    from ai4c.simulate.scene.truth import make_scene

    rng = np.random.default_rng(seed)
    scenes = [make_scene(size, seed, tile=tile), make_scene(size, seed, tile=tile, cloud_cover=0.0, cirrus_cover=0.0),
              make_scene(size, seed + 1000, tile=tile, cloud_cover=0.1 if clouds2 else 0.0,
                         cirrus_cover=0.04 if clouds2 else 0.0)]
    if bands:
        scenes = [s.sel(band=[b for b in s.band.values if _canonical(b) in {_canonical(x) for x in bands}])
                  for s in scenes]
    date1, clear, sky = scenes
    change = plant_changes(np.asarray(clear.landcover.values), rng=rng, n_per_type=n_per_type,
                           patch=patch or max(4, min(size // 12, 200)))
    noisy = xr.concat([_lazy(date1.reflectance.chunk({"band": 1}).isel(band=[i]), _add_noise, noise, (seed + 1, i))
                       for i in range(date1.sizes["band"])], dim="band")
    date1["reflectance"] = _lazy(noisy, lambda a, *_: _quantise(a))
    date2 = _date2(clear, sky, change, gain=gain, offset=offset, noise=noise, seed=seed + 2)
    truth = xr.Dataset({"change": (("y", "x"), change)}, coords={"y": clear.y, "x": clear.x})
    for name in ("cloud", "cirrus", "shadow", "nodata"):
        truth[f"{name}1"] = date1[name]
        truth[f"{name}2"] = date2[name]
    truth["landcover1"] = date1.landcover
    truth["landcover2"] = date2.landcover
    truth.attrs.update(gain=gain, offset=offset, noise=noise, seed=seed,
                       change_names=";".join(f"{k}={v[0]}" for k, v in CHANGES.items()))
    return date1, date2, truth


def _canonical(band: str) -> str:
    """B02 -> B2."""
    from ai4c.products.sentinel2 import normalise_band

    return normalise_band(str(band))


def _quantise(refl: np.ndarray) -> np.ndarray:
    """Reflectance on the 1e-4 grid of the L2A digital numbers, >= 0.0001."""
    return (np.clip(np.round(refl * 10000.0), 1, 20000) / 10000.0).astype(np.float32)


def cloudy(truth: xr.Dataset) -> np.ndarray:
    """Where either date is cloudy, cirrus-covered or shadowed in the truth."""
    mask = np.zeros(truth.change.shape, dtype=bool)
    for name in truth.data_vars:
        if name.rstrip("12") in ("cloud", "cirrus", "shadow", "nodata"):
            mask |= np.asarray(truth[name].values).astype(bool)
    return mask


def simulate_pair(output_dir: Path | str, *, size: int = 256, seed: int = 0, gain: float = 1.08,
                  offset: float = 0.01, noise: float = 0.004, tile: str = "33UVP",
                  dates: tuple[str, str] = ("2021-05-12", "2021-08-20"), baselines: tuple[str, str] = ("04.00", "05.09"),
                  zip: bool = False, clouds2: bool = True, n_per_type: int = 3,
                  bands: list[str] | None = None) -> dict[str, Path]:
    """Render both dates as L2A SAFE products in `output_dir` and save truth.nc beside them."""
    from ai4c.core.io import atomic_path
    from ai4c.simulate.s2.product import render_s2

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    date1, date2, truth = make_pair_truth(size, seed, gain=gain, offset=offset, noise=noise, clouds2=clouds2,
                                          tile=tile, n_per_type=n_per_type, bands=bands)
    paths = {}
    for key, ds, day, baseline in (("input1", date1, dates[0], baselines[0]), ("input2", date2, dates[1], baselines[1])):
        when = dt.date.fromisoformat(day).strftime("%Y%m%d")
        paths[key] = render_s2(ds, out, level="L2A", baseline=baseline, date=when, zip=zip, tile=tile,
                               seed=seed + (key == "input2"), bands=bands)
    truth.attrs.update(input1=paths["input1"].name, input2=paths["input2"].name)
    with atomic_path(out / "truth.nc") as tmp:
        truth.to_netcdf(tmp, engine="h5netcdf")
    paths["truth"] = out / "truth.nc"
    return paths
