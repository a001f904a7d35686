"""Range-Doppler geocoding against ESA's own geolocation grid."""

from __future__ import annotations

import numpy as np
from tests.conftest import shared

from ai4c.products.sentinel1 import open_grd
from ai4c.sar.geocoding import RadarGeometry, geocode_grid

XS_GRD = "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"


def _geocode_tie_points(product):
    geom = RadarGeometry.from_product(product)
    g = product.geolocation
    pad = [np.pad(a[None, :], 1, mode="edge") for a in (g.latitude, g.longitude, g.height)]
    line, pixel, _, _ = geocode_grid(*pad, geom.orbit_time, geom.orbit_pos, geom.orbit_vel, geom.first_line_time,
                                     geom.line_interval, geom.conv_time, geom.sr0, geom.srgr, geom.range_spacing, 10.0)
    return line[0] - g.line, pixel[0] - g.pixel


def test_geolocation_grid_round_trip_within_one_pixel():
    for path in (shared("s1", "xarray-sentinel", "tests", "data", XS_GRD),
                 shared("s1", "pyroSAR", "tests", "data",
                        "S1A_IW_GRDH_1SDV_20210119T031653_20210119T031718_036201_043ED0_8255.zip")):
        dline, dpixel = _geocode_tie_points(open_grd(path))
        assert np.abs(dline).max() < 0.5
        assert np.abs(dpixel).max() < 0.05


def test_tiepoint_geocoding_matches_exact_per_pixel():
    from affine import Affine
    from pyproj import CRS

    from ai4c.core.grid import Grid
    from ai4c.sar.geocoding import OK, geocode_block
    from ai4c.sar.tiepoints import geocode_block_fast

    product = open_grd(shared("s1", "xarray-sentinel", "tests", "data", XS_GRD))
    geom = RadarGeometry.from_product(product)
    g = product.geolocation
    lon0, lat0 = float(np.median(g.longitude)), float(np.median(g.latitude))
    step = 9e-5
    grid = Grid(CRS.from_epsg(4326), Affine(step, 0, lon0, 0, -step, lat0), 300, 200)

    def hills(lon, lat):
        return 800 + 600 * np.sin((lon - lon0) * 300) * np.cos((lat - lat0) * 250)

    rows, cols = slice(0, 200), slice(0, 300)
    exact = geocode_block(geom, grid, rows, cols, hills)
    fast = geocode_block_fast(geom, grid, rows, cols, hills)
    ok = (exact[3] == OK) & (fast[3] == OK)
    assert ok.mean() > 0.5
    assert np.abs(exact[0] - fast[0])[ok].max() < 0.02
    assert np.abs(exact[1] - fast[1])[ok].max() < 0.02
    assert (exact[3] == fast[3]).mean() > 0.97  # layover/shadow flags agree except at their edges


def test_lonlat_lattice_matches_the_projection_per_pixel():
    """lonlat_at on a projected grid (PROJ on every 8th row/column, bilinear between) stays within 1e-8 degree
    (~1 mm) of PROJ evaluated at every pixel, on a 10 m UTM block and on fractional, uneven positions."""
    from affine import Affine
    from pyproj import CRS, Transformer

    from ai4c.core.grid import Grid
    from ai4c.sar.rangedoppler import lonlat_at

    grid = Grid(CRS.from_epsg(32633), Affine(10.0, 0, 300000.0, 0, -10.0, 4650000.0), 3000, 3000)
    exact = Transformer.from_crs("EPSG:32633", 4326, always_xy=True).transform
    for rr, cc in ((np.arange(-1, 1025) + 0.5, np.arange(2047, 3072) + 0.5),
                   (np.r_[0.0, 3.3, 17.9, np.linspace(20, 2999, 300)], np.linspace(0, 2999, 97) ** 1.0)):
        lon, lat = lonlat_at(grid, rr, cc)
        x, y = np.meshgrid(300000.0 + 10 * cc, 4650000.0 - 10 * rr)
        lon_e, lat_e = exact(x, y)
        assert np.abs(lon - lon_e).max() < 1e-8 and np.abs(lat - lat_e).max() < 1e-8
