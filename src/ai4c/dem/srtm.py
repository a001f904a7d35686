"""SRTM 3-arc-second tiles (`--dem srtm3`): fetched by a configurable URL template into a cache, and
read back (with any folder of .hgt / .hgt.zip tiles) as one mosaic covering given lon/lat bounds.

URL template: `AI4C_SRTM3_URL` (default the ESA STEP mirror SNAP uses), with `{tile}` (e.g. N41E012);
cache folder: `AI4C_DEM_CACHE` (default ~/.cache/ai4c/srtm3).
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

import numpy as np

from ai4c.core.errors import DependencyMissingError, InvalidProductError
from ai4c.core.io import atomic_path

DEFAULT_URL = "https://step.esa.int/auxdata/dem/SRTM90/hgt/{tile}.hgt.zip"
SRTM3_SIZE = 1201


def tile_name(lat: int, lon: int) -> str:
    """SRTM tile name of the 1x1 degree cell whose south-west corner is (lat, lon)."""
    return f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}{'E' if lon >= 0 else 'W'}{abs(lon):03d}"


def tiles_for(bounds: tuple[float, float, float, float]) -> list[str]:
    """Names of the tiles covering (west, south, east, north)."""
    west, south, east, north = bounds
    return [tile_name(lat, lon) for lat in range(math.floor(south), math.ceil(north))
            for lon in range(math.floor(west), math.ceil(east))]


def cache_dir() -> Path:
    """The tile cache folder."""
    return Path(os.environ.get("AI4C_DEM_CACHE", Path.home() / ".cache" / "ai4c" / "srtm3"))


def fetch_tiles(bounds: tuple[float, float, float, float], url_template: str | None = None,
                cache: Path | None = None) -> list[Path]:
    """Download the missing tiles for `bounds` into the cache (atomically); tiles the server lacks (sea) are skipped."""
    import httpx

    template = url_template or os.environ.get("AI4C_SRTM3_URL", DEFAULT_URL)
    cache = Path(cache or cache_dir())
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in tiles_for(bounds):
        url = template.format(tile=name)
        target = cache / Path(url.split("?")[0]).name
        if not target.exists():
            try:
                response = httpx.get(url, timeout=60, follow_redirects=True)
            except httpx.HTTPError as exc:
                raise DependencyMissingError(f"cannot fetch SRTM tile {name} from {url} ({exc}); "
                                             "set AI4C_SRTM3_URL or give --dem PATH") from exc
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise DependencyMissingError(f"SRTM tile {name}: {url} answered {response.status_code}; "
                                             "set AI4C_SRTM3_URL or give --dem PATH")
            with atomic_path(target) as tmp:
                tmp.write_bytes(response.content)
        paths.append(target)
    return paths


def read_hgt(path: Path) -> tuple[np.ndarray, float, float, float]:
    """One .hgt or .hgt.zip tile -> (heights float32 with NaN voids, west, north, step)."""
    name = path.name.split(".")[0].upper()
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                member = next(n for n in archive.namelist() if n.lower().endswith(".hgt"))
                raw = archive.read(member)
        else:
            raw = path.read_bytes()
    except (OSError, zipfile.BadZipFile, StopIteration) as exc:
        raise InvalidProductError(f"DEM tile {path} is unreadable ({exc}); delete it or give another --dem") from exc
    side = int(round(math.sqrt(len(raw) // 2)))
    if side * side * 2 != len(raw) or name[:1] not in "NS":
        raise InvalidProductError(f"DEM tile {path} is not an SRTM .hgt tile; give GeoTIFF/VRT or .hgt tiles")
    data = np.frombuffer(raw, ">i2").reshape(side, side).astype(np.float32)
    data[data == -32768] = np.nan
    lat = int(name[1:3]) * (1 if name[0] == "N" else -1)
    lon = int(name[4:7]) * (1 if name[3] == "E" else -1)
    step = 1.0 / (side - 1)
    return data, lon - step / 2, lat + 1 + step / 2, step


def mosaic(paths: list[Path]) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Tiles of one resolution -> (heights, (west, north, step)) of their bounding mosaic (NaN where missing)."""
    tiles = [read_hgt(p) for p in paths]
    if not tiles:
        raise DependencyMissingError("no SRTM tile covers the scene; give --dem PATH")
    step = tiles[0][3]
    west = min(t[1] for t in tiles)
    north = max(t[2] for t in tiles)
    east = max(t[1] + t[0].shape[1] * step for t in tiles)
    south = min(t[2] - t[0].shape[0] * step for t in tiles)
    out = np.full((round((north - south) / step), round((east - west) / step)), np.nan, np.float32)
    for data, w, n, _ in tiles:
        r0, c0 = round((north - n) / step), round((w - west) / step)
        out[r0:r0 + data.shape[0], c0:c0 + data.shape[1]] = data
    return out, (west, north, step)
