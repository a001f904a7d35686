"""Interferometric coherence |sum m s*| / sqrt(sum |m|^2 sum |s|^2) over a boxcar window, from the per-pixel
products (m s* with the flat-earth and topographic phase removed, |m|^2, |s|^2), sampled on a multilooked
grid; optionally with the first-order removal of the estimator's low-coherence bias."""

from __future__ import annotations

import numpy as np
import xarray as xr


def aligned_window(window: int, looks: int) -> int:
    """The window size (>= `window`) whose centre falls on the centre of a `looks` multilook cell."""
    return window if (looks + window) % 2 == 0 else window + 1


def window_sums(layer: xr.DataArray, window: tuple[int, int], looks: tuple[int, int],
                step: tuple[int, int]) -> xr.DataArray:
    """Boxcar sums of a (line, pixel) layer (NaN ignored), sampled at the centres of the multilook grid
    (cell k centred on input sample k * step + (looks - 1) / 2)."""
    az = aligned_window(window[0], looks[0])
    rg = aligned_window(window[1], looks[1])
    sums = layer.rolling(line=az, pixel=rg, min_periods=1, center=False).sum()
    first = ((looks[0] + az - 2) // 2, (looks[1] + rg - 2) // 2)
    return sums.isel(line=slice(first[0], None, step[0]), pixel=slice(first[1], None, step[1]))


def coherence(real: xr.DataArray, imag: xr.DataArray, power1: xr.DataArray, power2: xr.DataArray,
              window: tuple[int, int] = (3, 10), looks: tuple[int, int] = (1, 1), step: tuple[int, int] = (1, 1),
              bias_reduced: bool = False, independent_looks: float | None = None) -> xr.DataArray:
    """Coherence 0..1 on the multilook grid. `bias_reduced`: sqrt(max(0, (N g^2 - 1) / (N - 1))) with N the
    independent samples in the window (default: the window size / 1.7, the IW oversampling)."""
    sums = [window_sums(x, window, looks, step) for x in (real, imag, power1, power2)]
    n = min(s.sizes["line"] for s in sums), min(s.sizes["pixel"] for s in sums)
    re, im, p1, p2 = (s.isel(line=slice(0, n[0]), pixel=slice(0, n[1])) for s in sums)
    gamma = np.sqrt(re ** 2 + im ** 2) / np.sqrt(p1 * p2)
    if bias_reduced:
        size = window[0] * window[1] / 1.7 if independent_looks is None else independent_looks
        gamma = np.sqrt(np.maximum(0.0, (size * gamma ** 2 - 1) / (size - 1)))
    out = gamma.clip(0, 1).astype(np.float32)
    out.attrs = {"quantity": "coherence", "units": "1", "window": f"{window[0]}x{window[1]}"}
    return out
