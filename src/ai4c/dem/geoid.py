"""EGM96 geoid undulations (orthometric -> ellipsoid heights) through a PROJ geoid grid, found offline.

Where the grid comes from, first found wins: `AI4C_EGM96_GRID` (a grid file, or a folder holding one);
PROJ's own data directory or PROJ_NETWORK=ON (`us_nga_egm96_15.tif`, through the EPSG:4326+5773 CRS);
a system copy such as Debian's proj-data package (`/usr/share/proj/egm96_15.gtx`). Without any,
`undulation` returns None and the caller records a warning (heights are then used as they are: an error
of up to about +-100 m, typically 40-50 m in Europe).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from ai4c.core.log import warn

GRID_NAMES = ("us_nga_egm96_15.tif", "egm96_15.gtx")
SYSTEM_FOLDERS = ("/usr/share/proj", "/usr/local/share/proj")
_ROME = (12.5, 41.9)  # a point where EGM96 is about +48 m: proves a transformer really applies the grid


def _grid_file(location: str) -> Path | None:
    """The EGM96 grid at `location` (the file itself, or a folder holding one of GRID_NAMES)."""
    path = Path(location)
    if path.is_file():
        return path
    return next((path / name for name in GRID_NAMES if (path / name).is_file()), None)


def _from_file(grid: Path):
    """A transformer adding the undulation read from `grid` to heights (lon, lat in degrees)."""
    import pyproj

    return pyproj.Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=vgridshift +grids={grid} +multiplier=1 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg")


def _from_proj_data():
    """PROJ's EGM96 height -> WGS84 ellipsoid height transformation (uses PROJ's data directory)."""
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4326+5773", "EPSG:4979", always_xy=True)


def _usable(name: str, make):
    """The transformer `make()` builds when it really shifts heights (PROJ silently returns them unchanged
    without the grid), else None; a broken candidate is skipped with a logged warning naming it."""
    try:
        transformer = make()
        _, _, z = transformer.transform(*_ROME, 0.0)
    except Exception as exc:  # noqa: BLE001 - pyproj raises ProjError or ValueError for a broken grid
        warn(f"EGM96 grid {name} skipped: {exc}")
        return None
    return transformer if np.isfinite(z) and abs(z) > 1e-6 else None


def _candidates():
    """(name, factory) of the transformers to try, in order of preference."""
    configured = os.environ.get("AI4C_EGM96_GRID")
    if configured and (grid := _grid_file(configured)):
        yield str(grid), functools.partial(_from_file, grid)
    yield "of PROJ's data directory (EPSG:4326+5773)", _from_proj_data
    for folder in SYSTEM_FOLDERS:
        if grid := _grid_file(folder):
            yield str(grid), functools.partial(_from_file, grid)


@functools.lru_cache(maxsize=1)
def _transformer():
    """The first transformer that applies an EGM96 grid, or None when no grid is available."""
    return next((t for name, make in _candidates() if (t := _usable(name, make)) is not None), None)


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
