"""Lazy, dask-backed reading of any GDAL raster through rasterio windows (full resolution, no overviews).

Each dask chunk opens the file (one cached handle per thread and process) and reads exactly its window,
so memory is bounded by the chunk size and the graph pickles to dask.distributed workers (only the
path travels).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from pyproj import CRS

from ai4c.core.errors import InvalidProductError, first_line

_local = threading.local()
_first_read = threading.Event()

if TYPE_CHECKING:
    import xarray as xr


def note_first_read() -> None:
    """With AI4C_FIRST_READ_LOG=FILE, write the wall-clock time of this process's first pixel read to FILE
    (the benchmarks' measure of start-up: process start to first pixel)."""
    if _first_read.is_set():
        return
    _first_read.set()
    target = os.environ.get("AI4C_FIRST_READ_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as log:
            log.write(f"{time.time():.6f}\n")


def import_rasterio_without_boto3() -> None:
    """Import rasterio, when nothing has yet, without letting it import boto3 (0.1-0.17 s of a command's
    start-up): rasterio needs boto3 only for its AWS sessions, and ai4c reads S3 with its own boto3 client
    (catalog.storage). For command-line processes only; a later `import boto3` works as usual."""
    import sys

    if "rasterio" in sys.modules or "boto3" in sys.modules:
        return
    sys.modules["boto3"] = None  # type: ignore[assignment]  # rasterio.session: ImportError -> no AWS session
    try:
        import rasterio  # noqa: F401
    finally:
        del sys.modules["boto3"]


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
        return read_window(thread_dataset(self.path), self.band, Window(cols[0], rows[0], width, height))


def read_window(dataset, band: int, window) -> np.ndarray:
    """One band's window of an open rasterio dataset; a decoding error names the file and the fix."""
    note_first_read()
    try:
        return dataset.read(band, window=window)
    except Exception as exc:  # rasterio/GDAL decoding errors: truncated or corrupt file
        raise InvalidProductError(f"cannot decode {dataset.name} ({first_line(exc)}); the file is "
                                  "damaged, download the product again") from exc


class SharedRaster:
    """A raster file opened once and shared by the threads of a pool, one read at a time (a GDAL handle
    is not thread-safe): each file is opened and its header parsed once, however many threads read it."""

    def __init__(self, path: str) -> None:
        self.path, self.lock = str(path), threading.Lock()
        self.dataset = open_raster(self.path)
        ds = self.dataset
        self.crs = CRS.from_user_input(ds.crs) if ds.crs else None
        self.transform, self.width, self.height, self.dtype = ds.transform, ds.width, ds.height, ds.dtypes[0]
        self.block_shape = tuple(ds.block_shapes[0])

    def read(self, rows: tuple[int, int], cols: tuple[int, int], band: int = 1) -> np.ndarray:
        """The pixels of rows [r0, r1) and columns [c0, c1)."""
        from rasterio.windows import Window

        with self.lock:
            return read_window(self.dataset, band, Window(cols[0], rows[0], cols[1] - cols[0], rows[1] - rows[0]))

    def close(self) -> None:
        """Release the GDAL handle."""
        self.dataset.close()


def open_raster(path: str):
    """rasterio.open with the one-line error of a missing or damaged file."""
    import rasterio

    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InvalidProductError(f"cannot open raster {path} ({first_line(exc)}); the file is missing "
                                  "or damaged") from exc


def raster_info(path: str) -> tuple[CRS | None, Affine, int, int, int, str, float | None, tuple[int, int]]:
    """(crs, transform, width, height, count, dtype, nodata, block shape) of a raster, with a one-line error."""
    with open_raster(path) as ds:
        crs = CRS.from_user_input(ds.crs) if ds.crs else None
        return (crs, ds.transform, ds.width, ds.height, ds.count, ds.dtypes[0], ds.nodata,
                tuple(ds.block_shapes[0]))


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
