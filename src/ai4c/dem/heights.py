"""Terrain heights for geocoding: a window of a DEM (`dem.source` names the raster) in memory, sampled
bilinearly at any lon/lat, with the EGM96 -> ellipsoid conversion applied. Picklable, so dask workers can
call it per output block."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from numba import njit, prange
from pyproj import CRS, Transformer

from ai4c.core.errors import DependencyMissingError, InvalidProductError
from ai4c.dem.source import dem_raster, tiles_vrt


@dataclass
class HeightSampler:
    """Heights (metres above the ellipsoid once `geoid` is applied) of a DEM window."""

    data: np.ndarray
    transform: Affine
    crs: str
    add_geoid: bool = False

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Bilinear heights at lon/lat (NaN outside the DEM or in voids)."""
        x, y = lon, lat
        if not CRS.from_user_input(self.crs).is_geographic:
            x, y = Transformer.from_crs(4326, self.crs, always_xy=True).transform(lon, lat)
        t = self.transform
        x2, y2 = np.atleast_2d(np.asarray(x, np.float64)), np.atleast_2d(np.asarray(y, np.float64))
        h = _bilinear(self.data, x2, y2, t.c, t.f, t.a, t.e).reshape(np.shape(lon))
        if self.add_geoid:
            from ai4c.dem import geoid

            h = h + geoid.undulation(lon, lat)
        return h


def read_dem_window(path: Path | str, bounds: tuple[float, float, float, float], margin: float = 0.02) -> HeightSampler:
    """The part of a GeoTIFF/VRT (or a folder of .hgt tiles) covering lon/lat `bounds` (+ margin in degrees)."""
    import rasterio
    from rasterio.warp import transform_bounds
    from rasterio.windows import from_bounds

    raster = dem_raster(path)
    west, south, east, north = bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin
    try:
        with rasterio.open(raster) as src:
            crs = src.crs
            if crs is None:
                raise InvalidProductError(f"DEM {path} has no CRS; give a georeferenced GeoTIFF/VRT")
            horizontal = CRS.from_user_input(crs).sub_crs_list[0] if CRS.from_user_input(crs).is_compound else CRS.from_user_input(crs)
            left, bottom, right, top = transform_bounds("EPSG:4326", horizontal, west, south, east, north)
            window = from_bounds(left, bottom, right, top, src.transform).round_offsets().round_lengths()
            data = _read_window(src, window)
            transform = src.window_transform(window)
    except rasterio.errors.RasterioError as exc:
        raise InvalidProductError(f"DEM {path} is unreadable ({exc}); give a GeoTIFF/VRT or .hgt tiles") from exc
    if not np.isfinite(data).any():
        raise DependencyMissingError(f"DEM {path} does not cover the scene ({west:.3f},{south:.3f},{east:.3f},"
                                     f"{north:.3f}); give a DEM of that area")
    return HeightSampler(data, transform, horizontal.to_string())


def _read_window(src, window) -> np.ndarray:
    """Band 1 over `window` as float32, NaN outside the dataset and at its nodata value: only the inner
    part is read, with GDAL's threads (a boundless read is ~10x slower)."""
    import rasterio
    from rasterio.windows import Window

    data = np.full((int(window.height), int(window.width)), np.nan, np.float32)
    r0, c0 = max(int(window.row_off), 0), max(int(window.col_off), 0)
    r1 = min(int(window.row_off + window.height), src.height)
    c1 = min(int(window.col_off + window.width), src.width)
    if r1 <= r0 or c1 <= c0:
        return data
    with rasterio.Env(GDAL_NUM_THREADS="ALL_CPUS"):
        inner = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), out_dtype="float32")
    if src.nodata is not None:
        inner[inner == src.nodata] = np.nan
    data[r0 - int(window.row_off):r1 - int(window.row_off), c0 - int(window.col_off):c1 - int(window.col_off)] = inner
    return data


def from_tiles(tiles: list[Path]) -> HeightSampler:
    """A sampler over the whole mosaic of SRTM tiles (those `--dem srtm3` fetched)."""
    import rasterio
    from rasterio.windows import Window

    if not tiles:
        raise DependencyMissingError("no SRTM tile covers the scene; give --dem PATH")
    try:
        with rasterio.open(tiles_vrt(tiles)) as src:
            data = _read_window(src, Window(0, 0, src.width, src.height))
            return HeightSampler(data, src.transform, "EPSG:4326")
    except rasterio.errors.RasterioError as exc:
        raise InvalidProductError(f"SRTM tiles {', '.join(t.name for t in tiles)} are unreadable ({exc}); "
                                  "delete them from the cache or give --dem PATH") from exc


@njit(cache=True, parallel=True)
def _bilinear(data, x, y, x0, y0, dx, dy):
    """Bilinear samples of a north-up raster at map coordinates; NaN outside or next to voids."""
    out = np.full(x.shape, np.nan)
    ny, nx = data.shape
    for r in prange(x.shape[0]):
        for c in range(x.shape[1]):
            col = (x[r, c] - x0) / dx - 0.5
            row = (y[r, c] - y0) / dy - 0.5
            if not (col >= 0 and row >= 0 and col <= nx - 1 and row <= ny - 1):
                continue
            c0, r0 = min(int(col), nx - 2), min(int(row), ny - 2)
            fc, fr = col - c0, row - r0
            out[r, c] = ((1 - fr) * ((1 - fc) * data[r0, c0] + fc * data[r0, c0 + 1])
                         + fr * ((1 - fc) * data[r0 + 1, c0] + fc * data[r0 + 1, c0 + 1]))
    return out
