"""GRD border noise: SNAP's Remove-GRD-Border-Noise for IPF < 2.9; ESA's zeroed border as no data after."""

from __future__ import annotations

import dask.array as da
import numpy as np
import xarray as xr
from numba import njit

NEW_BORDER_IPF = 2.9


@njit(cache=True)
def _trim_rows(x: np.ndarray, limit: int, threshold: float, left: bool, right: bool) -> None:
    """Along each row, zero the run of samples at the image edge whose amplitude is below `threshold`."""
    rows, cols = x.shape
    for r in range(rows):
        if left:
            for c in range(min(limit, cols)):
                if np.sqrt(max(x[r, c], 0.0)) > threshold:
                    break
                x[r, c] = 0
        if right:
            for c in range(cols - 1, max(cols - 1 - limit, -1), -1):
                if np.sqrt(max(x[r, c], 0.0)) > threshold:
                    break
                x[r, c] = 0


def remove_border_noise(power: xr.DataArray, ipf_version: float, border_limit: int = 500,
                        trim_threshold: float = 0.5, full_shape: tuple[int, int] | None = None) -> xr.DataArray:
    """Border samples -> no data (NaN). Old IPF: trim the dim edge runs within `border_limit` of each image
    edge, in range and in azimuth, whose amplitude (after noise removal) is below `trim_threshold`;
    IPF >= 2.9: only ESA's own zero fill. Chunks must be at least `border_limit` wide (the default 2048 is)."""
    shape = full_shape or power.shape
    line0, pixel0 = int(power.attrs.get("line0", 0)), int(power.attrs.get("pixel0", 0))
    old = ipf_version < NEW_BORDER_IPF

    def block(x: np.ndarray, block_info=None) -> np.ndarray:
        (r0, r1), (c0, c1) = block_info[0]["array-location"]
        r0, r1, c0, c1 = r0 + line0, r1 + line0, c0 + pixel0, c1 + pixel0
        y = np.array(x, dtype=np.float32, copy=True)
        if old:
            _trim_rows(y, border_limit, trim_threshold, c0 == 0, c1 == shape[1])
            yt = np.ascontiguousarray(y.T)
            _trim_rows(yt, border_limit, trim_threshold, r0 == 0, r1 == shape[0])
            y = yt.T
        y = np.where(y <= 0, np.float32(np.nan), y)
        return y

    out = power.copy(data=da.map_blocks(block, power.data, dtype=np.float32))
    out.attrs = {**power.attrs, "border_noise_removed": "yes"}
    return out
