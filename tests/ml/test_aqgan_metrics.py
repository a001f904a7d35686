"""Downscaling metrics against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ai4c.ml.downscaling import metrics as M


def test_crps_of_one_member_is_mae_and_gaussian_closed_form():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(50, 50))
    pred = truth + 1.0
    assert M.crps_ensemble(pred[None], truth) == pytest.approx(M.mae(pred, truth))
    members = rng.normal(size=(2000, 200))
    y = np.zeros(200)
    expected = 2 * stats.norm.pdf(0) - 1 / np.sqrt(np.pi)  # CRPS of N(0,1) at 0
    assert M.crps_ensemble(members, y) == pytest.approx(expected, abs=0.01)


def test_rank_histogram_flat_for_calibrated_and_u_shaped_for_underdispersed():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=20000)
    good = rng.normal(size=(10, 20000))
    hist = M.rank_histogram(good, truth)
    assert hist.shape == (11,) and hist.sum() == pytest.approx(1.0)
    assert M.flatness(hist)["max_bin_ratio"] < 1.15
    narrow = 0.3 * rng.normal(size=(10, 20000))
    assert M.flatness(M.rank_histogram(narrow, truth))["max_bin_ratio"] > 3


def test_log_spectral_distance_and_interpolation():
    rng = np.random.default_rng(2)
    field = rng.normal(size=(4, 64, 64))
    assert M.log_spectral_distance(field, field) == pytest.approx(0.0)
    assert M.log_spectral_distance(field * np.sqrt(10), field) == pytest.approx(10.0, rel=1e-6)
    const = np.full((2, 8, 8), 3.0)
    for method in ("bilinear", "bicubic"):
        np.testing.assert_allclose(M.interpolate(const, 8, method), 3.0, rtol=1e-5)
    smooth = M.interpolate(rng.normal(size=(4, 8, 8)), 8, "bicubic")
    assert M.log_spectral_distance(smooth, field) > 10  # interpolation lacks small scales
