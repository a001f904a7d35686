"""Per-class seasonal spectral curves of the 16 TimeSen2Crop crop types, used by every crop simulator.

The model is a linear mixture of four endmembers (bare soil, green leaves, senescent/dry canopy and
yellow/white flowers) whose cover fractions follow class-specific double-logistic curves of the
*season day* t (days since 1 September of the agronomic year, so winter crops sown in autumn keep one
continuous season). Reflectance is in the TimeSen2Crop convention: B2,B3,B4,B5,B6,B7,B8A,B11,B12
surface reflectance x 10000. LAI follows Beer's law from the green cover, LAI = -ln(1 - 0.95 f) / 0.5.

Variation has two levels, as in the real dataset: a per-tile effect (season timing shifted by a few
days, a reflectance gain) drawn deterministically from the tile name, and a per-pixel effect (timing
jitter, amplitude and soil brightness) drawn by the caller's random generator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from ai4c.products.timesen2crop import BANDS, CLASSES  # noqa: F401  (re-exported)

# Endmember spectra (reflectance x 10000) in BANDS order.
SOIL = np.array([900, 1200, 1500, 1750, 1900, 2000, 2200, 2900, 2500], dtype=float)
GREEN = np.array([300, 600, 350, 1000, 2800, 3600, 4100, 2000, 1000], dtype=float)
DRY = np.array([750, 1050, 1350, 1650, 2050, 2350, 2550, 3400, 2700], dtype=float)
FLOWER = np.array([500, 1400, 900, 1600, 2500, 3000, 3300, 2200, 1200], dtype=float)

Bump = tuple[float, float, float, float, float]   # start, end, amplitude, rise days, fall days


@dataclass(frozen=True)
class CropCurve:
    """Cover fraction curves of one class: green bumps (summed, clipped), a dry phase from senescence
    to harvest, flowering windows, a constant green floor, and the soil brightness factor."""

    green: tuple[Bump, ...]
    dry: tuple[Bump, ...] = ()
    flower: tuple[Bump, ...] = ()
    floor: float = 0.0
    soil: float = 1.0


# Season days: Oct 1 = 30, Jan 1 = 122, Mar 1 = 181, Apr 1 = 212, May 1 = 242, Jun 1 = 273, Jul 1 = 303,
# Aug 1 = 334; values beyond 365 reach into the next season (late harvests).
CURVES: dict[int, CropCurve] = {
    0: CropCurve(green=((222, 292, 0.8, 9, 7),), dry=((292, 318, 0.7, 7, 3),)),                 # Legumes
    1: CropCurve(green=((-60, 55, 0.35, 8, 15), (195, 262, 0.55, 10, 3), (272, 312, 0.5, 6, 3),
                        (322, 420, 0.45, 6, 10)), floor=0.35, soil=0.9),                         # Grassland
    2: CropCurve(green=((255, 362, 0.94, 12, 9),), dry=((362, 400, 0.75, 9, 4),)),               # Maize
    3: CropCurve(green=((238, 310, 0.88, 6, 6),), dry=((310, 332, 0.6, 6, 2),), soil=1.1),       # Potato
    4: CropCurve(green=((248, 322, 0.75, 9, 7),), dry=((322, 372, 0.8, 7, 3),),
                 flower=((296, 322, 0.35, 4, 4),)),                                              # Sunflower
    5: CropCurve(green=((280, 340, 0.8, 7, 6),), dry=((340, 372, 0.75, 6, 3),), soil=1.1),        # Soy
    6: CropCurve(green=((32, 200, 0.38, 8, 20), (172, 252, 0.9, 10, 7)),
                 dry=((252, 294, 0.8, 7, 3),)),                                                  # Winter Barley
    7: CropCurve(green=((15, 200, 0.48, 10, 20), (188, 282, 0.72, 10, 7)), dry=((282, 308, 0.6, 6, 3),),
                 flower=((262, 290, 0.2, 5, 5),), soil=0.95),                                     # Winter Caraway
    8: CropCurve(green=((40, 200, 0.25, 8, 20), (182, 262, 0.78, 9, 8)),
                 dry=((262, 306, 0.95, 8, 3),)),                                                 # Rye
    9: CropCurve(green=((8, 200, 0.62, 8, 20), (170, 270, 0.92, 9, 7)), dry=((270, 308, 0.8, 6, 3),),
                 flower=((222, 256, 0.5, 5, 5),)),                                               # Rapeseed
    10: CropCurve(green=((232, 385, 0.9, 13, 8),), soil=1.05),                                    # Beet
    11: CropCurve(green=((215, 282, 0.82, 8, 7),), dry=((282, 326, 0.8, 7, 3),)),                # Spring Cereals
    12: CropCurve(green=((50, 210, 0.24, 8, 20), (202, 294, 0.92, 10, 8)),
                  dry=((292, 322, 0.85, 7, 3),)),                                                # Winter Wheat
    13: CropCurve(green=((45, 205, 0.3, 8, 20), (194, 280, 0.84, 10, 8)),
                  dry=((280, 314, 0.72, 7, 3),), soil=0.95),                                     # Winter Triticale
    14: CropCurve(green=((218, 345, 0.5, 12, 14),), floor=0.3, soil=0.85),                       # Permanent Plantations
    15: CropCurve(green=((228, 290, 0.5, 8, 6), (312, 400, 0.45, 8, 8)),
                  dry=((290, 308, 0.5, 5, 3),), soil=1.1),                                        # Other Crops
}


@dataclass(frozen=True)
class TileEffect:
    """A tile's systematic difference: season timing shift (days, + = later) and reflectance gain."""

    shift: float = 0.0
    gain: float = 1.0


def tile_effect(tile: str, timing_sd: float = 5.0, gain_sd: float = 0.04) -> TileEffect:
    """The deterministic effect of a tile, drawn from its name (same name -> same effect)."""
    seed = int.from_bytes(hashlib.sha256(str(tile).encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    return TileEffect(shift=float(rng.normal(0, timing_sd)), gain=float(1 + rng.normal(0, gain_sd)))


def season_day(dates, season_start: int = 2017) -> np.ndarray:
    """Days since 1 September `season_start` for dates (datetime/date/np.datetime64/'YYYY-MM-DD')."""
    days = np.asarray(dates, dtype="datetime64[D]")
    return (days - np.datetime64(dt.date(season_start, 9, 1), "D")).astype(float)


def _sig(x: np.ndarray) -> np.ndarray:
    """The logistic function, overflow-safe."""
    return 0.5 * (1 + np.tanh(0.5 * x))


def _bumps(bumps: tuple[Bump, ...], t: np.ndarray, shift: np.ndarray, amp: np.ndarray) -> np.ndarray:
    """Sum of double-logistic bumps evaluated at t - shift (shapes broadcast: pixels x dates)."""
    tt = t - shift
    total = np.zeros(np.broadcast(tt, amp).shape)
    for start, end, height, rise, fall in bumps:
        total = total + height * amp * (_sig((tt - start) / rise) - _sig((tt - end) / fall))
    return total


def fractions(cls: int, t, shift=0.0, amp=1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Green, dry and flower cover fractions of class `cls` at season days t (sum <= 1)."""
    curve = CURVES[int(cls)]
    t = np.asarray(t, dtype=float)
    shift = np.asarray(shift, dtype=float)
    amp = np.asarray(amp, dtype=float)
    green = np.clip(curve.floor * amp + _bumps(curve.green, t, shift, amp), 0, 0.97)
    dry = np.clip(_bumps(curve.dry, t, shift, amp), 0, 0.97)
    flower = np.clip(_bumps(curve.flower, t, shift, amp), 0, 0.6)
    total = green + dry + flower
    scale = np.where(total > 0.97, 0.97 / np.maximum(total, 1e-9), 1.0)
    return green * scale, dry * scale, flower * scale


def reflectance(cls: int, t, shift=0.0, amp=1.0, soil=1.0, gain=1.0) -> np.ndarray:
    """Noise-free reflectance x10000, shape (*broadcast(t, shift...), 9), of class `cls`."""
    green, dry, flower = fractions(cls, t, shift, amp)
    soil_spec = SOIL * CURVES[int(cls)].soil
    soil_factor = np.asarray(soil, dtype=float)[..., None]
    bare = np.clip(1 - green - dry - flower, 0, 1)[..., None]
    mix = (green[..., None] * GREEN + dry[..., None] * DRY + flower[..., None] * FLOWER
           + bare * soil_spec * soil_factor)
    return mix * np.asarray(gain, dtype=float)[..., None]


def lai(cls: int, t, shift=0.0, amp=1.0) -> np.ndarray:
    """Leaf area index of class `cls` at season days t, from the green cover by Beer's law."""
    green, _, _ = fractions(cls, t, shift, amp)
    return -np.log(1 - 0.95 * green) / 0.5


@dataclass(frozen=True)
class PixelDraw:
    """Per-pixel variation: timing jitter (days), green amplitude factor and soil brightness factor."""

    shift: np.ndarray
    amp: np.ndarray
    soil: np.ndarray


def draw_pixels(n: int, rng: np.random.Generator, timing_sd: float = 4.0, amp_sd: float = 0.06,
                soil_sd: float = 0.1) -> PixelDraw:
    """Random per-pixel (or per-field) variation for n samples."""
    return PixelDraw(shift=rng.normal(0, timing_sd, n)[:, None],
                     amp=np.clip(rng.normal(1, amp_sd, n), 0.6, 1.3)[:, None],
                     soil=np.clip(rng.normal(1, soil_sd, n), 0.6, 1.5)[:, None])


def sample_series(cls: int, t, n: int, rng: np.random.Generator, effect: TileEffect | None = None,
                  noise: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """n noisy reflectance series [n, T, 9] (x10000, float) and their LAI [n, T] for class `cls`."""
    effect = effect or TileEffect()
    t = np.asarray(t, dtype=float)[None, :]
    draw = draw_pixels(n, rng)
    shift = draw.shift + effect.shift
    refl = reflectance(cls, t, shift, draw.amp, draw.soil, effect.gain)
    refl = refl * (1 + rng.normal(0, noise, refl.shape)) + rng.normal(0, 40, refl.shape)
    return np.clip(refl, 1, 15000), lai(cls, t, shift, draw.amp)
