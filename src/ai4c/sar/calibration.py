"""Radiometric calibration: SNAP's bilinear LUT interpolation in (azimuth time, pixel), DN^2 / A^2, dB."""

from __future__ import annotations

import dask.array as da
import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidProductError, check_choice
from ai4c.sar.datamodel import LookupTable, SarProduct

CALIBRATIONS = ("Sigma", "Gamma", "Beta", "SigmaDB", "GammaDB", "BetaDB")
LUT_NAMES = {"sigma": "sigmaNought", "gamma": "gamma", "beta": "betaNought"}


def _vector_index(lut_lines: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """SNAP's vector search: index i of the last vector whose line is <= the image line (clamped to n-2)."""
    return np.clip(np.searchsorted(lut_lines, lines, side="right") - 1, 0, len(lut_lines) - 2)


def _along_pixels(pixels: np.ndarray, values: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Linear interpolation of one vector at image columns, extrapolating the end segments like SNAP."""
    j = np.clip(np.searchsorted(pixels, cols, side="right") - 1, 0, len(pixels) - 2)
    mu = (cols - pixels[j]) / (pixels[j + 1] - pixels[j])
    return (1.0 - mu) * values[j] + mu * values[j + 1]


def lut_values(lut: LookupTable, name: str, lines: np.ndarray, cols: np.ndarray, line_times: np.ndarray) -> np.ndarray:
    """LUT `name` at image lines x columns: pixel-wise along the two bracketing vectors, then linear in
    azimuth time between them (mu may leave [0, 1] when vectors start before line 0 or end after the last)."""
    lines = np.asarray(lines, np.float64)
    cols = np.asarray(cols, np.float64)
    idx = _vector_index(lut.line, lines)
    used = np.unique(np.r_[idx, idx + 1])
    along = {int(i): _along_pixels(lut.pixel[i], lut.values[name][i], cols) for i in used}
    t0, t1 = lut.azimuth_time[idx], lut.azimuth_time[idx + 1]
    mu = ((np.asarray(line_times) - t0) / (t1 - t0))[:, None]
    v0 = np.stack([along[int(i)] for i in idx])
    v1 = np.stack([along[int(i) + 1] for i in idx])
    return (1.0 - mu) * v0 + mu * v1


def offsets(da_: xr.DataArray) -> tuple[int, int]:
    """(first line, first pixel) of a radar image cropped from the full scene (0, 0 when not cropped)."""
    return int(da_.attrs.get("line0", 0)), int(da_.attrs.get("pixel0", 0))


def lut_squared_block(product: SarProduct, lut: LookupTable, name: str, lines: np.ndarray,
                      cols: np.ndarray) -> np.ndarray:
    """The squared LUT (A^2) at image lines x columns, float32 (interpolated in float64)."""
    values = lut_values(lut, name, lines, cols, product.line_time(lines))
    return (values * values).astype(np.float32)


def intensity(dn: xr.DataArray) -> xr.DataArray:
    """DN^2 as float32 (the detected GRD amplitude squared)."""
    out = dn.astype(np.float32) ** 2
    out.attrs = {**dn.attrs, "quantity": "intensity"}
    return out


def calibrate(power: xr.DataArray, product: SarProduct, kind: str = "Sigma") -> xr.DataArray:
    """Sigma/Gamma/Beta nought (linear or dB) from an intensity (DN^2, noise removed or not): DN^2 / A^2."""
    kind = _checked(product, kind)
    base = kind.removesuffix("DB").lower()
    line0, pixel0 = offsets(power)

    def block(x: np.ndarray, block_info=None) -> np.ndarray:
        (r0, _), (c0, _) = block_info[0]["array-location"]
        return calibrate_block(x, product, kind, line0 + r0, pixel0 + c0)

    out = power.copy(data=da.map_blocks(block, power.data, dtype=np.float32))
    out.attrs = {**power.attrs, "quantity": f"{base}0", "units": "dB" if kind.endswith("DB") else "1",
                 "calibration": kind}
    return out


def _checked(product: SarProduct, kind: str) -> str:
    """The calibration choice in its allowed spelling (any case given); a product without calibration is
    refused."""
    kind = check_choice("calibration", kind, CALIBRATIONS)
    if product.calibration is None:
        raise InvalidProductError(f"{product.name}: no calibration annotation for {product.polarization}")
    return kind


def calibrate_block(power: np.ndarray, product: SarProduct, kind: str, line0: int, pixel0: int) -> np.ndarray:
    """`calibrate` of a numpy block of intensity whose first pixel is (line0, pixel0) of the image, float32."""
    kind = _checked(product, kind)
    lut = LUT_NAMES[kind.removesuffix("DB").lower()]
    lines, cols = np.arange(power.shape[0]) + line0, np.arange(power.shape[1]) + pixel0
    linear = power / lut_squared_block(product, product.calibration, lut, lines, cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (10.0 * np.log10(linear) if kind.endswith("DB") else linear).astype(np.float32)
