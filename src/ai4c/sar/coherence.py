"""Interferometric coherence |sum m s*| / sqrt(sum |m|^2 sum |s|^2) over a boxcar window, from the per-pixel
products (m s* with the flat-earth and topographic phase removed, |m|^2, |s|^2), sampled on a multilooked
grid; optionally with the first-order removal of the estimator's low-coherence bias. The window sums are
summed-area tables (sar.boxcar), computed block by block with numpy, or with torch on CUDA when present."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from ai4c.sar.boxcar import cuda_device, lazy_blocks, means_of, sampled_window_sums, trailing_sums


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
    return coherence_of_sums(re, im, p1, p2, trailing_sums(weights, window, cumsum), independent_looks)


def coherence_of_sums(re: Any, im: Any, p1: Any, p2: Any, count: Any, independent_looks: float | None) -> Any:
    """Coherence from window sums of Re, Im of m s*, |m|^2, |s|^2 and the pixels summed (numpy or torch);
    NaN where a window holds none; bias-reduced when `independent_looks` is given."""
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


def independent_samples(window: tuple[int, int], bias_reduced: bool, given: float | None = None) -> float | None:
    """N of the bias-reduced estimate (`given`, or the window size / 1.7, the IW oversampling); None when the
    plain estimate is asked for."""
    if not bias_reduced:
        return None
    return window[0] * window[1] / 1.7 if given is None else given


def coherence(real: xr.DataArray, imag: xr.DataArray, power1: xr.DataArray, power2: xr.DataArray,
              window: tuple[int, int] = (3, 10), looks: tuple[int, int] = (1, 1), step: tuple[int, int] = (1, 1),
              bias_reduced: bool = False, independent_looks: float | None = None) -> xr.DataArray:
    """Coherence 0..1 on the multilook grid (cell k centred on input sample k * step + (looks - 1) / 2).
    `bias_reduced`: sqrt(max(0, (N g^2 - 1) / (N - 1))) with N the independent samples in the window
    (default: the window size / 1.7, the IW oversampling)."""
    az, rg = aligned_window(window[0], looks[0]), aligned_window(window[1], looks[1])
    size = independent_samples(window, bias_reduced, independent_looks)
    device = cuda_device()
    function = partial(numpy_coherence, window=(az, rg), independent_looks=size) if device is None else \
        partial(torch_coherence, window=(az, rg), independent_looks=size, device=device)
    gamma = lazy_blocks(function, [real, imag, power1, power2], (az, rg))
    first = ((looks[0] + az - 2) // 2, (looks[1] + rg - 2) // 2)
    out = gamma.isel(line=slice(first[0], None, step[0]), pixel=slice(first[1], None, step[1]))
    out.attrs = {"quantity": "coherence", "units": "1", "window": f"{window[0]}x{window[1]}"}
    return out


@dataclass(frozen=True)
class LookedGrid:
    """How the multilooked grid of S1-CD (coherence and the two backscatters) samples the full-resolution
    debursted grid: the same cells as `coherence(...)` and `multilook(...)` give for the whole image, so that a
    tile of it can be computed from a full-resolution region that holds its windows only."""

    lines: int  # full-resolution (debursted) grid
    samples: int
    window: tuple[int, int]  # coherence window (azimuth, range), as given
    looks: tuple[int, int]
    step: tuple[int, int]

    @property
    def coherence_window(self) -> tuple[int, int]:
        """The window centred on the multilook cell (aligned_window)."""
        return aligned_window(self.window[0], self.looks[0]), aligned_window(self.window[1], self.looks[1])

    def _ends(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Full-resolution line / sample of the last pixel of the first coherence and multilook window."""
        az, rg = self.coherence_window
        return (((self.looks[0] + az - 2) // 2, (self.looks[1] + rg - 2) // 2),
                (self.looks[0] - 1, self.looks[1] - 1))

    @property
    def shape(self) -> tuple[int, int]:
        """(lines, samples) of the looked grid: where both the coherence and the multilook cells exist."""
        ends = self._ends()
        return tuple(min(len(range(e[axis], size, self.step[axis])) for e in ends)
                     for axis, size in enumerate((self.lines, self.samples)))

    def region(self, rows: tuple[int, int], cols: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
        """The full-resolution lines and samples [start, stop) whose windows the looked tile rows x cols reads."""
        coh_end, look_end = self._ends()
        sizes = (self.coherence_window, self.looks)
        out = []
        for axis, (first, last) in enumerate((rows, cols)):
            start = first * self.step[axis] + min(coh_end[axis] - sizes[0][axis], look_end[axis] - sizes[1][axis]) + 1
            stop = (last - 1) * self.step[axis] + max(coh_end[axis], look_end[axis]) + 1
            out.append((max(start, 0), min(stop, (self.lines, self.samples)[axis])))
        return out[0], out[1]

    def ends(self, which: int, origin: tuple[int, int], rows: tuple[int, int],
             cols: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Lines and samples, in a region starting at `origin`, where the windows of the looked tile rows x cols
        end: `which` 0 for the coherence cells, 1 for the multilook cells."""
        end = self._ends()[which]
        return (np.arange(*rows) * self.step[0] + end[0] - origin[0],
                np.arange(*cols) * self.step[1] + end[1] - origin[1])


def looked_tile(grid: LookedGrid, layers: dict[str, np.ndarray], origin: tuple[int, int], rows: tuple[int, int],
                cols: tuple[int, int], independent_looks: float | None = None, device: Any = None) -> np.ndarray:
    """(3, rows, cols) float32 coherence, multilooked b1 and b2 of one looked tile, from the full-resolution
    layers re, im, p1, p2 (coherence) and b1, b2 (calibrated backscatter) of `grid.region(rows, cols)`;
    numpy on the CPU, torch on CUDA `device`."""
    window = grid.coherence_window
    stack = [layers[k] for k in ("re", "im", "p1", "p2")]
    r, c = grid.ends(0, origin, rows, cols)
    if device is None:
        sums, count = sampled_window_sums(np.stack(stack), window, r, c, joint=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            gamma = coherence_of_sums(*sums, count[0], independent_looks)
    else:
        gamma = torch_coherence(*stack, window, independent_looks, device)[r[:, None], c[None, :]]
    r, c = grid.ends(1, origin, rows, cols)
    means = means_of(*sampled_window_sums(np.stack([layers["b1"], layers["b2"]]), grid.looks, r, c, joint=False))
    return np.concatenate([gamma[None], means]).astype(np.float32)
