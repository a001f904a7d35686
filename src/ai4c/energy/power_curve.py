"""Power curves: generic IEC-class curves and empirical curves fitted from turbine data (method of bins).

A curve maps hub-height wind speed (m s-1) to power as a fraction of rated power, piecewise linear
between its table points; capacity factors are the mean of that fraction over a wind series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ai4c.core.errors import InvalidParameterError

CUT_IN = 3.0
CUT_OUT = 25.0
# rated wind speed (m s-1) of a generic turbine of each IEC 61400-1 wind class (documented in docs/energy.md)
IEC_RATED = {"I": 13.0, "II": 12.0, "III": 11.0}
RHO_STANDARD = 1.225  # kg m-3


@dataclass(frozen=True)
class PowerCurve:
    """Wind speeds (ascending, m s-1) and the power fraction of rated at each; 0 outside the table."""

    speeds: np.ndarray
    fraction: np.ndarray
    name: str

    def __call__(self, wind_speed) -> np.ndarray:
        """Power as a fraction of rated at `wind_speed` (0 below the first and above the last point)."""
        ws = np.asarray(wind_speed, dtype="float64")
        out = np.interp(ws, self.speeds, self.fraction, left=0.0, right=0.0)
        return np.where(np.isnan(ws), np.nan, out)

    def table(self) -> list[dict]:
        """The curve as rows {wind_speed, power_fraction}."""
        return [{"wind_speed": float(s), "power_fraction": float(f)} for s, f in zip(self.speeds, self.fraction,
                                                                                       strict=True)]


def iec_curve(wind_class: str = "I", cut_in: float = CUT_IN, cut_out: float = CUT_OUT) -> PowerCurve:
    """A generic curve of an IEC class: cubic rise from cut-in to rated speed, rated until cut-out."""
    key = str(wind_class).upper()
    if key not in IEC_RATED:
        raise InvalidParameterError(f"IEC class {wind_class!r} unknown; use one of: {', '.join(IEC_RATED)}")
    rated = IEC_RATED[key]
    rise = np.linspace(cut_in, rated, 41)
    fraction = (rise**3 - cut_in**3) / (rated**3 - cut_in**3)
    speeds = np.concatenate([rise, [cut_out, cut_out + 1e-6]])
    return PowerCurve(speeds, np.concatenate([fraction, [1.0, 0.0]]), f"IEC class {key}")


def density_corrected(wind_speed, density, reference: float = RHO_STANDARD) -> np.ndarray:
    """IEC 61400-12-1 normalisation of wind speed to a reference air density: v (rho / rho_ref)^(1/3)."""
    return np.asarray(wind_speed) * (np.asarray(density) / reference) ** (1.0 / 3.0)


def fit_empirical(wind_speed, power, rated: float, bin_width: float = 0.5, min_count: int = 3) -> PowerCurve:
    """Method of bins: mean power per wind-speed bin (bins with >= min_count records), non-decreasing up to
    the first bin at rated power, as a fraction of `rated`."""
    ws, pw = np.asarray(wind_speed, dtype="float64"), np.asarray(power, dtype="float64")
    good = np.isfinite(ws) & np.isfinite(pw)
    if good.sum() < min_count or rated <= 0:
        raise InvalidParameterError(f"too few valid records ({int(good.sum())}) to fit a power curve")
    bins = np.floor(ws[good] / bin_width).astype(int)
    counts = np.bincount(bins)
    sums = np.bincount(bins, weights=pw[good] / rated)
    kept = np.flatnonzero(counts >= min_count)
    if kept.size < 2:
        raise InvalidParameterError("the turbine data cover fewer than two wind-speed bins; give more data")
    centres = (kept + 0.5) * bin_width
    fraction = np.clip(np.maximum.accumulate(sums[kept] / counts[kept]), 0.0, 1.0)
    return PowerCurve(centres, fraction, "empirical")


def capacity_factor(curve: PowerCurve, wind_speed) -> float:
    """Mean power fraction over a wind series (NaN records ignored)."""
    values = curve(wind_speed)
    return float(np.nanmean(values))
