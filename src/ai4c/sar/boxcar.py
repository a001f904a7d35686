"""Boxcar window sums by summed-area tables (two cumulative sums and one difference per axis: O(1) per pixel
whatever the window), block by block on dask arrays with only the window's overlap between blocks; the same
arithmetic on numpy (CPU) or on torch tensors (CUDA when present, ai4c.ml.device)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import numpy as np
import xarray as xr
from numba import njit


def _trailing_axis(cumulative: Any, n: int, axis: int) -> Any:
    """Turn a cumulative sum along `axis` into sums of the last `n` values (fewer at the start), in place."""
    lead = (slice(None),) * axis
    if cumulative.shape[axis] > n:
        cumulative[lead + (slice(n, None),)] = cumulative[lead + (slice(n, None),)] - \
            cumulative[lead + (slice(None, -n),)]
    return cumulative


def trailing_sums(values: Any, window: tuple[int, int], cumsum: Callable[[Any, int], Any]) -> Any:
    """Sums over the `window` (lines, samples) ending at each pixel, partial windows at the first lines and
    samples (like a trailing rolling sum with min_periods=1); `cumsum(array, axis)` of numpy or torch."""
    return _trailing_axis(_trailing_axis(cumsum(cumsum(values, 0), 1), window[0], 0), window[1], 1)


def numpy_sums(block: np.ndarray, window: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(sums of the finite values, count of finite values) over trailing windows, float64, on the CPU."""
    finite = np.isfinite(block)
    return (trailing_sums(np.where(finite, block, 0.0).astype(np.float64), window, np.cumsum),
            trailing_sums(finite.astype(np.float64), window, np.cumsum))


@lru_cache(maxsize=1)
def cuda_device() -> Any:
    """The CUDA torch device when one is present (ai4c.ml.device), else None: the CPU path is numpy. Without
    an NVIDIA driver torch is not even imported (its import alone costs ~300 MB of memory)."""
    import os

    if not os.path.exists("/proc/driver/nvidia") and not os.environ.get("CUDA_VISIBLE_DEVICES"):
        return None
    try:
        from ai4c.ml.device import pick_device

        device = pick_device()
    except ImportError:  # torch missing: numpy only
        return None
    return device if device.type == "cuda" else None


def lazy_blocks(function: Callable[..., np.ndarray], layers: list[xr.DataArray], window: tuple[int, int]) -> xr.DataArray:
    """`function(*blocks)` (same shape out as in) over (line, pixel) layers, each block given the `window - 1`
    lines and samples before it so that trailing windows see across block edges; numpy in, numpy out."""
    data = [x.data for x in layers]
    if not any(hasattr(d, "dask") for d in data):
        out = function(*(np.asarray(d) for d in data))
    else:
        import dask.array as da

        depth = {0: (window[0] - 1, 0), 1: (window[1] - 1, 0)}
        out = da.map_overlap(function, *(da.asarray(d) for d in data), depth=depth, boundary="none",
                             dtype=np.float32, trim=True, allow_rechunk=True)
    return xr.DataArray(out, dims=layers[0].dims, coords=layers[0].coords)


def finite_means(block: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Trailing-window means of a numpy block, NaN ignored (NaN where the window holds none), float32."""
    return means_of(*numpy_sums(block, window))


def means_of(sums: np.ndarray, count: np.ndarray) -> np.ndarray:
    """sums / count as float32, NaN where nothing was summed."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, sums / count, np.nan).astype(np.float32)


def window_means(layer: xr.DataArray, window: tuple[int, int]) -> xr.DataArray:
    """Trailing-window mean of a (line, pixel) layer, NaN ignored (NaN where the window holds none)."""
    return lazy_blocks(partial(finite_means, window=window), [layer], window)


@njit(cache=True, nogil=True)
def _accumulate(layers, y, x, acc, joint, sign):
    """Add (sign +1) or remove (-1) pixel (y, x) of every layer and its count to the running sums `acc`."""
    k = layers.shape[0]
    if joint:
        for layer in range(k):
            if not np.isfinite(layers[layer, y, x]):
                return
        for layer in range(k):
            acc[layer] += sign * layers[layer, y, x]
        acc[k] += sign
        return
    for layer in range(k):
        value = layers[layer, y, x]
        if np.isfinite(value):
            acc[layer] += sign * value
            acc[k + layer] += sign


@njit(cache=True, nogil=True)
def _sampled_sums(layers, joint, window_rows, window_cols, rows, cols):
    """Sums of each layer over trailing windows ending at (rows[i], cols[j]) (partial at the first lines and
    samples), NaN skipped, then the counts of the values summed (one when `joint`, else one per layer), as
    (rows, cols, sums + counts): a running sum along each line, then the window's lines added."""
    k, h, w = layers.shape
    width = k + (1 if joint else k)
    across = np.zeros((h, cols.size, width))
    for y in range(h):
        acc = np.zeros(width)
        j = 0
        for x in range(min(w, cols[-1] + 1)):
            _accumulate(layers, y, x, acc, joint, 1.0)
            if x >= window_cols:
                _accumulate(layers, y, x - window_cols, acc, joint, -1.0)
            while j < cols.size and cols[j] == x:
                across[y, j] = acc
                j += 1
    out = np.zeros((rows.size, cols.size, width))
    for i in range(rows.size):
        for y in range(max(rows[i] - window_rows + 1, 0), rows[i] + 1):
            out[i] += across[y]
    return out


def sampled_window_sums(layers: np.ndarray, window: tuple[int, int], rows: np.ndarray, cols: np.ndarray,
                        joint: bool) -> tuple[np.ndarray, np.ndarray]:
    """(sums, counts) float64 of the trailing `window` ending at pixels rows x cols (increasing) of a
    (layer, line, sample) block, NaN left out (`joint`: a pixel is left out of all layers where any is NaN):
    only the sampled windows, in one pass over the block."""
    out = _sampled_sums(np.ascontiguousarray(layers, np.float32), joint, int(window[0]), int(window[1]),
                        np.asarray(rows, np.int64), np.asarray(cols, np.int64))
    k = layers.shape[0]
    return np.moveaxis(out[..., :k], -1, 0), np.moveaxis(out[..., k:], -1, 0)
