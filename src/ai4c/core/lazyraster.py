"""Lazy, dask-backed reading of any GDAL raster through rasterio windows (full resolution, no overviews).

Each dask chunk opens the file (one cached handle per thread and process) and reads exactly its window,
so memory is bounded by the chunk size and the graph pickles to dask.distributed workers (only the
path travels).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from pyproj import CRS

from ai4c.core.errors import InvalidProductError, first_line

_local = threading.local()

if TYPE_CHECKING:
    import xarray as xr


def thread_dataset(path: str | Path, max_open: int = 64):
    """A per-thread cached rasterio dataset (GDAL handles are not thread-safe); the thread's cache is
    emptied once it holds more than `max_open` files."""
    import rasterio

    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = str(path)
    if key not in cache:
        if len(cache) > max_open:
            for ds in cache.values():
                ds.close()
            cache.clear()
        cache[key] = rasterio.open(key)
    return cache[key]


class WindowedBand:
    """An array-like view of one band of a raster file, read window by window on indexing."""

    def __init__(self, path: str, band: int, shape: tuple[int, int], dtype: str) -> None:
        self.path, self.band, self.shape, self.dtype, self.ndim = path, band, shape, np.dtype(dtype), 2

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        from rasterio.windows import Window

        rows, cols = (k.indices(n) for k, n in zip(key, self.shape, strict=True))
        height, width = max(0, rows[1] - rows[0]), max(0, cols[1] - cols[0])
        if height == 0 or width == 0:
            return np.zeros((height, width), self.dtype)
        try:
            return thread_dataset(self.path).read(self.band, window=Window(cols[0], rows[0], width, height))
        except Exception as exc:  # rasterio/GDAL decoding errors: truncated or corrupt file
            raise InvalidProductError(f"cannot decode {self.path} ({first_line(exc)}); the file is "
                                      "damaged, download the product again") from exc


def raster_info(path: str) -> tuple[CRS | None, Affine, int, int, int, str, float | None, tuple[int, int]]:
    """(crs, transform, width, height, count, dtype, nodata, block shape) of a raster, with a one-line error."""
    import rasterio

    try:
        with rasterio.open(path) as ds:
            crs = CRS.from_user_input(ds.crs) if ds.crs else None
            return (crs, ds.transform, ds.width, ds.height, ds.count, ds.dtypes[0], ds.nodata,
                    tuple(ds.block_shapes[0]))
    except rasterio.errors.RasterioIOError as exc:
        raise InvalidProductError(f"cannot open raster {path} ({first_line(exc)}); the file is missing "
                                  "or damaged") from exc


def open_lazy(path: str | Path, band: int = 1, *, chunks: int | tuple[int, int] | None = None,
              name: str | None = None) -> xr.DataArray:
    """A (y, x) dask-backed DataArray of one band, georeferenced (x/y pixel-centre coords, CRS, transform).

    By default chunks are whole multiples of the file's own blocks (JPEG2000 tiles) of about 1024 pixels,
    so that no tile is decoded twice.
    """
    import dask.array as da

    path = str(path)
    crs, transform, width, height, count, dtype, nodata, blocks = raster_info(path)
    if band > count:
        raise InvalidProductError(f"{path} has {count} band(s); band {band} was asked for")
    if chunks is None:
        chunk = tuple(b * max(1, -(-1024 // b)) if b < min(height, width) else 1024 for b in blocks)
    else:
        chunk = (chunks, chunks) if isinstance(chunks, int) else chunks
    array = da.from_array(WindowedBand(path, band, (height, width), dtype), chunks=chunk, lock=False,
                          asarray=False, fancy=False, meta=np.zeros((0, 0), dtype),
                          name=f"read-{abs(hash((path, band, chunk)))}")
    return georeferenced(array, transform, crs, name=name, nodata=nodata)


def georeferenced(array, transform: Affine, crs: CRS | None, *, name: str | None = None,
                  nodata: float | None = None, attrs: dict | None = None) -> xr.DataArray:
    """Wrap a 2-D (or band, y, x) array with pixel-centre coordinates and rioxarray CRS/transform."""
    import rioxarray  # noqa: F401
    import xarray as xr

    height, width = array.shape[-2:]
    x = transform.c + transform.a * (np.arange(width) + 0.5)
    y = transform.f + transform.e * (np.arange(height) + 0.5)
    dims = ("y", "x") if array.ndim == 2 else ("band", "y", "x")
    out = xr.DataArray(array, dims=dims, coords={"y": y, "x": x}, name=name, attrs=dict(attrs or {}))
    out = out.rio.write_transform(transform)
    if crs is not None:
        out = out.rio.write_crs(crs)
    if nodata is not None:
        out = out.rio.write_nodata(nodata)
    return out
