"""Crop phenology curves: timing order of crops, realistic NDVI/LAI levels, tile effects."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import shared

from ai4c.simulate.crops import phenology as ph

T = np.arange(0, 365, 5.0)


def ndvi(refl: np.ndarray) -> np.ndarray:
    """NDVI from B8A and B4 of a [..., 9] reflectance array."""
    return (refl[..., 6] - refl[..., 2]) / (refl[..., 6] + refl[..., 2])


def peak_day(cls: int) -> float:
    """Season day of the highest green cover."""
    return float(T[np.argmax(ph.fractions(cls, T)[0])])


def test_crop_calendar_order():
    winter_barley, wheat, maize, sunflower = 6, 12, 2, 4
    assert peak_day(winter_barley) < peak_day(wheat) < peak_day(sunflower) < peak_day(maize)
    assert 240 <= peak_day(wheat) <= 300          # May-June
    assert 300 <= peak_day(maize) <= 360          # July-August


def test_winter_crops_green_in_winter_spring_crops_bare():
    january = np.array([130.0])
    for cls in (6, 7, 8, 9, 12, 13):
        assert ph.fractions(cls, january)[0][0] > 0.15
    for cls in (0, 2, 3, 4, 5, 10, 11):
        assert ph.fractions(cls, january)[0][0] < 0.02


def test_every_class_distinct():
    curves = np.stack([ndvi(ph.reflectance(c, T)) for c in range(16)])
    dist = np.sqrt(((curves[:, None] - curves[None]) ** 2).mean(-1))
    np.fill_diagonal(dist, np.inf)
    assert dist.min() > 0.03


def test_levels_match_real_ndvi_series():
    real = np.load(shared("s2", "eolearn_TestEOPatch_subset", "data", "NDVI.npy"))
    lo, hi = np.nanpercentile(real, [5, 99])
    sim = np.concatenate([ndvi(ph.reflectance(c, T)) for c in range(16)])
    assert sim.max() == pytest.approx(hi, abs=0.1)
    assert lo - 0.1 < sim.min() < 0.3
    assert 2.0 < max(ph.lai(c, T).max() for c in range(16)) < 7.0
    assert min(ph.lai(c, T).min() for c in range(16)) >= 0


def test_tile_effect_deterministic_and_shifts_timing():
    a, b = ph.tile_effect("33UVP"), ph.tile_effect("33UVP")
    assert a == b and a != ph.tile_effect("32TNT")
    late = ph.reflectance(2, T, shift=10.0)
    early = ph.reflectance(2, T - 10.0)
    np.testing.assert_allclose(late, early)


def test_sample_series_shapes_and_noise():
    rng = np.random.default_rng(0)
    refl, leaf = ph.sample_series(12, T, 200, rng, ph.TileEffect(0, 1.0))
    assert refl.shape == (200, T.size, 9) and leaf.shape == (200, T.size)
    mean = refl.mean(0)
    np.testing.assert_allclose(mean, ph.reflectance(12, T), rtol=0.08, atol=80)


def test_season_day():
    assert ph.season_day(["2017-09-01", "2018-01-01"], 2017).tolist() == [0.0, 122.0]
