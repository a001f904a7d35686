"""The SAR product interface: the GRD reader implements it, and a slant-range (SLC-like) image described
only through it geocodes onto the annotation's own tie points."""

from __future__ import annotations

import dataclasses

import numpy as np
from pyproj import Transformer
from tests.conftest import shared

from ai4c.products.sentinel1 import CoordinateConversion, open_grd
from ai4c.sar.datamodel import LookupTable, NoiseLuts, RadarImageGeometry, SarProduct, StateVectors
from ai4c.sar.geocoding import RadarGeometry, geocode_grid
from ai4c.sar.orbit import HermiteOrbit

XS_GRD = "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"
PYROSAR_GRD = "S1A_IW_GRDH_1SDV_20210119T031653_20210119T031718_036201_043ED0_8255.zip"
C = 299792458.0


def _product():
    return open_grd(shared("s1", "xarray-sentinel", "tests", "data", XS_GRD))


def test_grd_reader_implements_the_interface():
    product = open_grd(shared("s1", "pyroSAR", "tests", "data", PYROSAR_GRD))
    assert isinstance(product, SarProduct) and isinstance(product, RadarImageGeometry)
    assert isinstance(product.orbit, StateVectors)
    assert isinstance(product.calibration, LookupTable) and isinstance(product.noise, NoiseLuts)
    assert isinstance(HermiteOrbit(product.orbit), HermiteOrbit)


def test_zero_doppler_times_of_the_tie_points():
    product = _product()
    g = product.geolocation
    to_ecef = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    points = np.column_stack(to_ecef.transform(g.longitude, g.latitude, g.height))
    t = HermiteOrbit(product.orbit).zero_doppler_time(points, float(np.median(g.azimuth_time)))
    # ESA's azimuth times of its own tie points, to a small fraction of a line (~1.5 ms)
    assert np.abs(t - g.azimuth_time).max() < 0.25 * product.azimuth_time_interval


def test_slant_range_image_through_the_interface():
    """An SLC-like view of the same acquisition (slant-range columns: one conversion record, srgr = [0, 1],
    spacing c / 2fs) puts each tie point at the column of its annotated slant range time."""
    product = _product()
    g = product.geolocation
    near = C * product.slant_range_time / 2
    slant = dataclasses.replace(
        product, range_pixel_spacing=C / (2 * product.range_sampling_rate),
        conversion=CoordinateConversion(np.array([0.0]), np.array([near]), np.array([[0.0, 1.0]]),
                                        np.array([0.0]), np.array([[0.0, 1.0]])))
    assert isinstance(slant, SarProduct)
    geom = RadarGeometry.from_product(slant)
    pad = [np.pad(a[None, :], 1, mode="edge") for a in (g.latitude, g.longitude, g.height)]
    _, pixel, _, _ = geocode_grid(*pad, geom.orbit_time, geom.orbit_pos, geom.orbit_vel, geom.first_line_time,
                                  geom.line_interval, geom.conv_time, geom.sr0, geom.srgr, geom.range_spacing, 10.0)
    expected = (g.slant_range_time - product.slant_range_time) * product.range_sampling_rate
    assert np.abs(pixel[0] - expected).max() < 0.05


def test_sar_depends_on_the_interface_only():
    import ast
    from pathlib import Path

    import ai4c.sar

    for path in Path(ai4c.sar.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.startswith(("ai4c.products", "ai4c.simulate", "rasterio"))], path.name
