"""Maximum of a trace-gas column inside an AoI, over good-quality pixels only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class ColumnMax:
    """The largest column value found, where and when, and in which product."""

    value: float
    unit: str
    lat: float
    lon: float
    time: str
    product: str


def swath_max(values: np.ndarray, qa: np.ndarray, lat: np.ndarray, lon: np.ndarray, times: np.ndarray,
              aoi: BaseGeometry | None, qa_threshold: float = 0.5) -> tuple[float, int, int] | None:
    """(value, scanline, pixel) of the maximum among finite pixels with qa > threshold inside the AoI."""
    good = np.isfinite(values) & (qa > qa_threshold) & np.isfinite(lat) & np.isfinite(lon)
    if aoi is not None:
        minx, miny, maxx, maxy = aoi.bounds
        good &= (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        candidates = np.flatnonzero(good)
        inside = shapely.contains_xy(aoi, lon.ravel()[candidates], lat.ravel()[candidates])
        good = np.zeros(values.size, dtype=bool)
        good[candidates[inside]] = True
        good = good.reshape(values.shape)
    if not good.any():
        return None
    masked = np.where(good, values, -np.inf)
    row, col = np.unravel_index(int(np.argmax(masked)), values.shape)
    return float(values[row, col]), int(row), int(col)


def larger(current: ColumnMax | None, candidate: ColumnMax | None) -> ColumnMax | None:
    """The larger of two maxima (None means nothing found yet)."""
    if candidate is None:
        return current
    if current is None or candidate.value > current.value:
        return candidate
    return current
