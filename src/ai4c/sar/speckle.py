"""Speckle filters on intensity images (SNAP's Speckle-Filter set): numba kernels mapped with dask halos
(map_overlap, reflect at the image edge) so the result never depends on the chunking. NaN = no data."""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import xarray as xr
from numba import njit, prange

from ai4c.core.errors import check_choice

FILTERS = ("Lee Sigma", "Lee", "Refined Lee", "Frost", "Gamma Map", "Boxcar", "Median", "None")
# Lee et al. (2009) sigma ranges [I1, I2] and the revised speckle std (sigma_v') for 1-look intensity
LEE_SIGMA_RANGES = {0.5: (0.436, 1.920, 0.4057), 0.6: (0.343, 2.210, 0.4954), 0.7: (0.254, 2.582, 0.5911),
                    0.8: (0.168, 3.094, 0.6966), 0.9: (0.084, 3.941, 0.8191), 0.95: (0.043, 4.840, 0.8599)}


@njit(cache=True, inline="always")
def _stats(x, r, c, h):
    """Mean, variance and count of the finite values in the (2h+1)^2 window at (r, c)."""
    s = 0.0
    s2 = 0.0
    n = 0
    for i in range(r - h, r + h + 1):
        for j in range(c - h, c + h + 1):
            v = x[i, j]
            if v == v:
                s += v
                s2 += v * v
                n += 1
    if n == 0:
        return np.nan, np.nan, 0
    m = s / n
    return m, max(s2 / n - m * m, 0.0), n


@njit(cache=True, parallel=True)
def boxcar(x, h):
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        for c in range(h, x.shape[1] - h):
            if x[r, c] == x[r, c]:
                out[r, c] = _stats(x, r, c, h)[0]
    return out


@njit(cache=True, parallel=True)
def median(x, h):
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        buf = np.empty((2 * h + 1) ** 2)
        for c in range(h, x.shape[1] - h):
            if x[r, c] != x[r, c]:
                continue
            n = 0
            for i in range(r - h, r + h + 1):
                for j in range(c - h, c + h + 1):
                    if x[i, j] == x[i, j]:
                        buf[n] = x[i, j]
                        n += 1
            out[r, c] = np.median(buf[:n])
    return out


@njit(cache=True, parallel=True)
def lee(x, h, looks):
    """Lee (1980) MMSE filter: mean + w (z - mean), w = 1 - Cu^2 / Ci^2 clipped to [0, 1]."""
    cu2 = 1.0 / looks
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        for c in range(h, x.shape[1] - h):
            z = x[r, c]
            if z != z:
                continue
            m, var, _ = _stats(x, r, c, h)
            ci2 = var / (m * m) if m > 0 else 0.0
            w = 0.0 if ci2 <= 0 else min(max(1.0 - cu2 / ci2, 0.0), 1.0)
            out[r, c] = m + w * (z - m)
    return out


@njit(cache=True, parallel=True)
def frost(x, h, damping, looks):
    """Frost filter: exponentially weighted mean, weights exp(-damping * Ci^2 * distance)."""
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        for c in range(h, x.shape[1] - h):
            if x[r, c] != x[r, c]:
                continue
            m, var, _ = _stats(x, r, c, h)
            k = damping * (var / (m * m) if m > 0 else 0.0)
            sw = 0.0
            sv = 0.0
            for i in range(r - h, r + h + 1):
                for j in range(c - h, c + h + 1):
                    v = x[i, j]
                    if v == v:
                        w = math.exp(-k * math.sqrt((i - r) ** 2 + (j - c) ** 2))
                        sw += w
                        sv += w * v
            out[r, c] = sv / sw
    return out


@njit(cache=True, parallel=True)
def gamma_map(x, h, looks):
    """Gamma MAP filter (Lopes et al. 1990) with the usual Cu/Cmax switching."""
    cu = 1.0 / math.sqrt(looks)
    cmax = math.sqrt(2.0) * cu
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        for c in range(h, x.shape[1] - h):
            z = x[r, c]
            if z != z:
                continue
            m, var, _ = _stats(x, r, c, h)
            ci = math.sqrt(var) / m if m > 0 else 0.0
            if ci <= cu:
                out[r, c] = m
            elif ci >= cmax:
                out[r, c] = z
            else:
                alpha = (1.0 + cu * cu) / (ci * ci - cu * cu)
                b = alpha - looks - 1.0
                d = m * m * b * b + 4.0 * alpha * looks * m * z
                out[r, c] = (b * m + math.sqrt(d)) / (2.0 * alpha)
    return out


@njit(cache=True, parallel=True)
def refined_lee(x, looks):
    """Refined Lee (Lee 1981, 7x7): edge direction from 3x3 sub-window means, MMSE in the chosen half window."""
    h = 3
    cu2 = 1.0 / looks
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        sub = np.empty((3, 3))
        for c in range(h, x.shape[1] - h):
            z = x[r, c]
            if z != z:
                continue
            for a in range(3):
                for b in range(3):
                    sub[a, b] = _stats(x, r - 2 + 2 * a, c - 2 + 2 * b, 1)[0]
            grads = (abs(sub[1, 0] - sub[1, 2]), abs(sub[0, 2] - sub[2, 0]),
                     abs(sub[0, 1] - sub[2, 1]), abs(sub[0, 0] - sub[2, 2]))
            k = 0
            for g in range(1, 4):
                if grads[g] > grads[k]:
                    k = g
            s = 0.0
            s2 = 0.0
            n = 0
            for i in range(-h, h + 1):
                for j in range(-h, h + 1):
                    # half-plane of the window on the centre's side of the strongest edge
                    if k == 0:
                        d = j * (1 if abs(sub[1, 0] - sub[1, 1]) > abs(sub[1, 2] - sub[1, 1]) else -1)
                    elif k == 1:
                        d = (i - j) * (1 if abs(sub[0, 2] - sub[1, 1]) < abs(sub[2, 0] - sub[1, 1]) else -1)
                    elif k == 2:
                        d = i * (1 if abs(sub[0, 1] - sub[1, 1]) > abs(sub[2, 1] - sub[1, 1]) else -1)
                    else:
                        d = (i + j) * (1 if abs(sub[0, 0] - sub[1, 1]) > abs(sub[2, 2] - sub[1, 1]) else -1)
                    v = x[r + i, c + j]
                    if d >= 0 and v == v:
                        s += v
                        s2 += v * v
                        n += 1
            m = s / n
            var = max(s2 / n - m * m, 0.0)
            varx = max((var - m * m * cu2) / (1.0 + cu2), 0.0)
            w = varx / var if var > 0 else 0.0
            out[r, c] = m + w * (z - m)
    return out


@njit(cache=True, parallel=True)
def lee_sigma(x, h, th, i1, i2, sigma_v, looks, z98, k_points):
    """Improved Lee Sigma (Lee et al. 2009): point targets kept, a priori MMSE mean in the target window,
    MMSE over the window pixels inside the sigma range [I1 m, I2 m]."""
    cu2 = 1.0 / looks
    sv2 = sigma_v * sigma_v
    out = np.full(x.shape, np.nan, np.float32)
    for r in prange(h, x.shape[0] - h):
        for c in range(h, x.shape[1] - h):
            z = x[r, c]
            if z != z:
                continue
            bright = 0
            for i in range(r - th, r + th + 1):
                for j in range(c - th, c + th + 1):
                    if x[i, j] > z98:
                        bright += 1
            if z > z98 and bright >= k_points:
                out[r, c] = z
                continue
            m, var, _ = _stats(x, r, c, th)
            ci2 = var / (m * m) if m > 0 else 0.0
            w = 0.0 if ci2 <= 0 else min(max(1.0 - cu2 / ci2, 0.0), 1.0)
            prior = m + w * (z - m)
            lo, hi = i1 * prior, i2 * prior
            s = 0.0
            s2 = 0.0
            n = 0
            for i in range(r - h, r + h + 1):
                for j in range(c - h, c + h + 1):
                    v = x[i, j]
                    if v == v and lo <= v <= hi:
                        s += v
                        s2 += v * v
                        n += 1
            if n == 0:
                out[r, c] = prior
                continue
            ms = s / n
            vz = max(s2 / n - ms * ms, 0.0)
            vx = max((vz - ms * ms * sv2) / (1.0 + sv2), 0.0)
            b = vx / vz if vz > 0 else 0.0
            out[r, c] = ms + b * (z - ms)
    return out


def sample_percentile(data: da.Array, q: float, stride: int = 7) -> float:
    """The q-th percentile of a strided sample of the image's central quarter (fixed in image coordinates,
    so chunk-independent; only a quarter of the upstream chunks is computed twice)."""
    rows, cols = data.shape
    data = data[rows // 4: rows - rows // 4, cols // 4: cols - cols // 4]
    sample = np.asarray(data[::stride, ::stride])
    sample = sample[np.isfinite(sample)]
    return float(np.percentile(sample, q)) if sample.size else np.inf


def speckle_filter(power: xr.DataArray, name: str = "Lee Sigma", *, window: int = 7, target_window: int = 3,
                   sigma: float = 0.9, looks: float = 1.0, damping: float = 2.0, filter_size: int = 5,
                   point_threshold_percentile: float = 98.0) -> xr.DataArray:
    """Apply one of FILTERS to an intensity image (window sizes odd); `None` returns the input."""
    name = check_choice("speckle", name, FILTERS)
    if name == "None":
        return power
    data = power.data if isinstance(power.data, da.Array) else da.from_array(np.asarray(power), chunks=2048)
    data = data.astype(np.float32)
    size = {"Lee Sigma": window, "Refined Lee": 7}.get(name, filter_size)
    h = size // 2
    if name == "Lee Sigma":
        key = min(LEE_SIGMA_RANGES, key=lambda s: abs(s - sigma))
        i1, i2, sv = LEE_SIGMA_RANGES[key]
        z98 = sample_percentile(data, point_threshold_percentile)
        func, args = lee_sigma, (h, target_window // 2, i1, i2, sv, looks, z98, 5)
    else:
        func, args = {"Boxcar": (boxcar, (h,)), "Median": (median, (h,)), "Lee": (lee, (h, looks)),
                      "Frost": (frost, (h, damping, looks)), "Gamma Map": (gamma_map, (h, looks)),
                      "Refined Lee": (refined_lee, (looks,))}[name]
    filtered = da.map_overlap(lambda b: func(np.ascontiguousarray(b, np.float32), *args), data,
                              depth=h, boundary="reflect", dtype=np.float32)
    out = power.copy(data=filtered)
    out.attrs = {**power.attrs, "speckle_filter": name}
    return out
