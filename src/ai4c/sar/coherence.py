"""Interferometric coherence |sum m s*| / sqrt(sum |m|^2 sum |s|^2) over a boxcar window, from the per-pixel
products (m s* with the flat-earth and topographic phase removed, |m|^2, |s|^2), sampled on a multilooked
grid; optionally with the first-order removal of the estimator's low-coherence bias. The window sums are
summed-area tables (sar.boxcar), computed block by block with numpy, or with torch on CUDA when present."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from ai4c.sar.boxcar import cuda_device, lazy_blocks, trailing_sums


def aligned_window(window: int, looks: int) -> int:
    """The window size (>= `window`) whose centre falls on the centre of a `looks` multilook cell."""
    return window if (looks + window) % 2 == 0 else window + 1


def _coherence_of(layers: list[Any], finite: Any, weights: Any, window: tuple[int, int],
                  independent_looks: float | None, cumsum) -> Any:
    """Coherence from float64 (re, im, p1, p2) arrays (numpy or torch): pixels not finite in all four are left
    out of every window; NaN where a window holds none; bias-reduced when `independent_looks` is given."""
    for layer in layers:
        layer[~finite] = 0
    re, im, p1, p2 = (trailing_sums(layer, window, cumsum) for layer in layers)
    count = trailing_sums(weights, window, cumsum)
    squared = (re * re + im * im) / (p1 * p2)
    if independent_looks is not None:
        squared = ((independent_looks * squared - 1) / (independent_looks - 1)).clip(min=0)
    gamma = (squared ** 0.5).clip(0, 1)
    gamma[count == 0] = float("nan")
    return gamma


def numpy_coherence(re: np.ndarray, im: np.ndarray, p1: np.ndarray, p2: np.ndarray, window: tuple[int, int],
                    independent_looks: float | None = None) -> np.ndarray:
    """Coherence of each pixel's trailing `window` (lines, samples) on the CPU, float32."""
    layers = [np.array(x, np.float64) for x in (re, im, p1, p2)]
    finite = np.logical_and.reduce([np.isfinite(x) for x in layers])
    with np.errstate(invalid="ignore", divide="ignore"):
        return _coherence_of(layers, finite, finite.astype(np.float64), window, independent_looks,
                             np.cumsum).astype(np.float32)


def torch_coherence(re: np.ndarray, im: np.ndarray, p1: np.ndarray, p2: np.ndarray, window: tuple[int, int],
                    independent_looks: float | None = None, device: Any = "cpu") -> np.ndarray:
    """numpy_coherence computed by torch on `device` (the CUDA path; on the CPU it gives the same numbers)."""
    import torch

    layers = [torch.as_tensor(np.ascontiguousarray(x), device=device).double() for x in (re, im, p1, p2)]
    finite = torch.isfinite(layers[0]) & torch.isfinite(layers[1]) & torch.isfinite(layers[2]) & \
        torch.isfinite(layers[3])
    gamma = _coherence_of(layers, finite, finite.double(), window, independent_looks, torch.cumsum)
    return gamma.float().cpu().numpy()


def coherence(real: xr.DataArray, imag: xr.DataArray, power1: xr.DataArray, power2: xr.DataArray,
              window: tuple[int, int] = (3, 10), looks: tuple[int, int] = (1, 1), step: tuple[int, int] = (1, 1),
              bias_reduced: bool = False, independent_looks: float | None = None) -> xr.DataArray:
    """Coherence 0..1 on the multilook grid (cell k centred on input sample k * step + (looks - 1) / 2).
    `bias_reduced`: sqrt(max(0, (N g^2 - 1) / (N - 1))) with N the independent samples in the window
    (default: the window size / 1.7, the IW oversampling)."""
    az, rg = aligned_window(window[0], looks[0]), aligned_window(window[1], looks[1])
    size = None
    if bias_reduced:
        size = window[0] * window[1] / 1.7 if independent_looks is None else independent_looks
    device = cuda_device()
    function = partial(numpy_coherence, window=(az, rg), independent_looks=size) if device is None else \
        partial(torch_coherence, window=(az, rg), independent_looks=size, device=device)
    gamma = lazy_blocks(function, [real, imag, power1, power2], (az, rg))
    first = ((looks[0] + az - 2) // 2, (looks[1] + rg - 2) // 2)
    out = gamma.isel(line=slice(first[0], None, step[0]), pixel=slice(first[1], None, step[1]))
    out.attrs = {"quantity": "coherence", "units": "1", "window": f"{window[0]}x{window[1]}"}
    return out
