"""Resampling with SNAP S2Resampling semantics between axis-aligned grids of one CRS.

Upsampling (target pixel finer than the source): Nearest, Bilinear or Bicubic (Keys, a = -0.5) interpolation at
target pixel centres, edges clamped; NaN propagates. Downsampling: a target pixel aggregates the source pixels
whose centres fall inside it: First (top-left contributor), Min, Max, Mean, Median (NaN ignored; median of an
even count is the mean of the two middle values). Flag/class layers are never interpolated: upsampling is
Nearest and downsampling uses First, FlagAnd, FlagOr (bitwise over contributors), FlagMedianAnd (bit set iff set
in more than half of the contributors) or FlagMedianOr (set iff in at least half), which reproduces SNAP's
test vectors.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine

from ai4c.core.errors import InvalidParameterError, check_choice
from ai4c.core.grid import Grid
from ai4c.optical.options import DOWNSAMPLING, FLAG_DOWNSAMPLING, UPSAMPLING

if TYPE_CHECKING:
    import xarray as xr

_EPS = 1e-9


def axis_mapping(src_origin: float, src_step: float, dst_origin: float, dst_step: float, n_dst: int) -> tuple[float, float, np.ndarray]:
    """(scale, shift, target centres) in source pixel units: target pixel t spans [t*scale+shift, (t+1)*scale+shift)."""
    scale = dst_step / src_step
    shift = (dst_origin - src_origin) / src_step
    return scale, shift, (np.arange(n_dst) + 0.5) * scale + shift


def contributor_ranges(scale: float, shift: float, n_dst: int, n_src: int) -> tuple[np.ndarray, np.ndarray]:
    """For each target pixel, the half-open range of source pixels whose centres lie inside it."""
    lo = np.arange(n_dst) * scale + shift
    start = np.ceil(lo - 0.5 - _EPS).astype(np.int64)
    stop = np.ceil(lo + scale - 0.5 - _EPS).astype(np.int64)
    return np.clip(start, 0, n_src), np.clip(stop, 0, n_src)


# ---------------------------------------------------------------- upsampling (separable interpolation)

def _interp_axis(values: np.ndarray, centres: np.ndarray, method: str, axis: int) -> np.ndarray:
    """Interpolate along one axis at fractional source positions (pixel centres at i + 0.5)."""
    n = values.shape[axis]
    pos = centres - 0.5
    if method == "Nearest":
        index = np.clip(np.floor(centres).astype(np.int64), 0, n - 1)
        return np.take(values, index, axis=axis)
    base = np.floor(pos).astype(np.int64)
    frac = (pos - base).astype(np.float32)
    if method == "Bilinear":
        taps, weights = (0, 1), (1 - frac, frac)
    else:
        taps, weights = (-1, 0, 1, 2), _keys_weights(frac)
    out = None
    for tap, weight in zip(taps, weights, strict=True):
        part = np.take(values, np.clip(base + tap, 0, n - 1), axis=axis)
        shape = [1] * values.ndim
        shape[axis] = -1
        term = part * weight.reshape(shape)
        out = term if out is None else out + term
    return out


def _keys_weights(t: np.ndarray, a: float = -0.5) -> tuple[np.ndarray, ...]:
    """Cubic convolution weights of the taps at offsets -1, 0, 1, 2 for fraction t."""
    def kernel(x):
        x = np.abs(x)
        return np.where(x <= 1, (a + 2) * x**3 - (a + 3) * x**2 + 1,
                        np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0)).astype(np.float32)
    return kernel(t + 1), kernel(t), kernel(1 - t), kernel(2 - t)


def interpolate(values: np.ndarray, row_centres: np.ndarray, col_centres: np.ndarray, method: str) -> np.ndarray:
    """Sample a 2-D array at target pixel centres given in source pixel units."""
    work = values if method == "Nearest" else values.astype(np.float32, copy=False)
    return _interp_axis(_interp_axis(work, col_centres, method, 1), row_centres, method, 0).astype(values.dtype if method == "Nearest" else np.float32)


# ---------------------------------------------------------------- downsampling (aggregation)

_METHOD_CODES = {"First": 0, "Min": 1, "Max": 2, "Mean": 3, "Median": 4,
                 "FlagAnd": 5, "FlagOr": 6, "FlagMedianAnd": 7, "FlagMedianOr": 8}
_REDUCERS = {"Min": np.fmin, "Max": np.fmax}  # fmin/fmax skip NaN unless every contributor is NaN


def aggregate(values: np.ndarray, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray],
              method: str, nodata: int | None = None) -> np.ndarray:
    """Aggregate source pixels into target pixels given per-axis contributor ranges.

    First/Min/Max/Mean over contiguous ranges (every S2 resolution step) run in numpy; Median, the flag
    rules and irregular ranges in the compiled kernels of optical.aggregate_kernels.
    """
    code = _METHOD_CODES[method]
    is_int = np.dtype(values.dtype).kind in "iu"
    fill = (nodata or 0) if is_int else np.nan
    if method == "First" and _contiguous(rows) and _contiguous(cols):
        return _first(values, rows, cols, fill, values.dtype if is_int else np.float32)
    if not is_int and method in ("Min", "Max", "Mean") and _regular(rows) and _regular(cols):
        return _strided(np.asarray(values, dtype=np.float32), rows, cols, method)
    if not is_int and method in ("Min", "Max", "Mean") and _contiguous(rows) and _contiguous(cols):
        return _reduce(np.asarray(values, dtype=np.float32), rows, cols, method)
    from ai4c.optical.aggregate_kernels import aggregate_flags, aggregate_float

    if code >= 5 or is_int:
        return aggregate_flags(np.ascontiguousarray(values), rows[0], rows[1], cols[0], cols[1], code,
                               values.dtype.type(nodata or 0), nodata is not None)
    return aggregate_float(np.ascontiguousarray(values, dtype=np.float32), rows[0], rows[1], cols[0], cols[1], code)


def _filled(ranges: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Indices of the target pixels that have at least one contributor."""
    return np.flatnonzero(ranges[1] > ranges[0])


def _contiguous(ranges: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether the non-empty ranges form one run, each ending where the next starts (or 1-pixel repeats)."""
    start, stop = ranges[0][_filled(ranges)], ranges[1][_filled(ranges)]
    if start.size == 0:
        return True
    single = (stop - start) == 1
    follows = stop[:-1] == start[1:]
    return bool(np.all(follows | (single[:-1] & (start[:-1] == start[1:]))) and np.all(np.diff(start) >= 0))


def _regular(ranges: tuple[np.ndarray, np.ndarray]) -> int:
    """The common factor k when every non-empty range holds k pixels (the last one may be cut by the source's
    edge) and each starts where the one before ends (an integer resolution step); 0 otherwise."""
    filled = _filled(ranges)
    if filled.size == 0 or np.any(np.diff(filled) != 1):
        return 0
    start, stop = ranges[0][filled], ranges[1][filled]
    k = int(stop[0] - start[0])
    whole = np.all(stop[:-1] - start[:-1] == k) and 0 < stop[-1] - start[-1] <= k
    return k if whole and np.all(start[1:] == stop[:-1]) else 0


def _strided(values: np.ndarray, rows, cols, method: str) -> np.ndarray:
    """Min, Max or Mean over k x k contributors as k * k strided views of one array (NaN-padded at a cut
    edge): one pass, float64 sums in the compiled kernel's order (contributors row by row, NaN skipped), so
    the results are the same."""
    out = np.full((rows[0].size, cols[0].size), np.nan, dtype=np.float32)
    r, c = _filled(rows), _filled(cols)
    kr, kc = _regular(rows), _regular(cols)
    block = values[rows[0][r[0]]:rows[1][r[-1]], cols[0][c[0]]:cols[1][c[-1]]]
    short = (r.size * kr - block.shape[0], c.size * kc - block.shape[1])
    complete = method == "Mean" and not np.isnan(block).any()
    if short != (0, 0):
        block = np.pad(block, ((0, short[0]), (0, short[1])), constant_values=np.nan)
    views = [block[i::kr, j::kc] for i in range(kr) for j in range(kc)]
    target = out[r[0]:r[-1] + 1, c[0]:c[-1] + 1]
    if method in _REDUCERS:
        result = views[0]
        for view in views[1:]:
            result = _REDUCERS[method](result, view)
        target[...] = result
        return out
    if not complete:
        target[...] = _nan_mean(views)
        return out
    total = np.zeros(views[0].shape, np.float64)  # no contributor missing (the common case): the same sums
    for view in views:                            # without the NaN bookkeeping, ~2.5x faster
        total += view
    target[...] = total / len(views)
    for edge in ([np.s_[-1:, :]] if short[0] else []) + ([np.s_[:, -1:]] if short[1] else []):
        target[edge] = _nan_mean([view[edge] for view in views])  # the cells cut by the source's edge
    return out


def _nan_mean(views: list[np.ndarray]) -> np.ndarray:
    """Mean of the non-NaN values of each cell across the views (float64 sums in the views' order), NaN
    where all are NaN."""
    total = np.zeros(views[0].shape, np.float64)
    count = np.zeros(views[0].shape, np.int32)
    for view in views:
        ok = ~np.isnan(view)
        total += np.where(ok, view, 0.0)
        count += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _first(values: np.ndarray, rows, cols, fill, dtype) -> np.ndarray:
    """The top-left contributor of each target pixel; `fill` where there is none."""
    out = np.full((rows[0].size, cols[0].size), fill, dtype=dtype)
    r, c = _filled(rows), _filled(cols)
    out[np.ix_(r, c)] = values[np.ix_(rows[0][r], cols[0][c])]
    return out


def _reduce(values: np.ndarray, rows, cols, method: str) -> np.ndarray:
    """Min, Max or Mean (NaN ignored, float64 sums like the compiled kernel) over contiguous contributor
    ranges, by reduceat along each axis."""
    out = np.full((rows[0].size, cols[0].size), np.nan, dtype=np.float32)
    r, c = _filled(rows), _filled(cols)
    if r.size == 0 or c.size == 0:
        return out
    r0, r1, c0, c1 = rows[0][r], rows[1][r][-1], cols[0][c], cols[1][c][-1]
    block = values[r0[0]:r1, c0[0]:c1]
    r0, c0 = r0 - r0[0], c0 - c0[0]
    if method in _REDUCERS:
        reducer = _REDUCERS[method]
        out[np.ix_(r, c)] = reducer.reduceat(reducer.reduceat(block, r0, axis=0), c0, axis=1)
        return out
    nan = np.isnan(block)
    total = np.add.reduceat(np.add.reduceat(np.where(nan, 0.0, block.astype(np.float64)), r0, axis=0), c0, axis=1)
    count = np.add.reduceat(np.add.reduceat((~nan).astype(np.int32), r0, axis=0), c0, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[np.ix_(r, c)] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


# ---------------------------------------------------------------- grids and lazy arrays

def resample_array(values: np.ndarray, src_transform: Affine, dst: Grid, method: str, *, flag: bool = False,
                   nodata: int | None = None) -> np.ndarray:
    """Resample an in-memory (y, x) array to `dst` (same CRS, north-up); per axis up- or downsampled."""
    height, width = values.shape
    sx, shx, cx = axis_mapping(src_transform.c, src_transform.a, dst.transform.c, dst.transform.a, dst.width)
    sy, shy, cy = axis_mapping(src_transform.f, src_transform.e, dst.transform.f, dst.transform.e, dst.height)
    down = sx > 1 + _EPS or sy > 1 + _EPS
    if not down:
        up = "Nearest" if flag else method
        if math.isclose(sx, 1) and math.isclose(sy, 1) and float(shx).is_integer() and float(shy).is_integer():
            up = "Nearest"
        return interpolate(values, cy, cx, up)
    rows = contributor_ranges(sy, shy, dst.height, height) if sy > 1 + _EPS else _nearest_ranges(cy, height)
    cols = contributor_ranges(sx, shx, dst.width, width) if sx > 1 + _EPS else _nearest_ranges(cx, width)
    return aggregate(values, rows, cols, method, nodata)


def _nearest_ranges(centres: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    index = np.clip(np.floor(centres).astype(np.int64), 0, n - 1)
    return index, index + 1


def check_methods(upsampling: str, downsampling: str, flagdownsampling: str) -> tuple[str, str, str]:
    """Validate the three method names (case-insensitive), returning SNAP's spelling."""
    return (check_choice("upsampling", upsampling, UPSAMPLING), check_choice("downsampling", downsampling, DOWNSAMPLING),
            check_choice("flagdownsampling", flagdownsampling, FLAG_DOWNSAMPLING))


def resample(src: xr.DataArray, grid: Grid, method: str, *, flag: bool = False, nodata: int | None = None,
             block: int = 1024) -> xr.DataArray:
    """Lazily resample a georeferenced (y, x) DataArray onto `grid` (same CRS), block by block.

    `method` is an upsampling name when the target is finer, a (flag) downsampling name when coarser;
    pass both through `resample_like` when one band can go either way.
    """
    from ai4c.core.warp import map_target_blocks

    transform = src.rio.transform(recalc=True)
    if not flag and method not in UPSAMPLING + DOWNSAMPLING:
        raise InvalidParameterError(f"resampling method {method!r} is unknown; use {', '.join(UPSAMPLING + DOWNSAMPLING)}")
    dtype = np.dtype(np.float32) if not flag else np.dtype(src.dtype)
    fill = np.nan if not flag else (nodata or 0)
    if _same_grid(transform, src.shape, grid):
        return src if src.dtype == dtype else src.astype(dtype)
    margin = 0 if flag or method in ("Nearest",) + DOWNSAMPLING else 2
    return map_target_blocks(src, grid, lambda sub: window_of(transform, sub, margin), resample_block,
                             dtype=dtype, fill=fill, block=block, src_transform=transform, method=method,
                             flag=flag, nodata=nodata, src_shape=tuple(src.shape[-2:]))


def _same_grid(transform: Affine, shape: tuple[int, ...], grid: Grid) -> bool:
    return shape[-2:] == (grid.height, grid.width) and transform.almost_equals(grid.transform)


def window_of(transform: Affine, sub: Grid, margin: int) -> tuple[int, int, int, int]:
    """The (unclipped) source window (row0, row1, col0, col1) a target block needs, plus `margin` pixels."""
    left, bottom, right, top = sub.bounds
    col0, row0 = ~transform @ (left, top)
    col1, row1 = ~transform @ (right, bottom)
    return (math.floor(min(row0, row1) + _EPS) - margin, math.ceil(max(row0, row1) - _EPS) + margin,
            math.floor(min(col0, col1) + _EPS) - margin, math.ceil(max(col0, col1) - _EPS) + margin)


def resample_block(piece: np.ndarray, window: tuple[int, int, int, int], sub: Grid, *, src_transform: Affine,
                    method: str, flag: bool, nodata: int | None, src_shape: tuple[int, int]) -> np.ndarray:
    """Resample one clipped source window onto one target block; areas outside the source are no data."""
    local = src_transform @ Affine.translation(window[2], window[0])
    out = resample_array(np.asarray(piece), local, sub, method, flag=flag, nodata=nodata)
    return _blank_outside(out, src_transform, sub, src_shape, np.nan if not flag else (nodata or 0))


def _blank_outside(out: np.ndarray, src_transform: Affine, sub: Grid, src_shape, fill) -> np.ndarray:
    """Set target pixels whose centres fall outside the full source raster's extent to no data."""
    _, _, cx = axis_mapping(src_transform.c, src_transform.a, sub.transform.c, sub.transform.a, sub.width)
    _, _, cy = axis_mapping(src_transform.f, src_transform.e, sub.transform.f, sub.transform.e, sub.height)
    bad_x = (cx < 0) | (cx >= src_shape[1])
    bad_y = (cy < 0) | (cy >= src_shape[0])
    if bad_x.any() or bad_y.any():
        out = out.copy()
        out[:, bad_x] = fill
        out[bad_y, :] = fill
    return out


def resample_like(src: xr.DataArray, grid: Grid, upsampling: str, downsampling: str, block: int = 1024) -> xr.DataArray:
    """Resample a continuous band with the upsampling or downsampling method, whichever the grids need."""
    finer = abs(grid.transform.a) < abs(src.rio.transform(recalc=True).a) - _EPS
    return resample(src, grid, upsampling if finer else downsampling, block=block)
