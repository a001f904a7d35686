"""The truth of a simulated S1 image: where a ground point lands in it, by the direct forward model, written
independently of `ai4c.sar` (the code under test): the orbit as scipy's cubic Hermite spline through the
state vectors, geodetic -> ECEF by pyproj, zero-Doppler time by Newton iteration, and the image column by
inverting the slant range <- ground range (grsr) polynomial the renderer draws the pixels with."""

from __future__ import annotations

import numpy as np

from ai4c.products.sentinel1 import CoordinateConversion, OrbitVectors

NEWTON_STEPS = 50


def zero_doppler_time(position, point: np.ndarray, t: float) -> tuple[float, float]:
    """Azimuth time at which `point` (ECEF) is perpendicular to the velocity of the orbit `position(t)` (a
    scipy spline), by Newton iteration from `t`, and the slant range then."""
    velocity, acceleration = position.derivative(1), position.derivative(2)
    for _ in range(NEWTON_STEPS):
        d, v = point - position(t), velocity(t)
        step = (d @ v) / (d @ acceleration(t) - v @ v)
        t -= step
        if abs(step) < 1e-10:
            break
    return t, float(np.linalg.norm(point - position(t)))


def ground_range_column(conv: CoordinateConversion, t: float, slant_range: float, spacing: float,
                        start: float) -> float:
    """The column whose ground range the nearest-in-time grsr record maps to `slant_range` (Newton)."""
    k = int(np.abs(conv.azimuth_time - t).argmin())
    poly = np.polynomial.Polynomial(conv.grsr[k])
    slope = poly.deriv()
    col = start
    for _ in range(NEWTON_STEPS):
        g = col * spacing - conv.gr0[k]
        step = (poly(g) - slant_range) / (slope(g) * spacing)
        col -= step
        if abs(step) < 1e-9:
            break
    return col


def image_position(orbit: OrbitVectors, conv: CoordinateConversion, line_interval: float, spacing: float,
                   lat: np.ndarray, lon: np.ndarray, h: np.ndarray, samples: int) -> np.ndarray:
    """(line, pixel) (n, 2) of ground points (degrees, ellipsoid metres) in an image whose line 0 is at time 0."""
    from pyproj import Transformer
    from scipy.interpolate import CubicHermiteSpline

    position = CubicHermiteSpline(orbit.time, orbit.position, orbit.velocity, axis=0)
    x, y, z = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True).transform(lon, lat, h)
    out = np.empty((len(lat), 2))
    t = float(np.mean(orbit.time))
    for i, point in enumerate(np.column_stack([x, y, z])):
        t, slant_range = zero_doppler_time(position, point, t)
        out[i] = t / line_interval, ground_range_column(conv, t, slant_range, spacing, 0.5 * samples)
    return out
