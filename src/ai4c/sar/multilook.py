"""Multilooking of a debursted slant-range image to roughly square ground pixels."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from ai4c.sar.boxcar import window_means


def square_pixel_looks(azimuth_spacing: float, slant_spacing: float, incidence_deg: float) -> tuple[int, int]:
    """(azimuth, range) looks giving roughly square ground pixels at an incidence angle (SNAP's 'GR square
    pixel'): 1 x 4 for IW (13.9 m azimuth, 2.3 m slant range at ~39 degrees)."""
    incidence = incidence_deg if math.isfinite(incidence_deg) else 35.0
    ground = slant_spacing / math.sin(math.radians(incidence))
    ratio = azimuth_spacing / ground
    if ratio >= 1:
        return 1, max(1, int(round(ratio)))
    return max(1, int(round(1 / ratio))), 1


def half_steps(looks: tuple[int, int]) -> tuple[int, int]:
    """Sampling steps of the multilooked image: half the window (rounded up), so that the boxcar-averaged
    image is not aliased; a block mean sampled at its own size moves a point target by up to half a cell."""
    return tuple(max(1, (n + 1) // 2) for n in looks)


def multilook(image: xr.DataArray, azimuth: int, range_: int, step: tuple[int, int] | None = None) -> xr.DataArray:
    """Mean of azimuth x range windows of an intensity image (NaN ignored), sampled every `step` (azimuth,
    range; default: the window size, i.e. SNAP's block multilook). Output sample k is centred on input
    sample k * step + (window - 1) / 2."""
    step = step or (azimuth, range_)
    if (azimuth, range_) == (1, 1) and tuple(step) == (1, 1):
        return image
    windows = window_means(image, (azimuth, range_))
    out = windows.isel(line=slice(azimuth - 1, None, step[0]), pixel=slice(range_ - 1, None, step[1]))
    out.attrs = {**image.attrs, "looks": f"{azimuth}x{range_}", "step": f"{step[0]}x{step[1]}"}
    return out.astype(np.float32)
