"""Sentinel-1 SLC pair rules, checked on the metadata before any pixel is read: both SLC, same mode and
sub-swaths, same relative orbit (track), acquisition times a non-zero multiple of 6 days apart, overlapping
footprints. Each broken rule is an `IncompatiblePairError` naming the rule and both values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ai4c.core.errors import IncompatiblePairError, InvalidProductError
from ai4c.core.log import warn
from ai4c.products.sentinel1_slc import SlcProduct

ORBITS_PER_CYCLE = 175  # 12-day repeat cycle of each platform
REPEAT_DAYS = 6  # S1A/S1B (and S1A/S1C) constellation repeat
RELATIVE_ORBIT_OFFSET = {"S1A": 73, "S1B": 27, "S1C": 172, "S1D": 42}  # ESA MPC / MintPy / ASF values
TIME_TOLERANCE_S = 30.0  # product starts of overlapping slices differ by less than a slice (~25 s)


def relative_orbit(mission: str, absolute: int) -> int:
    """The track (1..175) of an absolute orbit number, per platform: ((abs - offset) mod 175) + 1."""
    if mission not in RELATIVE_ORBIT_OFFSET:
        raise InvalidProductError(f"mission {mission!r} unknown; relative orbits are defined for "
                                  f"{', '.join(RELATIVE_ORBIT_OFFSET)}")
    return (absolute - RELATIVE_ORBIT_OFFSET[mission]) % ORBITS_PER_CYCLE + 1


def track_of(product: SlcProduct) -> int:
    """The product's relative orbit: computed from its absolute orbit, cross-checked with the manifest's
    (the manifest wins when they differ, with a warning: platforms may change phasing)."""
    computed = relative_orbit(product.mission, product.absolute_orbit)
    if product.relative_orbit is not None and product.relative_orbit != computed:
        warn(f"{product.name}: manifest relative orbit {product.relative_orbit} differs from {computed} computed "
             f"from absolute orbit {product.absolute_orbit}; using the manifest's")
        return product.relative_orbit
    return computed


@dataclass
class RepeatInterval:
    """Time between two acquisitions in whole 6-day repeats plus a residual (s)."""

    seconds: float
    repeats: int
    residual: float

    @property
    def days(self) -> float:
        """The interval in days."""
        return self.seconds / 86400.0


def repeat_interval(start1: np.datetime64, start2: np.datetime64) -> RepeatInterval:
    """|start2 - start1| as the nearest number of 6-day repeats and what is left over (s)."""
    seconds = abs(float((np.datetime64(start2, "ns") - np.datetime64(start1, "ns")) / np.timedelta64(1, "ns"))) * 1e-9
    repeats = int(round(seconds / (REPEAT_DAYS * 86400.0)))
    return RepeatInterval(seconds, repeats, seconds - repeats * REPEAT_DAYS * 86400.0)


def _footprint(product: SlcProduct):
    """The manifest footprint (lon/lat polygon), or the tie points' hull when the manifest has none."""
    import shapely

    if len(product.footprint) >= 3:
        return shapely.Polygon(product.footprint)
    return shapely.union_all([s.geolocation.hull() for s in product.swaths.values()]).convex_hull


def check_pair(first: SlcProduct, second: SlcProduct, tolerance_s: float = TIME_TOLERANCE_S) -> RepeatInterval:
    """Raise IncompatiblePairError for the first broken rule; return the repeat interval when all hold."""
    names = f"input1 {first.name} and input2 {second.name}"
    if first.mode != second.mode:
        raise IncompatiblePairError(f"{names} have different modes ({first.mode} vs {second.mode}); "
                                    "give two products of the same mode")
    track1, track2 = track_of(first), track_of(second)
    if track1 != track2:
        raise IncompatiblePairError(f"{names} are on different relative orbits ({track1} vs {track2}); give two "
                                    "acquisitions of the same track")
    interval = repeat_interval(first.start, second.start)
    if interval.repeats < 1 or abs(interval.residual) > tolerance_s:
        raise IncompatiblePairError(
            f"{names} are {interval.days:.4f} days apart, not a non-zero multiple of {REPEAT_DAYS} days "
            f"(nearest {interval.repeats * REPEAT_DAYS} days, off by {interval.residual:.1f} s > {tolerance_s:g} s); "
            "give two acquisitions of the same slice on repeat passes")
    swaths1, swaths2 = sorted(first.swaths), sorted(second.swaths)
    if swaths1 != swaths2:
        raise IncompatiblePairError(f"{names} have different sub-swaths ({','.join(swaths1)} vs "
                                    f"{','.join(swaths2)}); select the same --swaths for both")
    area1, area2 = _footprint(first), _footprint(second)
    if not area1.intersects(area2) or area1.intersection(area2).area <= 0:
        raise IncompatiblePairError(f"{names} do not overlap (footprints {tuple(round(v, 3) for v in area1.bounds)} "
                                    f"vs {tuple(round(v, 3) for v in area2.bounds)}); give two products of one area")
    return interval
