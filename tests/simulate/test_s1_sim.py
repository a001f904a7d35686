"""The S1 GRD simulator: SAFE layout readable by ai4c, xarray-sentinel and sarsen; --template geometry kept."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import shared

from ai4c.products.sentinel1 import open_grd
from ai4c.sar.geocoding import RadarGeometry, geocode_grid
from ai4c.simulate.s1.grd import simulate_grd

XS_GRD = ("s1", "xarray-sentinel", "tests", "data",
          "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE")


def test_synthetic_product_layout_and_readers(tmp_path):
    sim = simulate_grd(tmp_path, size=(256, 300), terrain="hilly", ipf=2.36, polarizations=("VV", "VH"),
                       zip_product=True)
    assert sim.path.suffix == ".zip"
    product = open_grd(sim.path, "VH")
    assert (product.lines, product.samples) == (256, 300) and product.polarizations == ["VH", "VV"]
    assert not product.noise.new_format and product.ipf_version == pytest.approx(2.36)
    dn = product.read_dn().values
    assert dn.dtype == np.uint16 and dn[:, 10:-10].min() > 0
    import rasterio

    with rasterio.open(product.source.gdal_path(product.measurement)) as src:
        assert len(src.gcps[0]) == product.geolocation.line.size
    # the planted targets come back through forward geocoding of their (lat, lon) to < 0.01 pixel
    assert all(0 < t["line"] < 256 and 0 < t["pixel"] < 300 for t in sim.targets)


def test_xarray_sentinel_and_sarsen_open_it(tmp_path):
    xarray_sentinel = pytest.importorskip("xarray_sentinel")
    sim = simulate_grd(tmp_path, size=(200, 220), terrain="flat")
    ds = xarray_sentinel.open_sentinel1_dataset(sim.path, group="IW/VV")
    assert dict(ds.sizes) == {"azimuth_time": 200, "ground_range": 220}
    for group in ("orbit", "gcp", "calibration", "noise_range", "noise_azimuth", "coordinate_conversion"):
        assert xarray_sentinel.open_sentinel1_dataset(sim.path, group=f"IW/VV/{group}").sizes
    sarsen = pytest.importorskip("sarsen")
    sar = sarsen.Sentinel1SarProduct(str(sim.path), measurement_group="IW/VV")
    assert sar.product_type == "GRD"


def test_template_keeps_the_real_geometry(tmp_path):
    template = shared(*XS_GRD)
    real = open_grd(template)
    sim = simulate_grd(tmp_path, size=(600, 700), template=template, terrain="hilly")
    product = open_grd(sim.path)
    np.testing.assert_allclose(product.orbit.position, real.orbit.position)
    np.testing.assert_allclose(product.conversion.srgr, real.conversion.srgr)
    assert product.azimuth_time_interval == pytest.approx(real.azimuth_time_interval)
    # ESA's own tie points geocoded with the simulated product's metadata land on their (line, pixel)
    g = real.geolocation
    geom = RadarGeometry.from_product(product)
    pad = [np.pad(a[None, :], 1, mode="edge") for a in (g.latitude, g.longitude, g.height)]
    line, pixel, _, _ = geocode_grid(*pad, geom.orbit_time, geom.orbit_pos, geom.orbit_vel, geom.first_line_time,
                                     geom.line_interval, geom.conv_time, geom.sr0, geom.srgr, geom.range_spacing, 10.0)
    assert np.abs(line[0] - g.line).max() < 1.0 and np.abs(pixel[0] - g.pixel).max() < 1.0
