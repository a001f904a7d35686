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
from affine import Affine

from ai4c.simulate.changes import CHANGES, apply_changes, plant_blobs

TILE_ORIGIN = (399960.0, 5400000.0)  # 33UVP, EPSG:32633


def _grid(size: int, resolution: float = 10.0) -> tuple[str, Affine]:
    """The CRS and transform of the simulated tile (upper-left corner of 33UVP)."""
    return "EPSG:32633", Affine(resolution, 0.0, TILE_ORIGIN[0], 0.0, -resolution, TILE_ORIGIN[1])


def _cloud_layers(scene: xr.Dataset) -> list[str]:
    """The cloud-like layers a scene has (cloud, cirrus, shadow)."""
    return [name for name in ("cloud", "cirrus", "shadow") if name in scene]


def plant_changes(scene: xr.Dataset, *, rng: np.random.Generator, n_per_type: int, patch: int) -> np.ndarray:
    """The (y, x) change map: patches of every change type, 0 elsewhere."""
    return plant_blobs((scene.sizes["y"], scene.sizes["x"]), n_per_type, patch, rng, tuple(CHANGES))


def make_pair_truth(size: int = 256, seed: int = 0, *, gain: float = 1.08, offset: float = 0.01,
                    noise: float = 0.004, n_per_type: int = 3, patch: int | None = None,
                    clouds2: bool = True) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """Truth of date 1, truth of date 2 (changed, gain/offset, its own clouds) and the change truth."""
    from ai4c.simulate.scene import make_scene

    crs, transform = _grid(size)
    rng = np.random.default_rng(seed)
    scene1 = make_scene(size, seed, crs=crs, transform=transform)
    other = make_scene(size, seed + 1000, crs=crs, transform=transform)
    patch = patch or max(4, size // 16)
    change = plant_changes(scene1, rng=rng, n_per_type=n_per_type, patch=patch)
    bands = [str(b) for b in scene1.reflectance.band.values]
    refl = np.asarray(scene1.reflectance.values, dtype=np.float32)
    date1 = scene1.copy()
    date1["reflectance"] = scene1.reflectance.copy(data=np.clip(refl + rng.normal(0, noise, refl.shape), 0.001, None))
    changed = apply_changes(refl, change, bands) + rng.normal(0, noise, refl.shape)
    date2 = scene1.copy()
    date2["reflectance"] = scene1.reflectance.copy(data=np.clip(gain * changed + offset, 0.001, None).astype(np.float32))
    for name in _cloud_layers(scene1):
        date2[name] = other[name] if clouds2 else xr.zeros_like(scene1[name])
    truth = xr.Dataset({"change": (("y", "x"), change)}, coords={"y": scene1.y, "x": scene1.x})
    for name in _cloud_layers(scene1):
        truth[f"{name}1"] = scene1[name]
        truth[f"{name}2"] = date2[name]
    truth.attrs.update(gain=gain, offset=offset, noise=noise, seed=seed,
                       change_names=";".join(f"{k}={v[0]}" for k, v in CHANGES.items()))
    return date1, date2, truth


def cloudy(truth: xr.Dataset) -> np.ndarray:
    """Where either date is cloudy, cirrus-covered or shadowed in the truth."""
    mask = np.zeros(truth.change.shape, dtype=bool)
    for name in truth.data_vars:
        if name != "change":
            mask |= np.asarray(truth[name].values).astype(bool)
    return mask


def simulate_pair(output_dir: Path | str, *, size: int = 256, seed: int = 0, gain: float = 1.08,
                  offset: float = 0.01, noise: float = 0.004, tile: str = "33UVP",
                  dates: tuple[str, str] = ("2021-05-12", "2021-08-20"), baselines: tuple[str, str] = ("04.00", "05.09"),
                  zip: bool = False, clouds2: bool = True) -> dict[str, Path]:
    """Render both dates as L2A SAFE products in `output_dir` and save truth.nc beside them."""
    from ai4c.core.io import atomic_path
    from ai4c.simulate.s2 import render_s2

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    date1, date2, truth = make_pair_truth(size, seed, gain=gain, offset=offset, noise=noise, clouds2=clouds2)
    paths = {}
    for key, ds, day, baseline in (("input1", date1, dates[0], baselines[0]), ("input2", date2, dates[1], baselines[1])):
        when = dt.datetime.fromisoformat(day).replace(hour=10, minute=6)
        paths[key] = render_s2(ds, out, level="L2A", baseline=baseline, date=when, zip=zip, tile=tile,
                               seed=seed + (key == "input2"))
    truth.attrs.update(input1=paths["input1"].name, input2=paths["input2"].name)
    with atomic_path(out / "truth.nc") as tmp:
        truth.to_netcdf(tmp, engine="h5netcdf")
    paths["truth"] = out / "truth.nc"
    return paths
