"""Boxcar window sums by summed-area tables (two cumulative sums and one difference per axis: O(1) per pixel
whatever the window), block by block on dask arrays with only the window's overlap between blocks; the same
arithmetic on numpy (CPU) or on torch tensors (CUDA when present, ai4c.ml.device)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import numpy as np
import xarray as xr


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
    sums, count = numpy_sums(block, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, sums / count, np.nan).astype(np.float32)


def window_means(layer: xr.DataArray, window: tuple[int, int]) -> xr.DataArray:
    """Trailing-window mean of a (line, pixel) layer, NaN ignored (NaN where the window holds none)."""
    return lazy_blocks(partial(finite_means, window=window), [layer], window)
