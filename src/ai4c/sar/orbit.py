"""Orbit state vectors: cubic Hermite interpolation (exact at the vectors) and EOF POEORB/RESORB files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numba import njit

from ai4c.core.errors import DependencyMissingError, InputNotFoundError, InvalidProductError
from ai4c.products.sentinel1 import OrbitVectors, seconds_since, to_datetime64

ORBIT_MARGIN_S = 10.0


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


def interpolate(orbit: OrbitVectors, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (n, 3) at times `t` (s since the orbit's epoch)."""
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    return interpolate_many(orbit.time, orbit.position, orbit.velocity, t)


def restrict(orbit: OrbitVectors, start: float, stop: float, margin: float = 120.0) -> OrbitVectors:
    """Only the vectors within [start - margin, stop + margin] (at least 4 around the interval)."""
    keep = (orbit.time >= start - margin) & (orbit.time <= stop + margin)
    idx = np.flatnonzero(keep)
    if idx.size < 4:
        centre = np.searchsorted(orbit.time, 0.5 * (start + stop))
        idx = np.arange(max(0, centre - 2), min(len(orbit.time), centre + 2))
    return OrbitVectors(orbit.epoch, orbit.time[idx], orbit.position[idx], orbit.velocity[idx], orbit.source)


_OSV = re.compile(
    rb"<UTC>UTC=([^<]+)</UTC>.*?<X[^>]*>([^<]+)</X>\s*<Y[^>]*>([^<]+)</Y>\s*<Z[^>]*>([^<]+)</Z>\s*"
    rb"<VX[^>]*>([^<]+)</VX>\s*<VY[^>]*>([^<]+)</VY>\s*<VZ[^>]*>([^<]+)</VZ>", re.S)


def read_eof(path: Path | str, epoch: np.datetime64) -> OrbitVectors:
    """Parse an EOF orbit file's state vectors (the vectors themselves, not the header's count)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputNotFoundError(f"orbit file {path} cannot be read ({exc})") from None
    rows = _OSV.findall(data)
    if len(rows) < 4:
        raise InvalidProductError(f"orbit file {path.name} holds {len(rows)} state vectors; it is not a usable EOF")
    times = np.array([to_datetime64(r[0].decode()) for r in rows])
    values = np.array([[float(x) for x in r[1:]] for r in rows])
    t = seconds_since(times, epoch)
    order = np.argsort(t)
    kind = "POEORB" if "POEORB" in path.name else "RESORB" if "RESORB" in path.name else "EOF"
    return OrbitVectors(epoch, t[order], values[order, :3], values[order, 3:], f"{kind}:{path.name}")


def covers(orbit: OrbitVectors, start: float, stop: float, margin: float = ORBIT_MARGIN_S) -> bool:
    """True when the vectors span [start - margin, stop + margin] with no gap longer than 60 s."""
    inside = orbit.time[(orbit.time >= start - margin - 60) & (orbit.time <= stop + margin + 60)]
    if inside.size < 4 or inside[0] > start - margin or inside[-1] < stop + margin:
        return False
    return bool(np.all(np.diff(inside) <= 60.0))


def _mission_of(name: str) -> str | None:
    """S1A/S1B/... from a file or product name."""
    match = re.match(r"(S1[ABCD])_", name)
    return match.group(1) if match else None


def find_orbit(path: Path | str, epoch: np.datetime64, start: float, stop: float, mission: str | None) -> OrbitVectors:
    """The EOF file (or the best in a folder: POEORB before RESORB) whose vectors cover the acquisition."""
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"orbit path {path} does not exist; give an EOF file, a folder of them, or 'auto'")
    files = sorted(path.glob("**/*.EOF")) if path.is_dir() else [path]
    files = [f for f in files if mission is None or _mission_of(f.name) in (None, mission)]
    files.sort(key=lambda f: ("POEORB" not in f.name, f.name))
    when = f"{np.datetime_as_string(epoch + np.timedelta64(int(start * 1e9), 'ns'), 's')}"
    for candidate in files:
        orbit = read_eof(candidate, epoch)
        if covers(orbit, start, stop):
            return restrict(orbit, start, stop)
    raise DependencyMissingError(
        f"no orbit file in {path} covers the acquisition at {when} ({len(files)} checked); "
        "give the POEORB/RESORB file of that date or --orbit auto (annotation vectors)")
