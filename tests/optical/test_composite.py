"""The masked median kernel equals numpy's median of the valid samples, 0 where none."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ai4c.optical.composite import lai_valid, masked_median, masked_median_uint16, monthly_median, to_uint16


def _reference(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """np.median pixel by pixel over the valid samples (the definition)."""
    out = np.zeros(stack.shape[1:], dtype=np.float64)
    for y in range(stack.shape[2]):
        for x in range(stack.shape[3]):
            keep = valid[:, y, x]
            if keep.any():
                out[:, y, x] = np.median(stack[keep, :, y, x], axis=0)
    return out


def test_masked_median_equals_numpy_exactly():
    rng = np.random.default_rng(1)
    stack = rng.integers(0, 10000, size=(7, 3, 12, 11)).astype(np.uint16)
    valid = rng.random((7, 12, 11)) < 0.5
    valid[:, 0, 0] = False
    result = masked_median(stack, valid)
    np.testing.assert_array_equal(result, _reference(stack, valid))
    assert np.all(result[:, 0, 0] == 0)
    assert (valid.sum(0) % 2 == 0).any() and (valid.sum(0) % 2 == 1).any()  # both parities exercised


def test_lai_valid_rules():
    lai = np.array([1.0, 0.0, -0.1, np.nan, -999.0, 7.0], dtype=np.float32)
    np.testing.assert_array_equal(lai_valid(lai, -999.0), [True, True, False, False, False, True])


def test_monthly_median_chunked_matches_unchunked():
    rng = np.random.default_rng(2)
    stack = rng.integers(0, 5000, size=(5, 2, 40, 30)).astype(np.uint16)
    valid = rng.random((5, 40, 30)) < 0.6
    boa = xr.DataArray(stack, dims=("time", "band", "y", "x")).chunk({"y": 16, "x": 7})
    ok = xr.DataArray(valid, dims=("time", "y", "x")).chunk({"y": 16, "x": 7})
    median = monthly_median(boa, ok).compute()
    np.testing.assert_array_equal(median.values, _reference(stack, valid))
    np.testing.assert_array_equal(to_uint16(median).values, np.rint(_reference(stack, valid)).astype(np.uint16))


def test_masked_median_uint16_equals_rounded_numpy_median():
    rng = np.random.default_rng(5)
    stack = rng.integers(0, 65536, size=(6, 4, 9, 13)).astype(np.uint16)
    valid = rng.random((6, 9, 13)) < 0.5
    valid[:, 2, 3] = False
    got = masked_median_uint16(stack, valid)
    assert got.dtype == np.uint16
    np.testing.assert_array_equal(got, np.rint(_reference(stack, valid)).astype(np.uint16))
    assert np.all(got[:, 2, 3] == 0)
    assert np.any(got % 2 == 0) and ((valid.sum(0) % 2) == 0).any()  # half-to-even rounding exercised


def test_masked_median_uint16_long_months_and_other_dtypes():
    rng = np.random.default_rng(6)
    for n_time in (1, 2, 31):
        stack = rng.integers(0, 65536, size=(n_time, 2, 7, 150)).astype(np.uint16)  # > one 1024-pixel run
        valid = rng.random((n_time, 7, 150)) < 0.6
        np.testing.assert_array_equal(masked_median_uint16(stack, valid),
                                      np.rint(_reference(stack, valid)).astype(np.uint16))
    floats = rng.uniform(0, 1000, size=(4, 2, 5, 6)).astype(np.float32)
    valid = rng.random((4, 5, 6)) < 0.7
    np.testing.assert_array_equal(masked_median_uint16(floats, valid),
                                  np.rint(_reference(floats, valid)).astype(np.uint16))
