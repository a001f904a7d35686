"""`ai4c simulate s2-pair`: two L2A products of one tile with planted changes of known spectral direction.

Date 1 is a simulated scene (simulate.scene); date 2 is the same ground plus patches of each change in
simulate.changes (new buildings, clear-cut forest, harvested crops, flooding), a global radiometric gain
and offset and other clouds. Both are rendered as SAFE products (simulate.s2) of two processing
baselines; the truth (change map, clouds of both dates, gain, offset) is saved beside as truth.nc.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xarray as xr

from ai4c.simulate.changes import CHANGES, apply_changes

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


def _date2(clear: xr.Dataset, clouds: xr.Dataset, change: np.ndarray, refl2: np.ndarray) -> xr.Dataset:
    """Date-2 truth: changed ground, its land cover and SCL, and the clouds of another scene."""
    from ai4c.simulate.scene import scl_from_truth

    landcover = np.asarray(clear.landcover.values).copy()
    for kind, cover in TARGET_COVER.items():
        landcover[change == kind] = cover
    sky = np.asarray(clouds.cloud.values) | np.asarray(clouds.cirrus.values) | np.asarray(clouds.shadow.values)
    refl = np.where(sky[None], np.asarray(clouds.reflectance.values), refl2).astype(np.float32)
    date2 = clear.copy()
    date2["landcover"] = clear.landcover.copy(data=landcover)
    for name in CLOUD_LAYERS:
        date2[name] = clouds[name]
    date2["reflectance"] = clear.reflectance.copy(data=refl)
    date2["scl_truth"] = clear.scl_truth.copy(data=scl_from_truth(
        landcover, *(np.asarray(clouds[n].values) for n in CLOUD_LAYERS), np.asarray(clear.nodata.values)))
    return date2


def make_pair_truth(size: int = 256, seed: int = 0, *, gain: float = 1.08, offset: float = 0.01,
                    noise: float = 0.004, n_per_type: int = 3, patch: int | None = None,
                    clouds2: bool = True, tile: str = "33UVP") -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """Truth of date 1, truth of date 2 (changed, gain/offset, its own clouds) and the change truth."""
    from ai4c.simulate.scene import make_scene

    rng = np.random.default_rng(seed)
    date1 = make_scene(size, seed, tile=tile)
    clear = make_scene(size, seed, tile=tile, cloud_cover=0.0, cirrus_cover=0.0)
    sky = make_scene(size, seed + 1000, tile=tile, cloud_cover=0.1 if clouds2 else 0.0,
                     cirrus_cover=0.04 if clouds2 else 0.0)
    change = plant_changes(np.asarray(clear.landcover.values), rng=rng, n_per_type=n_per_type,
                           patch=patch or max(4, size // 12))
    bands = [str(b) for b in clear.reflectance.band.values]
    ground = np.asarray(clear.reflectance.values, dtype=np.float32)
    refl1 = np.asarray(date1.reflectance.values, dtype=np.float32) + rng.normal(0, noise, ground.shape)
    date1["reflectance"] = date1.reflectance.copy(data=_quantise(refl1))
    changed = apply_changes(ground, change, bands) + rng.normal(0, noise, ground.shape)
    date2 = _date2(clear, sky, change, _quantise(gain * changed + offset))
    truth = xr.Dataset({"change": (("y", "x"), change)}, coords={"y": clear.y, "x": clear.x})
    for name in ("cloud", "cirrus", "shadow", "nodata"):
        truth[f"{name}1"] = date1[name]
        truth[f"{name}2"] = date2[name]
    truth["landcover1"] = date1.landcover
    truth["landcover2"] = date2.landcover
    truth.attrs.update(gain=gain, offset=offset, noise=noise, seed=seed,
                       change_names=";".join(f"{k}={v[0]}" for k, v in CHANGES.items()))
    return date1, date2, truth


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
                  zip: bool = False, clouds2: bool = True, n_per_type: int = 3) -> dict[str, Path]:
    """Render both dates as L2A SAFE products in `output_dir` and save truth.nc beside them."""
    from ai4c.core.io import atomic_path
    from ai4c.simulate.s2 import render_s2

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    date1, date2, truth = make_pair_truth(size, seed, gain=gain, offset=offset, noise=noise, clouds2=clouds2,
                                          tile=tile, n_per_type=n_per_type)
    paths = {}
    for key, ds, day, baseline in (("input1", date1, dates[0], baselines[0]), ("input2", date2, dates[1], baselines[1])):
        when = dt.date.fromisoformat(day).strftime("%Y%m%d")
        paths[key] = render_s2(ds, out, level="L2A", baseline=baseline, date=when, zip=zip, tile=tile,
                               seed=seed + (key == "input2"))
    truth.attrs.update(input1=paths["input1"].name, input2=paths["input2"].name)
    with atomic_path(out / "truth.nc") as tmp:
        truth.to_netcdf(tmp, engine="h5netcdf")
    paths["truth"] = out / "truth.nc"
    return paths
