"""Cheap spatially-correlated noise for simulated scenes: fractal (fBm) fields built from octaves of
small random grids upsampled bilinearly, so a full 10980 x 10980 field costs a few seconds and no FFT."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def _octave(shape: tuple[int, int], cell: float, rng: np.random.Generator) -> np.ndarray:
    """One octave: a random grid with `cell`-pixel spacing, bilinearly upsampled to `shape`."""
    ny = int(np.ceil(shape[0] / cell)) + 2
    nx = int(np.ceil(shape[1] / cell)) + 2
    grid = rng.standard_normal((ny, nx)).astype(np.float32)
    up = ndimage.zoom(grid, (cell, cell), order=1, prefilter=False, grid_mode=False)
    return up[: shape[0], : shape[1]]


def fbm(shape: tuple[int, int], rng: np.random.Generator, *, largest: float | None = None,
        smallest: float = 2.0, hurst: float = 0.8) -> np.ndarray:
    """Fractal Brownian motion field (float32, zero mean, unit std): octaves from `largest` pixels
    (default: half the scene) down to `smallest`, amplitude ~ cell**hurst (larger hurst: smoother)."""
    largest = float(largest or max(shape) / 2)
    out = np.zeros(shape, np.float32)
    cell = max(largest, smallest)
    while cell >= smallest:
        out += np.float32(cell ** hurst) * _octave(shape, cell, rng)
        cell /= 2.0
    out -= out.mean()
    std = float(out.std())
    if std > 0:
        out /= np.float32(std)
    return out


def quantile_threshold(field: np.ndarray, fraction: float, sample: int = 1_000_000) -> float:
    """Value above which `fraction` of the field lies (estimated on a fixed subsample for speed)."""
    flat = field.ravel()
    step = max(1, flat.size // sample)
    return float(np.quantile(flat[::step], 1.0 - fraction)) if fraction > 0 else float("inf")
