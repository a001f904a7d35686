"""Speckle filters: ENL gain on a homogeneous area, edges and point targets kept, chunk invariance."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ai4c.sar.speckle import FILTERS, speckle_filter


def _scene(seed: int = 0, looks: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = np.full((160, 160), 0.1, np.float32)
    truth[:, 80:] = 0.4  # a vertical edge
    truth[40, 40] = 60.0  # a point target
    return (truth * rng.gamma(looks, 1.0 / looks, truth.shape)).astype(np.float32), truth


def _enl(x: np.ndarray) -> float:
    return float(x.mean() ** 2 / x.var())


@pytest.mark.parametrize("name", [f for f in FILTERS if f != "None"])
def test_enl_rises_and_chunking_does_not_matter(name):
    noisy, _ = _scene()
    a = speckle_filter(xr.DataArray(noisy, dims=("line", "pixel")).chunk(160), name).values
    b = speckle_filter(xr.DataArray(noisy, dims=("line", "pixel")).chunk(37), name).values
    np.testing.assert_allclose(a, b, rtol=1e-6)
    flat_in, flat_out = noisy[60:150, 5:70], a[60:150, 5:70]
    assert _enl(flat_in) == pytest.approx(1.0, rel=0.2)
    assert _enl(flat_out) > 2.5
    bias_db = 10 * np.log10(flat_out.mean() / 0.1)
    if name == "Median":  # the median of 1-look intensity is ln(2) x the mean: -1.6 dB
        assert bias_db == pytest.approx(10 * np.log10(np.log(2)), abs=0.5)
    else:
        assert abs(bias_db) < 1.0


def test_lee_sigma_keeps_point_targets_and_edges():
    noisy, truth = _scene(1)
    out = speckle_filter(xr.DataArray(noisy, dims=("line", "pixel")).chunk(64), "Lee Sigma").values
    assert out[40, 40] == pytest.approx(noisy[40, 40])
    left, right = out[20:140, 70:78].mean(), out[20:140, 82:90].mean()
    assert 10 * np.log10(right / left) > 5.0  # the 6 dB edge stays sharp
