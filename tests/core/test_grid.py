import math

import pytest
from pyproj import CRS

from ai4c.core.errors import AoIError, InvalidParameterError
from ai4c.core.grid import aligned_grid, metres_to_degrees, pixel_size, resolve_crs, utm_crs_for


def test_metres_to_degrees_follows_snap_rule():
    assert metres_to_degrees(10) == pytest.approx(8.983152841195214e-05, rel=1e-12)
    assert metres_to_degrees(6378137.0 * math.pi / 180) == pytest.approx(1.0)


def test_pixel_size_in_crs_units():
    assert pixel_size(10, CRS.from_epsg(32633)) == 10
    assert pixel_size(10, CRS.from_epsg(4326)) == pytest.approx(0.0000898315, rel=1e-6)
    with pytest.raises(InvalidParameterError):
        pixel_size(0, CRS.from_epsg(32633))
    with pytest.raises(InvalidParameterError):
        pixel_size(-5, CRS.from_epsg(32633))


def test_resolve_crs_variants():
    assert resolve_crs("WGS84").to_epsg() == 4326
    assert resolve_crs("EPSG:3035").to_epsg() == 3035
    assert resolve_crs("UTM", center_lonlat=(12.5, 42.0)).to_epsg() == 32633
    assert resolve_crs("UTM", center_lonlat=(-70.0, -33.0)).to_epsg() == 32719
    assert resolve_crs("UTM", native=CRS.from_epsg(32634), center_lonlat=(12.5, 42.0)).to_epsg() == 32634
    assert resolve_crs("+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80").is_projected
    assert resolve_crs(CRS.from_epsg(32632).to_wkt()).to_epsg() == 32632
    with pytest.raises(InvalidParameterError):
        resolve_crs("not-a-crs")


def test_utm_zone_edges():
    assert utm_crs_for(0.0, 10).to_epsg() == 32631
    assert utm_crs_for(-0.0001, 10).to_epsg() == 32630
    assert utm_crs_for(179.99, -1).to_epsg() == 32760


def test_aligned_grid_snaps_outward_to_multiples():
    grid = aligned_grid((300005.0, 4999991.0, 300041.0, 5000019.0), CRS.from_epsg(32633), 10.0)
    assert grid.bounds == (300000.0, 4999990.0, 300050.0, 5000020.0)
    assert (grid.width, grid.height) == (5, 3)
    assert grid.x_coords()[0] == 300005.0
    assert grid.y_coords()[0] == 5000015.0
    exact = aligned_grid((0.0, 0.0, 100.0, 100.0), CRS.from_epsg(32633), 20.0)
    assert (exact.width, exact.height) == (5, 5)
    with pytest.raises(AoIError):
        aligned_grid((10.0, 0.0, 10.0, 5.0), CRS.from_epsg(32633), 1.0)
