"""Orbit interpolation: cubic Hermite through the state vectors (exact at the vectors, positions and
velocities) and the zero-Doppler time of ground points. Reading EOF files is `ai4c.products.eof`'s job."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ai4c.sar.datamodel import StateVectors


@njit(cache=True, inline="always")
def _interval(times: np.ndarray, t: float) -> int:
    """Index i with times[i] <= t < times[i+1], clamped to the ends (extrapolates linearly in i)."""
    n = times.shape[0]
    i = np.searchsorted(times, t) - 1
    if i < 0:
        return 0
    if i > n - 2:
        return n - 2
    return i


@njit(cache=True)
def hermite_state(times: np.ndarray, pos: np.ndarray, vel: np.ndarray, t: float) -> tuple:
    """Position, velocity and acceleration at `t` from the cubic Hermite interpolant of (pos, vel)."""
    i = _interval(times, t)
    h = times[i + 1] - times[i]
    s = (t - times[i]) / h
    s2 = s * s
    s3 = s2 * s
    h00, h10, h01, h11 = 2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2
    d00, d10, d01, d11 = 6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, -6 * s2 + 6 * s, 3 * s2 - 2 * s
    a00, a10, a01, a11 = 12 * s - 6, 6 * s - 4, -12 * s + 6, 6 * s - 2
    p = np.empty(3)
    v = np.empty(3)
    a = np.empty(3)
    for k in range(3):
        p0, p1, v0, v1 = pos[i, k], pos[i + 1, k], vel[i, k] * h, vel[i + 1, k] * h
        p[k] = h00 * p0 + h10 * v0 + h01 * p1 + h11 * v1
        v[k] = (d00 * p0 + d10 * v0 + d01 * p1 + d11 * v1) / h
        a[k] = (a00 * p0 + a10 * v0 + a01 * p1 + a11 * v1) / (h * h)
    return p, v, a


@njit(cache=True)
def interpolate_many(times: np.ndarray, pos: np.ndarray, vel: np.ndarray, t: np.ndarray) -> tuple:
    """Vectorised `hermite_state` over an array of times -> (positions, velocities), each (n, 3)."""
    out_p = np.empty((t.shape[0], 3))
    out_v = np.empty((t.shape[0], 3))
    for j in range(t.shape[0]):
        p, v, _ = hermite_state(times, pos, vel, t[j])
        out_p[j] = p
        out_v[j] = v
    return out_p, out_v


@njit(cache=True)
def zero_doppler(px: float, py: float, pz: float, ot, op, ov, t: float) -> tuple:
    """Newton iteration on (P - S(t)).V(t) = 0 from the guess `t`; returns (t, S, V)."""
    for _ in range(12):
        s, v, a = hermite_state(ot, op, ov, t)
        dx, dy, dz = px - s[0], py - s[1], pz - s[2]
        f = dx * v[0] + dy * v[1] + dz * v[2]
        df = -(v[0] ** 2 + v[1] ** 2 + v[2] ** 2) + dx * a[0] + dy * a[1] + dz * a[2]
        step = f / df
        t -= step
        if abs(step) < 1e-9:
            break
    s, v, _ = hermite_state(ot, op, ov, t)
    return t, s, v


@njit(cache=True)
def zero_doppler_many(points: np.ndarray, ot, op, ov, t_guess: float) -> np.ndarray:
    """Zero-Doppler times of ECEF points (n, 3), each Newton iteration starting from the previous solution."""
    out = np.empty(points.shape[0])
    t = t_guess
    for j in range(points.shape[0]):
        t, _, _ = zero_doppler(points[j, 0], points[j, 1], points[j, 2], ot, op, ov, t)
        out[j] = t
    return out


def interpolate(orbit: StateVectors, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (n, 3) at times `t` (s since the orbit's epoch)."""
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    return interpolate_many(orbit.time, orbit.position, orbit.velocity, t)


@dataclass(frozen=True)
class HermiteOrbit:
    """The `OrbitInterpolator` of ai4c: cubic Hermite interpolation of a product's state vectors."""

    vectors: StateVectors

    def state(self, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Position and velocity (n, 3) at times `t` (s since the vectors' epoch)."""
        return interpolate(self.vectors, t)

    def zero_doppler_time(self, points: np.ndarray, t_guess: float) -> np.ndarray:
        """Azimuth time (n,) at which each ECEF point (n, 3) is perpendicular to the velocity."""
        v = self.vectors
        return zero_doppler_many(np.atleast_2d(np.asarray(points, np.float64)), v.time, v.position, v.velocity,
                                 float(t_guess))
