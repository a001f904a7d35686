"""Sentinel-1 orbit files (EOF, POEORB/RESORB): parse their state vectors and pick the file covering an
acquisition. The vectors themselves are trusted, not the header's count or validity period."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ai4c.core.errors import DependencyMissingError, InputNotFoundError, InvalidProductError
from ai4c.products.sentinel1 import OrbitVectors, seconds_since, to_datetime64

ORBIT_MARGIN_S = 10.0
MAX_GAP_S = 60.0

_OSV = re.compile(
    rb"<UTC>UTC=([^<]+)</UTC>.*?<X[^>]*>([^<]+)</X>\s*<Y[^>]*>([^<]+)</Y>\s*<Z[^>]*>([^<]+)</Z>\s*"
    rb"<VX[^>]*>([^<]+)</VX>\s*<VY[^>]*>([^<]+)</VY>\s*<VZ[^>]*>([^<]+)</VZ>", re.S)


def read_eof(path: Path | str, epoch: np.datetime64) -> OrbitVectors:
    """Parse an EOF orbit file's state vectors (the vectors themselves, not the header's count)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputNotFoundError(f"orbit file {path} cannot be read ({exc})") from exc
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
    inside = orbit.time[(orbit.time >= start - margin - MAX_GAP_S) & (orbit.time <= stop + margin + MAX_GAP_S)]
    if inside.size < 4 or inside[0] > start - margin or inside[-1] < stop + margin:
        return False
    return bool(np.all(np.diff(inside) <= MAX_GAP_S))


def _mission_of(name: str) -> str | None:
    """S1A/S1B/... from a file or product name."""
    match = re.match(r"(S1[ABCD])_", name)
    return match.group(1) if match else None


def find_orbit(path: Path | str, epoch: np.datetime64, start: float, stop: float, mission: str | None) -> OrbitVectors:
    """The EOF file (or the best in a folder: POEORB before RESORB) whose vectors cover the acquisition,
    restricted to the vectors around it."""
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
            return orbit.restrict(start, stop)
    raise DependencyMissingError(
        f"no orbit file in {path} covers the acquisition at {when} ({len(files)} checked); "
        "give the POEORB/RESORB file of that date or --orbit auto (annotation vectors)")
