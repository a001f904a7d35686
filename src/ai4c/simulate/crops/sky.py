"""Acquisition calendars and sky conditions (cloud, shadow, snow) shared by the crop simulators."""

from __future__ import annotations

import numpy as np

CLEAR, CLOUD, SHADOW, SNOW = 0, 1, 2, 3
CLOUD_SPECTRUM = np.array([5200, 5000, 5000, 5100, 5200, 5300, 5400, 3900, 3000], dtype=float)
SNOW_SPECTRUM = np.array([8500, 8300, 8000, 7800, 7600, 7400, 7000, 800, 600], dtype=float)


def acquisition_dates(season_start: int, rng: np.random.Generator, revisit: int = 5,
                      keep: float = 0.85) -> np.ndarray:
    """Dates (datetime64[D]) of one agronomic year, every `revisit` days from a random orbit phase,
    a fraction 1 - keep of them missing (acquisitions the L2A processing rejected)."""
    start = np.datetime64(f"{season_start}-09-01", "D")
    days = np.arange(int(rng.integers(0, revisit)), 365, revisit)
    days = days[rng.random(days.size) < keep]
    return start + days.astype("timedelta64[D]")


def cloud_cover(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scene cloud fraction per date: cloudier in winter (season day ~120) than in summer."""
    base = 0.25 + 0.25 * np.cos(2 * np.pi * (np.asarray(t, dtype=float) - 120) / 365)
    return np.clip(base * rng.gamma(1.5, 1 / 1.5, np.shape(t)), 0, 0.95)


def draw_conditions(t: np.ndarray, n: int, rng: np.random.Generator, cover: np.ndarray | None = None,
                    snow_days: tuple[float, float] = (100, 170)) -> np.ndarray:
    """Pixel conditions [n, T] (0 clear, 1 cloud, 2 shadow, 3 snow) for n pixels on dates t."""
    t = np.asarray(t, dtype=float)
    cover = cloud_cover(t, rng) if cover is None else cover
    u = rng.random((n, t.size))
    cond = np.zeros((n, t.size), dtype=np.uint8)
    cond[u < cover] = CLOUD
    cond[(u >= cover) & (u < cover * 1.25)] = SHADOW
    winter = (t >= snow_days[0]) & (t <= snow_days[1])
    snow = winter[None, :] & (cond == CLEAR) & (rng.random((n, t.size)) < 0.08)
    cond[snow] = SNOW
    return cond


def apply_conditions(refl: np.ndarray, cond: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace reflectances [..., 9] where the condition is cloud (bright, flat), shadow (dark) or snow."""
    out = refl.copy()
    cloud = cond == CLOUD
    thickness = rng.uniform(0.5, 1.0, cloud.sum())[:, None]
    out[cloud] = thickness * CLOUD_SPECTRUM + (1 - thickness) * refl[cloud]
    shadow = cond == SHADOW
    out[shadow] = refl[shadow] * rng.uniform(0.3, 0.6, shadow.sum())[:, None]
    snow = cond == SNOW
    out[snow] = SNOW_SPECTRUM * rng.uniform(0.8, 1.05, snow.sum())[:, None]
    return out
