"""The masked median kernels equal numpy's median of the valid samples, 0 where none."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.optical.composite import lai_valid, masked_median, masked_median_uint16


def _reference(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """np.median pixel by pixel over the valid samples (the definition)."""
    out = np.zeros(stack.shape[1:], dtype=np.float64)
    for y in range(stack.shape[2]):
        for x in range(stack.shape[3]):
            keep = valid[:, y, x]
            if keep.any():
                out[:, y, x] = np.median(stack[keep, :, y, x], axis=0)
    return out


def _rounded(median: np.ndarray) -> np.ndarray:
    return np.rint(median).astype(np.uint16)


@pytest.mark.parametrize(("kernel", "expected"), [(masked_median, lambda m: m), (masked_median_uint16, _rounded)])
def test_masked_median_equals_numpy_exactly(kernel, expected):
    rng = np.random.default_rng(1)
    stack = rng.integers(0, 65536, size=(7, 3, 12, 11)).astype(np.uint16)
    valid = rng.random((7, 12, 11)) < 0.5
    valid[:, 0, 0] = False
    result = kernel(stack, valid)
    assert result.dtype == expected(np.zeros(1)).dtype
    np.testing.assert_array_equal(result, expected(_reference(stack, valid)))
    assert np.all(result[:, 0, 0] == 0)
    assert (valid.sum(0) % 2 == 0).any() and (valid.sum(0) % 2 == 1).any()  # both parities exercised


def test_lai_valid_rules():
    lai = np.array([1.0, 0.0, -0.1, np.nan, -999.0, 7.0], dtype=np.float32)
    np.testing.assert_array_equal(lai_valid(lai, -999.0), [True, True, False, False, False, True])


def test_masked_median_uint16_long_months_and_other_dtypes():
    rng = np.random.default_rng(6)
    for n_time in (1, 2, 31):
        stack = rng.integers(0, 65536, size=(n_time, 2, 7, 150)).astype(np.uint16)  # > one 1024-pixel run
        valid = rng.random((n_time, 7, 150)) < 0.6
        np.testing.assert_array_equal(masked_median_uint16(stack, valid), _rounded(_reference(stack, valid)))
    floats = rng.uniform(0, 1000, size=(4, 2, 5, 6)).astype(np.float32)
    valid = rng.random((4, 5, 6)) < 0.7
    np.testing.assert_array_equal(masked_median_uint16(floats, valid), _rounded(_reference(floats, valid)))
