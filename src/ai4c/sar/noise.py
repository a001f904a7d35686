"""Thermal noise removal: IPF < 2.9 one noise LUT; IPF >= 2.9 range LUT x azimuth LUT per block."""

from __future__ import annotations

import dask.array as da
import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidProductError
from ai4c.sar.calibration import lut_values, offsets
from ai4c.sar.datamodel import NoiseLuts, SarProduct

NOISE_FLOOR = 1e-3  # DN^2: removal never yields zero or negative power


def azimuth_noise(noise: NoiseLuts, lines: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The IPF >= 2.9 azimuth noise factor at lines x columns (1 where no block covers a pixel)."""
    out = np.ones((len(lines), len(cols)))
    for block in noise.azimuth:
        rows = (lines >= block.first_line) & (lines <= block.last_line)
        ccols = (cols >= block.first_sample) & (cols <= block.last_sample)
        if not rows.any() or not ccols.any():
            continue
        values = np.interp(lines[rows], block.line, block.lut) if block.line.size > 1 else \
            np.full(rows.sum(), block.lut[0])
        out[np.ix_(rows, ccols)] = values[:, None]
    return out


def noise_values(product: SarProduct, lines: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Noise power (DN^2) at lines x columns."""
    noise = product.noise
    lines = np.asarray(lines)
    cols = np.asarray(cols)
    rng = lut_values(noise.range_lut, "noise", lines, cols, product.line_time(lines))
    return rng * azimuth_noise(noise, lines, cols) if noise.new_format else rng


def remove_thermal_noise(power: xr.DataArray, product: SarProduct, floor: float = NOISE_FLOOR) -> xr.DataArray:
    """DN^2 - noise, floored at `floor`; zeros of the input (no data) stay zero."""
    if product.noise is None:
        raise InvalidProductError(f"{product.name}: no noise annotation for {product.polarization}; "
                                  "drop the thermal-noise step from the graph")

    line0, pixel0 = offsets(power)

    def block(x: np.ndarray, block_info=None) -> np.ndarray:
        (r0, _), (c0, _) = block_info[0]["array-location"]
        return noise_removed_block(x, product, line0 + r0, pixel0 + c0, floor)

    out = power.copy(data=da.map_blocks(block, power.data, dtype=np.float32))
    out.attrs = {**power.attrs, "thermal_noise_removed": "yes"}
    return out


def noise_removed_block(power: np.ndarray, product: SarProduct, line0: int, pixel0: int,
                        floor: float = NOISE_FLOOR) -> np.ndarray:
    """`remove_thermal_noise` of a numpy block of DN^2 whose first pixel is (line0, pixel0) of the image."""
    lines, cols = np.arange(power.shape[0]) + line0, np.arange(power.shape[1]) + pixel0
    out = np.maximum(power - noise_values(product, lines, cols).astype(np.float32), np.float32(floor))
    out[power <= 0] = 0
    return out
