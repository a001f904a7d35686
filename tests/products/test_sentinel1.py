"""Conformance of the GRD reader on the real ESA metadata in ../shared/data/s1."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.products.sentinel1 import open_grd
from tests.conftest import shared

PYROSAR = ("S1A_IW_GRDH_1SDV_20150222T170750_20150222T170815_004739_005DD8_3768.zip",
           "S1A_IW_GRDH_1SDV_20210119T031653_20210119T031718_036201_043ED0_8255.zip",
           "S1A_IW_GRDH_1SDV_20150203T043109_20150203T043134_004454_00574F_FEC3.zip",
           "S1A_IW_GRDH_1SDV_20150203T043109_20150203T043134_004454_00574F_6D00.zip",
           "S1A_IW_GRDH_1SDV_20150222T170725_20150222T170750_004739_005DD8_CEAB.zip")
XS_GRD = "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"


@pytest.mark.parametrize("name", PYROSAR)
def test_every_pyrosar_grd_parses(name):
    product = open_grd(shared("s1", "pyroSAR", "tests", "data", name), "VV")
    assert product.mode == "IW" and product.polarizations == ["VH", "VV"]
    assert product.lines > 16000 and product.samples > 25000
    assert product.calibration is not None and len(product.calibration.line) == 27
    assert set(product.calibration.values) == {"sigmaNought", "betaNought", "gamma", "dn"}
    assert product.noise is not None
    assert product.noise.new_format == (product.ipf_version >= 2.9)
    if product.noise.new_format:
        assert [b.swath for b in product.noise.azimuth] == ["IW1", "IW2", "IW3"]
    assert product.measurement is None  # pyroSAR's samples carry no pixels
    with pytest.raises(InvalidProductError, match="no measurement TIFF"):
        product.read_dn()


def test_xarray_sentinel_grd_geometry():
    product = open_grd(shared("s1", "xarray-sentinel", "tests", "data", XS_GRD))
    assert product.polarization == "VV" and product.ipf_version == pytest.approx(3.31)
    assert (product.lines, product.samples) == (16685, 25788)
    assert product.pass_direction == "Descending"
    assert product.azimuth_time_interval == pytest.approx(1.498376640333055e-03)
    assert product.conversion.srgr.shape == (28, 9)
    assert product.geolocation.line.size == 210
    assert product.orbit.position.shape[1] == 3 and np.all(np.diff(product.orbit.time) > 0)
    dn = product.read_dn()
    assert dn.shape == (16685, 25788) and int(dn[:4, :4].values.max()) == 1


def test_wrong_product_and_polarisation_are_one_line_errors():
    slc = shared("s1", "xarray-sentinel", "tests", "data",
                 "S1B_IW_SLC__1SDV_20210401T052622_20210401T052650_026269_032297_EFA4.SAFE")
    with pytest.raises(InvalidProductError, match="SLC product, not GRD; use S1-SLC-preprocess"):
        open_grd(slc)
    with pytest.raises(InvalidParameterError, match="polarization='HH'.*it has: VH, VV"):
        open_grd(shared("s1", "xarray-sentinel", "tests", "data", XS_GRD), "HH")
