"""Compiled (numba) aggregation of source pixels into target pixels, for the irregular cases: contributor
ranges of unequal sizes, Median and the flag rules. Imported only when one of them is needed, so the
common case (an integer factor, First/Min/Max/Mean, numpy in optical.resample) never compiles anything."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def aggregate_float(values, r0, r1, c0, c1, code):  # pragma: no cover - compiled
    """First/Min/Max/Mean/Median (codes 0-4, NaN ignored) of float pixels over per-axis contributor ranges."""
    out = np.full((r0.size, c0.size), np.nan, dtype=np.float32)
    buf = np.empty(max(1, (np.max(r1 - r0) if r0.size else 1) * (np.max(c1 - c0) if c0.size else 1)), np.float32)
    for i in range(r0.size):
        for j in range(c0.size):
            if r1[i] <= r0[i] or c1[j] <= c0[j]:
                continue
            if code == 0:
                out[i, j] = values[r0[i], c0[j]]
                continue
            n = 0
            for r in range(r0[i], r1[i]):
                for c in range(c0[j], c1[j]):
                    v = values[r, c]
                    if not np.isnan(v):
                        buf[n] = v
                        n += 1
            if n == 0:
                continue
            if code == 1:
                out[i, j] = buf[:n].min()
            elif code == 2:
                out[i, j] = buf[:n].max()
            elif code == 3:
                s = 0.0
                for k in range(n):
                    s += buf[k]
                out[i, j] = s / n
            else:
                srt = np.sort(buf[:n])
                out[i, j] = srt[n // 2] if n % 2 == 1 else 0.5 * (np.float64(srt[n // 2 - 1]) + srt[n // 2])
    return out


@numba.njit(nogil=True, cache=True)
def aggregate_flags(values, r0, r1, c0, c1, code, nodata, has_nodata):  # pragma: no cover - compiled
    """First or the flag rules (codes 5-8: And, Or, MedianAnd, MedianOr) of integer pixels, no data skipped."""
    out = np.full((r0.size, c0.size), nodata, dtype=values.dtype)
    counts = np.zeros(64, np.int64)
    for i in range(r0.size):
        for j in range(c0.size):
            if r1[i] <= r0[i] or c1[j] <= c0[j]:
                continue
            if code == 0:
                out[i, j] = values[r0[i], c0[j]]
                continue
            n = 0
            acc_and = np.int64(-1)
            acc_or = np.int64(0)
            counts[:] = 0
            for r in range(r0[i], r1[i]):
                for c in range(c0[j], c1[j]):
                    v = np.int64(values[r, c])
                    if has_nodata and v == nodata:
                        continue
                    n += 1
                    acc_and &= v
                    acc_or |= v
                    for b in range(64):
                        if (v >> b) & 1:
                            counts[b] += 1
            if n == 0:
                continue
            if code == 5:
                out[i, j] = acc_and
            elif code == 6:
                out[i, j] = acc_or
            else:
                res = np.int64(0)
                for b in range(64):
                    if (code == 7 and 2 * counts[b] > n) or (code == 8 and 2 * counts[b] >= n):
                        res |= np.int64(1) << b
                out[i, j] = res
    return out


