"""Chunked reprojection of a lazy DataArray onto a target Grid with memory bounded per output block.

Every output block is computed from just the source window it needs (found by transforming the
block's densified outline), so a 10980 x 10980 tile reprojects in blocks of a few MB.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from pyproj import CRS

from ai4c.core.errors import InvalidParameterError
from ai4c.core.grid import Grid

if TYPE_CHECKING:
    import xarray as xr

BLOCK = 1024
Window = tuple[int, int, int, int]  # row0, row1, col0, col1 (half-open) in source pixels


def block_slices(grid: Grid, block: int = BLOCK) -> list[list[tuple[slice, slice]]]:
    """Row-major (row slice, col slice) of the output blocks of a grid."""
    return [[(slice(r, min(r + block, grid.height)), slice(c, min(c + block, grid.width)))
             for c in range(0, grid.width, block)] for r in range(0, grid.height, block)]


def block_grid(grid: Grid, rows: slice, cols: slice) -> Grid:
    """The sub-grid of an output block."""
    t = grid.transform @ Affine.translation(cols.start, rows.start)
    return Grid(grid.crs, t, cols.stop - cols.start, rows.stop - rows.start)


def map_target_blocks(src: xr.DataArray, grid: Grid, window_of: Callable[[Grid], Window | None],
                      kernel: Callable[..., np.ndarray], *, dtype, fill, block: int = BLOCK,
                      **kwargs) -> xr.DataArray:
    """Build a lazy (y, x) DataArray on `grid`: block = kernel(source window values, window, sub-grid).

    `window_of(sub_grid)` gives the (unclipped) source window a block needs or None when it needs none;
    the window is clipped to the source and the kernel receives the clipped window.
    """
    import dask
    import dask.array as da

    from ai4c.core.lazyraster import georeferenced

    height, width = src.shape[-2:]
    rows_out = []
    for row in block_slices(grid, block):
        cols_out = []
        for rows, cols in row:
            sub = block_grid(grid, rows, cols)
            shape = (sub.height, sub.width)
            window = window_of(sub)
            clipped = None if window is None else (max(0, window[0]), min(height, window[1]),
                                                   max(0, window[2]), min(width, window[3]))
            if clipped is None or clipped[1] <= clipped[0] or clipped[3] <= clipped[2]:
                cols_out.append(da.full(shape, fill, dtype=dtype))
                continue
            piece = src.data[clipped[0]:clipped[1], clipped[2]:clipped[3]]
            task = dask.delayed(kernel, pure=True)(piece, clipped, sub, **kwargs)
            cols_out.append(da.from_delayed(task, shape, dtype=dtype))
        rows_out.append(cols_out)
    return georeferenced(da.block(rows_out), grid.transform, grid.crs, name=src.name, attrs=src.attrs)


def source_window(src_transform: Affine, src_crs: CRS, sub: Grid, margin: int = 2) -> Window | None:
    """The source pixel window covering an output block (outline densified, plus `margin` pixels)."""
    from rasterio.warp import transform as warp_transform

    left, bottom, right, top = sub.bounds
    n = 21
    xs = np.concatenate([np.linspace(left, right, n), np.full(n, right), np.linspace(right, left, n), np.full(n, left)])
    ys = np.concatenate([np.full(n, top), np.linspace(top, bottom, n), np.full(n, bottom), np.linspace(bottom, top, n)])
    if CRS.from_user_input(sub.crs) != CRS.from_user_input(src_crs):
        xs, ys = (np.asarray(v) for v in warp_transform(sub.crs, src_crs, xs, ys))
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return None
    cols, rows = ~src_transform @ (xs[ok], ys[ok])
    return (int(np.floor(np.min(rows))) - margin, int(np.ceil(np.max(rows))) + margin,
            int(np.floor(np.min(cols))) - margin, int(np.ceil(np.max(cols))) + margin)


RESAMPLING = ("nearest", "bilinear", "cubic", "average", "mode", "min", "max", "med")


def reproject_to_grid(src: xr.DataArray, grid: Grid, resampling: str = "nearest", *,
                      nodata: float | None = None, block: int = BLOCK) -> xr.DataArray:
    """Reproject a lazy georeferenced (y, x) DataArray onto `grid`, block by block (rasterio/GDAL warp)."""
    if resampling.lower() not in RESAMPLING:
        raise InvalidParameterError(f"resampling {resampling!r} is unknown; use one of {', '.join(RESAMPLING)}")
    dtype = np.dtype(src.dtype)
    fill = nodata if nodata is not None else (np.nan if dtype.kind == "f" else 0)
    transform = src.rio.transform(recalc=True)
    crs = src.rio.crs
    return map_target_blocks(
        src, grid, lambda sub: source_window(transform, crs, sub), _warp_block, dtype=dtype, fill=fill,
        block=block, src_transform=transform, src_crs=crs, resampling=resampling.lower(), fill_value=fill)


def _warp_block(piece: np.ndarray, window: Window, sub: Grid, *, src_transform: Affine, src_crs, resampling: str,
                fill_value) -> np.ndarray:
    """Warp one source window onto one output block."""
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    out = np.full((sub.height, sub.width), fill_value, dtype=piece.dtype)
    transform = src_transform @ Affine.translation(window[2], window[0])
    nodata = fill_value if not (isinstance(fill_value, float) and np.isnan(fill_value)) else np.nan
    reproject(np.ascontiguousarray(piece), out, src_transform=transform, src_crs=src_crs, src_nodata=nodata,
              dst_transform=sub.transform, dst_crs=sub.crs, dst_nodata=nodata,
              resampling=getattr(Resampling, resampling), num_threads=1)
    return out
