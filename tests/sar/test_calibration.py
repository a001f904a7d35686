"""Calibration and thermal-noise LUTs on the real ESA annotations (old and new noise formats)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from tests.conftest import shared

from ai4c.products.sentinel1 import open_grd
from ai4c.sar.calibration import calibrate, lut_values
from ai4c.sar.noise import noise_values, remove_thermal_noise

OLD = "S1A_IW_GRDH_1SDV_20150203T043109_20150203T043134_004454_00574F_FEC3.zip"
NEW = "S1A_IW_GRDH_1SDV_20210119T031653_20210119T031718_036201_043ED0_8255.zip"


def _product(name):
    return open_grd(shared("s1", "pyroSAR", "tests", "data", name), "VV")


@pytest.mark.parametrize("name", [OLD, NEW])
def test_calibration_at_lut_nodes_is_dn2_over_a2(name):
    product = _product(name)
    lut = product.calibration
    inside = [i for i, line in enumerate(lut.line) if 0 <= line < product.lines]
    rows = lut.line[inside]
    cols = lut.pixel[0][lut.pixel[0] < product.samples][::37]
    dn = np.full((len(rows), len(cols)), 123.0, np.float32)
    for key in ("sigmaNought", "betaNought", "gamma"):
        values = lut_values(lut, key, rows, cols, product.line_time(rows))
        expected = np.stack([lut.values[key][i][np.searchsorted(lut.pixel[i], cols)] for i in inside])
        np.testing.assert_allclose(values, expected, rtol=1e-6)
        # through calibrate(): pretend the small array's rows/cols are the node rows/cols
        got = (123.0 ** 2) / expected ** 2
        np.testing.assert_allclose(got, (dn.astype(np.float64) ** 2) / values ** 2, rtol=1e-5)
    full = calibrate(xr.DataArray(np.full((40, 50), 100.0, np.float32) ** 2, dims=("line", "pixel")).chunk(16),
                     product, "SigmaDB").values
    a = lut.values["sigmaNought"][0][0]
    assert full[0, 0] == pytest.approx(10 * np.log10(1e4 / a ** 2), abs=1e-3)


def test_noise_formats():
    old, new = _product(OLD), _product(NEW)
    assert not old.noise.new_format and new.noise.new_format
    cols = np.arange(0, new.samples, 500)
    rows = np.arange(0, new.lines, 1000)
    n_new = noise_values(new, rows, cols)
    block = new.noise.azimuth[0]
    rng = lut_values(new.noise.range_lut, "noise", rows, cols, new.line_time(rows))
    first = cols <= block.last_sample
    np.testing.assert_allclose(n_new[:, first], rng[:, first] * np.interp(rows, block.line, block.lut)[:, None])
    assert np.all(n_new > 0)
    power = xr.DataArray(np.zeros((3, 4), np.float32) + 5.0, dims=("line", "pixel")).chunk(-1)
    out = remove_thermal_noise(power, new).values
    assert np.all(out > 0) and np.all(out <= 5.0)  # floored at a small positive value


def test_calibration_choice_in_any_case_and_blocks_at_an_offset():
    """'sigmadb' is SigmaDB (dB values, dB units), and a numpy block at line, pixel (7, 9) equals that crop of
    the lazy image: 10 log10(DN^2 / A^2) with A from the LUT interpolation."""
    from ai4c.sar.calibration import calibrate_block

    product = _product(NEW)
    power = np.full((40, 50), 1e4, np.float32)
    lazy = calibrate(xr.DataArray(power, dims=("line", "pixel")).chunk(16), product, "sigmadb")
    a = lut_values(product.calibration, "sigmaNought", np.arange(40), np.arange(50), product.line_time(np.arange(40)))
    truth = 10 * np.log10(1e4 / a ** 2)
    assert lazy.attrs["units"] == "dB" and lazy.attrs["calibration"] == "SigmaDB"
    np.testing.assert_allclose(lazy.values, truth, atol=1e-4)
    np.testing.assert_allclose(calibrate_block(power[7:, 9:], product, "sigmadb", 7, 9), truth[7:, 9:], atol=1e-4)
