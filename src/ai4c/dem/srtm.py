"""SRTM 3-arc-second tiles (`--dem srtm3`): fetched by a configurable URL template into a cache (read back
like any folder of .hgt / .hgt.zip tiles, through `dem.source`).

URL template: `AI4C_SRTM3_URL` (default the ESA STEP mirror SNAP uses), with `{tile}` (e.g. N41E012);
cache folder: `AI4C_DEM_CACHE` (default ~/.cache/ai4c/srtm3).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ai4c.core.errors import DependencyMissingError
from ai4c.core.io import atomic_path

DEFAULT_URL = "https://step.esa.int/auxdata/dem/SRTM90/hgt/{tile}.hgt.zip"


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
