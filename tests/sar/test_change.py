"""ACD/MTC stretch limits found block by block (dB histograms) against numpy's percentiles of the whole images."""

from __future__ import annotations

import numpy as np

from ai4c.sar.change import acd, db_histogram, histogram_percentiles, percentiles, to_db


def test_histogram_percentiles_match_numpy_to_a_bin():
    rng = np.random.default_rng(4)
    b1 = rng.gamma(4.0, 0.05 / 4, (300, 200))
    b2 = b1 * 10 ** (rng.normal(0, 0.5, b1.shape) / 10)
    b1[:10] = np.nan
    b2[5, 5] = 0.0  # not positive: no dB value
    counts = sum(db_histogram(b1[rows], b2[rows]) for rows in (slice(0, 120), slice(120, 300)))
    expected = percentiles(to_db(b1), to_db(b2))
    np.testing.assert_allclose(histogram_percentiles(counts), expected, atol=0.01)
    assert np.abs(acd(b1, b2, histogram_percentiles(counts)).astype(int) - acd(b1, b2).astype(int)).max() <= 1
