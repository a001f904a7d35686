"""Fixed-length features of irregular pixel time series: monthly medians (as monthlycomposite makes them)
and clear-sky series resampled on a regular day grid."""

from __future__ import annotations

import warnings

import numpy as np

CLEAR = 0


def month_index(dates: np.ndarray, season_start: int) -> np.ndarray:
    """Month of the agronomic year (0 = September season_start .. 11 = August), -1 outside it."""
    months = np.asarray(dates, dtype="datetime64[M]")
    index = (months - np.datetime64(f"{season_start}-09", "M")).astype(int)
    return np.where((index >= 0) & (index < 12), index, -1)


def monthly_medians(x: np.ndarray, condition: np.ndarray, dates: np.ndarray, season_start: int) -> np.ndarray:
    """[N, 12, b] medians of the clear samples of each month (0 where a month has none), from x [N, T, b].

    Identical to monthlycomposite's rule: invalid samples are left out, the median of the rest is kept
    and rounded half to even (np.rint) to the uint16 grid, 0 where nothing remains."""
    x = np.asarray(x, dtype=np.float32)
    valid = np.asarray(condition) == CLEAR
    months = month_index(dates, season_start)
    out = np.zeros((x.shape[0], 12, x.shape[2]), dtype=np.float32)
    for month in range(12):
        cols = np.flatnonzero(months == month)
        if cols.size == 0:
            continue
        block = np.where(valid[:, cols, None], x[:, cols, :], np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN slices: months without samples
            med = np.nanmedian(block, axis=1)
        out[:, month, :] = np.nan_to_num(med, nan=0.0)
    return np.rint(out)


def regular_series(x: np.ndarray, condition: np.ndarray, dates: np.ndarray, season_start: int,
                   step: int = 10) -> np.ndarray:
    """[N, ceil(365/step), b] linear interpolation of each pixel's clear samples on a regular grid of
    season days 0, step, 2 step, ... (nearest clear value beyond the ends; 0 when a pixel has none)."""
    x = np.asarray(x, dtype=np.float32)
    t = (np.asarray(dates, dtype="datetime64[D]") - np.datetime64(f"{season_start}-09-01", "D")).astype(float)
    grid = np.arange(0, 365, step, dtype=float)
    out = np.zeros((x.shape[0], grid.size, x.shape[2]), dtype=np.float32)
    valid = np.asarray(condition) == CLEAR
    for i in range(x.shape[0]):
        keep = valid[i]
        if not keep.any():
            continue
        for b in range(x.shape[2]):
            out[i, :, b] = np.interp(grid, t[keep], x[i, keep, b])
    return out
