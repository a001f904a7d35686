"""The S1 GRD simulator: SAFE layout readable by ai4c, xarray-sentinel and sarsen; --template geometry kept."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import shared

from ai4c.products.sentinel1 import open_grd
from ai4c.sar.geocoding import RadarGeometry, geocode_grid
from ai4c.simulate.s1.forward import image_position
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
    assert all(0 < t["line"] < 256 and 0 < t["pixel"] < 300 for t in sim.targets)
    # the geocoding under test puts the planted targets where the simulator's independent truth says
    line, pixel = _geocode(product, [t["lat"] for t in sim.targets], [t["lon"] for t in sim.targets],
                           _truth_heights(sim, sim.targets))
    np.testing.assert_allclose(line, [t["line"] for t in sim.targets], atol=0.01)
    np.testing.assert_allclose(pixel, [t["pixel"] for t in sim.targets], atol=0.01)


def _geocode(product, lat, lon, h):
    """(line, pixel) of ground points by ai4c's range-Doppler geocoding (the code under test)."""
    geom = RadarGeometry.from_product(product)
    pad = [np.pad(np.asarray(a, float)[None, :], 1, mode="edge") for a in (lat, lon, h)]
    line, pixel, _, _ = geocode_grid(*pad, geom.orbit_time, geom.orbit_pos, geom.orbit_vel, geom.first_line_time,
                                     geom.line_interval, geom.conv_time, geom.sr0, geom.srgr, geom.range_spacing, 10.0)
    return line[0], pixel[0]


def _truth_heights(sim, targets) -> np.ndarray:
    """Heights of the truth DEM GeoTIFF at the targets (bilinear, pixel centres), read with rasterio."""
    import rasterio
    from scipy.interpolate import RegularGridInterpolator

    with rasterio.open(sim.truth_path.with_name(sim.truth_path.name.replace(".truth.json", ".truth-dem.tif"))) as src:
        dem, t = src.read(1).astype(float), src.transform
    rows, cols = t.f + t.e * (np.arange(dem.shape[0]) + 0.5), t.c + t.a * (np.arange(dem.shape[1]) + 0.5)
    interp = RegularGridInterpolator((rows[::-1], cols), dem[::-1])
    return interp(np.column_stack([[x["lat"] for x in targets], [x["lon"] for x in targets]]))


@pytest.mark.parametrize("ascending", [False, True])
def test_forward_model_inverts_the_renderer(ascending):
    """The truth's forward model (scipy orbit spline, pyproj, Newton) finds the (line, pixel) the renderer chose
    for each target (placed through radar -> ground), on hilly terrain, to < 0.001 pixel."""
    from ai4c.simulate.s1.geometry import dem_sample
    from ai4c.simulate.s1.grd import _default_targets, _truth_for, synthetic_geometry

    geom = synthetic_geometry((41.9, 12.5), 320, 320, ascending, np.datetime64("2021-06-01T05:26:23.5", "ns"))
    truth = _truth_for(geom, "hilly", 3, None)
    targets = _default_targets(geom, truth)
    lat, lon = np.array(targets).T
    h = np.array([dem_sample(truth.dem.height, truth.dem.geo, a, b) for a, b in targets])
    got = image_position(geom.orbit, geom.conversion, geom.line_interval, geom.spacing, lat, lon, h, geom.samples)
    np.testing.assert_allclose(got[:, 0], np.linspace(0.2, 0.8, 5) * 320, atol=1e-3)
    np.testing.assert_allclose(got[:, 1], np.linspace(0.25, 0.75, 5)[::-1] * 320, atol=1e-3)


def test_truth_does_not_use_the_code_under_test():
    import ast
    from pathlib import Path

    import ai4c.simulate.s1.forward as forward

    tree = ast.parse(Path(forward.__file__).read_text())
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in modules if m.startswith("ai4c.sar")]


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
    # with ESA's own range polynomials (srgr for geocoding, grsr for the truth) the targets agree too
    line, pixel = _geocode(product, [t["lat"] for t in sim.targets], [t["lon"] for t in sim.targets],
                           _truth_heights(sim, sim.targets))
    np.testing.assert_allclose(line, [t["line"] for t in sim.targets], atol=0.01)
    np.testing.assert_allclose(pixel, [t["pixel"] for t in sim.targets], atol=0.01)
