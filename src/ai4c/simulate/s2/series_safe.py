"""One date of a simulated crop series as an L2A SAFE product, through simulate.s2.render_s2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

# TimeSen2Crop bands (B2..B12) -> the 13 SAFE bands; the four missing ones are derived from neighbours.
_FROM_T2C = {"B01": (0, 1.05), "B02": (0, 1.0), "B03": (1, 1.0), "B04": (2, 1.0), "B05": (3, 1.0),
             "B06": (4, 1.0), "B07": (5, 1.0), "B08": (6, 0.97), "B8A": (6, 1.0), "B09": (6, 0.35),
             "B10": (8, 0.01), "B11": (7, 1.0), "B12": (8, 1.0)}


def write_safe(truth, boa: np.ndarray, cloud: np.ndarray, shadow: np.ndarray, folder: Path, stamp: str,
               seed: int) -> Path:
    """Render the (9, y, x) BOA (x10000) with its cloud/shadow masks as an L2A product in `folder`."""
    from ai4c.simulate.s2.product import render_s2

    size = boa.shape[-1]
    bands = list(_FROM_T2C)
    refl = np.stack([boa[i] * f for i, f in _FROM_T2C.values()]).astype(np.float32) / 10000
    refl = np.round(refl, 4)
    x = truth.transform.c + (np.arange(size) + 0.5) * 10
    y = truth.transform.f - (np.arange(size) + 0.5) * 10
    ds = xr.Dataset({"reflectance": (("band", "y", "x"), refl),
                     "landcover": (("y", "x"), np.full(cloud.shape, 2, np.uint8)),   # vegetation
                     "cloud": (("y", "x"), cloud), "shadow": (("y", "x"), shadow),
                     "cirrus": (("y", "x"), np.zeros_like(cloud)), "nodata": (("y", "x"), np.zeros_like(cloud)),
                     "cloud_prob": (("y", "x"), np.where(cloud, 90, 0).astype(np.uint8))},
                    coords={"band": bands, "y": y, "x": x})
    ds = ds.rio.write_crs(truth.crs).rio.write_transform(truth.transform)
    return render_s2(ds, folder, level="L2A", baseline="05.09", date=stamp, tile=truth.tile, seed=seed)
