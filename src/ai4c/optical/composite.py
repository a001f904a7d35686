"""Monthly median composites: the exact median of the valid samples of each pixel, 0 where none.

The kernels work on one block (time, band, y, x) at a time (pipelines.monthly_composite_stream reads
the series window by window), so memory stays bounded by the block whatever the length of the series
or the size of the tile.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def _median_kernel(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    """Median over axis 0 of `stack` (t, band, n) using the samples where `valid` (t, n) is True.

    Pixels are split into a few ranges per thread, each with its own buffers (no allocation per
    pixel); the few samples of a month are ordered by insertion sort."""
    n_time, n_band, n_pix = stack.shape
    out = np.zeros((n_band, n_pix), dtype=np.float64)
    n_ranges = max(1, min(n_pix, 256))
    step = (n_pix + n_ranges - 1) // n_ranges
    for r in prange(n_ranges):
        buf = np.empty(n_time, dtype=np.float64)
        times = np.empty(n_time, dtype=np.int64)
        for p in range(r * step, min((r + 1) * step, n_pix)):
            count = 0
            for t in range(n_time):
                if valid[t, p]:
                    times[count] = t
                    count += 1
            if count == 0:
                continue
            half = count // 2
            for b in range(n_band):
                for i in range(count):
                    value = np.float64(stack[times[i], b, p])
                    j = i - 1
                    while j >= 0 and buf[j] > value:
                        buf[j + 1] = buf[j]
                        j -= 1
                    buf[j + 1] = value
                if count % 2 == 1:
                    out[b, p] = buf[half]
                else:
                    out[b, p] = (buf[half - 1] + buf[half]) / 2.0
    return out


def masked_median(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Exact median over time of a (t, band, y, x) block keeping samples where `valid` (t, y, x) holds;
    float64 (band, y, x), 0 where a pixel has no valid sample (equals numpy's median of those samples)."""
    n_time, n_band, height, width = stack.shape
    if n_time == 0:
        return np.zeros((n_band, height, width), dtype=np.float64)
    flat = np.ascontiguousarray(stack.reshape(n_time, n_band, height * width))
    mask = np.ascontiguousarray(valid.reshape(n_time, height * width).astype(np.bool_))
    return _median_kernel(flat, mask).reshape(n_band, height, width)


@njit(nogil=True, cache=True)
def _median_network_kernel(stack: np.ndarray, valid: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """Median over axis 0 of an unsigned (t, band, n) integer `stack` keeping the samples where `valid`
    (t, n), into a uint16 `out` (band, n) rounded half to even (numpy's rint), 0 where no sample is valid.

    Branch-free: for runs of 1024 pixels the invalid samples become a sentinel above every value and the
    t samples are ordered by an odd-even transposition network of min/max (vectorised across pixels), so
    the valid ones come first; the median is then read at the pixel's count. No GIL: one block per thread."""
    n_time, n_band, n_pix = stack.shape
    run = 1024
    sentinel = np.int32(1 << 20)
    values = np.empty((n_time, run), dtype=np.int32)
    counts = np.empty(run, dtype=np.int64)
    for p0 in range(0, n_pix, run):
        m = min(run, n_pix - p0)
        counts[:m] = 0
        for t in range(n_time):
            for k in range(m):
                counts[k] += valid[t, p0 + k]
        for b in range(n_band):
            for t in range(n_time):
                for k in range(m):
                    values[t, k] = np.int32(stack[t, b, p0 + k]) if valid[t, p0 + k] else sentinel
            for r in range(n_time):
                for i in range(r % 2, n_time - 1, 2):
                    for k in range(m):
                        low, high = values[i, k], values[i + 1, k]
                        values[i, k] = min(low, high)
                        values[i + 1, k] = max(low, high)
            for k in range(m):
                count = counts[k]
                if count == 0:
                    out[b, p0 + k] = 0
                elif count % 2 == 1:
                    out[b, p0 + k] = np.uint16(values[count // 2, k])
                else:
                    total = values[count // 2 - 1, k] + values[count // 2, k]
                    half = total >> 1
                    if (total & 1) and (half & 1):  # x.5 rounds to the even neighbour
                        half += 1
                    out[b, p0 + k] = np.uint16(half)


def masked_median_uint16(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """masked_median(stack, valid) rounded half to even (numpy's rint) into uint16 (band, y, x), 0 where no
    sample is valid; uint8/uint16 stacks take the branch-free kernel
    (no float64 temporaries, releases the GIL), other dtypes the float64 one."""
    n_time, n_band, height, width = stack.shape
    if stack.dtype not in (np.uint8, np.uint16):
        return np.clip(np.rint(masked_median(stack, valid)), 0, 65535).astype(np.uint16)
    out = np.zeros((n_band, height * width), dtype=np.uint16)
    if n_time:
        flat = np.ascontiguousarray(stack.reshape(n_time, n_band, height * width))
        mask = np.ascontiguousarray(valid.reshape(n_time, height * width).astype(np.bool_))
        _median_network_kernel(flat, mask, out)
    return out.reshape(n_band, height, width)


def lai_valid(lai: np.ndarray, nodata: float | None = None) -> np.ndarray:
    """Where an LAI sample is usable: finite, >= 0 and not the file's no-data value."""
    lai = np.asarray(lai)
    ok = np.isfinite(lai) & (lai >= 0)
    if nodata is not None and np.isfinite(nodata):
        ok &= lai != nodata
    return ok
