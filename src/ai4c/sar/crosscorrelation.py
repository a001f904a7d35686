"""Cross-correlation refinement of a geometric coregistration, for stripmap pairs (SNAP's Cross-Correlation +
Warp): sub-pixel shifts of amplitude patches between the reference and the geometrically resampled
secondary, by cross-correlation upsampled with a matrix DFT around its peak (Guizar-Sicairos, Thurman and
Fienup 2008), fitted by a plane in (line, sample) with outliers rejected (Warp, degree 1)."""

from __future__ import annotations

import numpy as np

UPSAMPLE = 200  # the peak is located to 1/200 of a sample


def _upsampled_dft(spectrum: np.ndarray, size: int, factor: int, offsets: np.ndarray) -> np.ndarray:
    """The inverse DFT of a 2-D `spectrum` on a size x size grid of 1/factor steps, grid index j of an axis at
    position (j - offsets[axis]) / factor: the correlation around its peak without a huge FFT."""
    out = spectrum
    for axis in (1, 0):  # each pass contracts the last axis and puts the new one first
        frequencies = np.fft.fftfreq(spectrum.shape[axis], factor)
        kernel = np.exp(2j * np.pi * (np.arange(size) - offsets[axis])[:, None] * frequencies[None, :])
        out = np.tensordot(kernel, out, axes=(1, -1))
    return out


def patch_shift(reference: np.ndarray, moving: np.ndarray, factor: int = UPSAMPLE) -> tuple[np.ndarray, float]:
    """(line, sample) shift d with reference(x) ~ moving(x - d) of two complex patches (Hann tapered; their
    interferometric phase flattened first, so the correlation is coherent and band-limited: no pixel locking
    as with amplitudes), and the correlation at the peak, 0..1 (the coherence: the patch's weight)."""
    taper = np.outer(np.hanning(reference.shape[0]), np.hanning(reference.shape[1]))
    a, b = (np.asarray(x, np.complex128) * taper for x in (reference, moving))
    spectrum = np.fft.fft2(a) * np.conj(np.fft.fft2(b))
    correlation = np.fft.ifft2(spectrum)
    peak = np.array(np.unravel_index(np.argmax(np.abs(correlation)), correlation.shape), float)
    shape = np.array(correlation.shape)
    wrapped = peak > shape // 2
    peak[wrapped] -= shape[wrapped]
    size = int(np.ceil(1.5 * factor))
    centre = size // 2
    coarse = np.round(peak * factor) / factor
    fine = np.abs(_upsampled_dft(spectrum, size, factor, centre - coarse * factor))
    top = np.array(np.unravel_index(np.argmax(fine), fine.shape), float)
    norm = a.size * np.sqrt((np.abs(a) ** 2).sum() * (np.abs(b) ** 2).sum())
    return coarse + (top - centre) / factor, float(fine.max() / norm) if norm > 0 else 0.0


def patch_origins(first_line: int, last_line: int, first_sample: int, last_sample: int, size: int,
                  count: int) -> list[tuple[int, int]]:
    """Top-left corners of about `count` size x size patches spread evenly inside the valid area."""
    lines, samples = last_line - first_line + 1 - size, last_sample - first_sample + 1 - size
    if lines < 0 or samples < 0:
        return []
    across = max(1, int(round(np.sqrt(count * (samples + 1) / (lines + 1)))))
    along = max(1, int(round(count / across)))
    rows = np.linspace(first_line, first_line + lines, along).astype(int)
    cols = np.linspace(first_sample, first_sample + samples, across).astype(int)
    return [(int(r), int(c)) for r in rows for c in cols]


def fit_plane(lines: np.ndarray, samples: np.ndarray, values: np.ndarray, weights: np.ndarray,
              rounds: int = 3) -> np.ndarray:
    """Weighted least-squares plane c0 + c1 line + c2 sample through `values`, refitted without the points
    more than 3 robust standard deviations (1.4826 MAD, at least 0.02) off; a constant when too few points."""
    keep = np.isfinite(values) & (weights > 0)
    coefficients = np.zeros(3)
    for _ in range(rounds):
        if keep.sum() < 6:
            coefficients = np.array([np.average(values[keep], weights=weights[keep]) if keep.any() else 0.0, 0, 0])
            break
        design = np.column_stack([np.ones(keep.sum()), lines[keep], samples[keep]]) * np.sqrt(weights[keep])[:, None]
        coefficients = np.linalg.lstsq(design, values[keep] * np.sqrt(weights[keep]), rcond=None)[0]
        residual = values - (coefficients[0] + coefficients[1] * lines + coefficients[2] * samples)
        spread = max(0.02, 1.4826 * float(np.median(np.abs(residual[keep]))))
        keep = np.isfinite(values) & (weights > 0) & (np.abs(residual) <= 3 * spread)
    return coefficients
