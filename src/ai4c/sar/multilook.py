"""Multilooking of a debursted slant-range image to roughly square ground pixels."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr


def square_pixel_looks(azimuth_spacing: float, slant_spacing: float, incidence_deg: float) -> tuple[int, int]:
    """(azimuth, range) looks giving roughly square ground pixels at an incidence angle (SNAP's 'GR square
    pixel'): 1 x 4 for IW (13.9 m azimuth, 2.3 m slant range at ~39 degrees)."""
    incidence = incidence_deg if math.isfinite(incidence_deg) else 35.0
    ground = slant_spacing / math.sin(math.radians(incidence))
    ratio = azimuth_spacing / ground
    if ratio >= 1:
        return 1, max(1, int(round(ratio)))
    return max(1, int(round(1 / ratio))), 1


def multilook(image: xr.DataArray, azimuth: int, range_: int) -> xr.DataArray:
    """Mean of azimuth x range blocks of an intensity image (NaN ignored; trailing partial blocks dropped)."""
    if azimuth == 1 and range_ == 1:
        return image
    out = image.coarsen(line=azimuth, pixel=range_, boundary="trim").mean()
    out.attrs = {**image.attrs, "looks": f"{azimuth}x{range_}"}
    return out.astype(np.float32)
