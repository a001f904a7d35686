import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS

from ai4c.core.errors import DependencyMissingError, InputNotFoundError
from ai4c.core.grid import Grid
from ai4c.dem.landsea import check_landsea, land_mask
from ai4c.dem.source import dem_on_grid, open_dem


def _hgt(folder, name="N45E006.hgt", n=1201):
    """A small SRTM-style tile: sea (0) in the west half, a void in one corner, land elsewhere."""
    z = np.full((n, n), 250, ">i2")
    z[:, : n // 2] = 0
    z[:100, -100:] = -32768
    path = folder / name
    z.tofile(path)
    return path, z


def test_hgt_folder_and_land_mask(tmp_path):
    _hgt(tmp_path)
    dem = open_dem(tmp_path)
    assert dem.rio.crs.to_epsg() == 4326 and dem.dtype == np.float32
    assert np.isnan(dem.values[:100, -100:]).all() and float(dem.values[600, 1000]) == 250
    # sample it on a WGS84 grid of 0.01 deg over the tile
    grid = Grid(CRS.from_epsg(4326), Affine(0.01, 0, 6.0, 0, -0.01, 46.0), 100, 100)
    elev = dem_on_grid(dem, grid, "nearest")
    land = land_mask(elev).values
    assert not land[:, :48].any() and land[20:, 52:].all()
    assert not land[:5, -5:].any()  # void = sea (SNAP SRTM 3Sec rule)


def test_geotiff_dem_on_utm_grid(tmp_path):
    path = tmp_path / "dem.tif"
    z = np.arange(100, dtype=np.float32).reshape(10, 10)
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs="EPSG:32633",
                       transform=Affine(100, 0, 0, 0, -100, 1000), nodata=-9999) as dst:
        dst.write(z, 1)
    grid = Grid(CRS.from_epsg(32633), Affine(50, 0, 0, 0, -50, 1000), 20, 20)
    on = dem_on_grid(open_dem(path), grid, "nearest").values
    np.testing.assert_array_equal(on[::2, ::2], z)


def test_landsea_needs_a_dem():
    with pytest.raises(DependencyMissingError, match="--dem PATH"):
        check_landsea("Sea", None)
    assert check_landsea("none", None) == "None"
    with pytest.raises(InputNotFoundError):
        open_dem("/no/such/dem.tif")
