"""METRIC LAI: known values of the formula, clipping, NaN kept; BOA scaling of s2-timeseries."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ai4c.optical.lai import lai_metric
from ai4c.pipelines.s2_timeseries import boa_uint16


def test_lai_metric_values():
    red = xr.DataArray(np.array([0.05, 0.2, 0.01, np.nan]))
    nir = xr.DataArray(np.array([0.35, 0.2, 0.9, 0.3]))
    lai = lai_metric(red, nir).values
    savi = 1.5 * 0.30 / 0.90
    np.testing.assert_allclose(lai[0], -np.log((0.69 - savi) / 0.59) / 0.91, rtol=1e-12)
    assert lai[1] == 0.0 and lai[2] == 6.0 and np.isnan(lai[3])


def test_boa_uint16_scaling():
    refl = xr.DataArray(np.array([0.12345, np.nan, 0.0, 7.0]))
    np.testing.assert_array_equal(boa_uint16(refl).values, [1234, 0, 1, 65535])
