"""EGM96 geoid undulations (orthometric -> ellipsoid heights) through PROJ's `us_nga_egm96_15.tif` grid.

The grid is not shipped (no offline source carries it): PROJ finds it in its data directory, in
`AI4C_EGM96_GRID`'s folder, or with PROJ_NETWORK=ON. Without it, `undulation` returns None and the caller
records a warning (heights are then used as they are, an error of up to about +-100 m, typically 40-50 m
in Europe, i.e. a few pixels of range shift on slopes but much less on flat terrain).
"""

from __future__ import annotations

import functools
import os

import numpy as np

GRID_NAME = "us_nga_egm96_15.tif"


@functools.lru_cache(maxsize=1)
def _transformer():
    """A PROJ transformer EGM96 heights -> WGS84 ellipsoid heights, or None when the grid is missing."""
    import pyproj

    folder = os.environ.get("AI4C_EGM96_GRID")
    if folder:
        pyproj.datadir.append_data_dir(os.path.dirname(folder) if folder.endswith(".tif") else folder)
    transformer = pyproj.Transformer.from_crs("EPSG:4326+5773", "EPSG:4979", always_xy=True)
    _, _, z = transformer.transform(12.5, 41.9, 0.0)
    return transformer if np.isfinite(z) and abs(z) > 1e-6 else None


def available() -> bool:
    """True when the EGM96 grid can be used."""
    return _transformer() is not None


def undulation(lon: np.ndarray, lat: np.ndarray) -> np.ndarray | None:
    """Geoid height N (metres) at lon/lat, so that ellipsoid height = orthometric height + N; None without grid."""
    transformer = _transformer()
    if transformer is None:
        return None
    _, _, z = transformer.transform(np.asarray(lon, float), np.asarray(lat, float), np.zeros(np.shape(lon)))
    return np.asarray(z)
