import numpy as np
import xarray as xr
from affine import Affine
from pyproj import CRS
from shapely.geometry import box

from ai4c.core.grid import Grid
from ai4c.optical.masks import gml_polygons, rasterize_polygons, scl_cloud_mask
from conftest import shared


def test_scl_cloud_classes():
    scl = xr.DataArray(np.arange(12, dtype=np.uint8).reshape(3, 4), dims=("y", "x"))
    assert np.flatnonzero(scl_cloud_mask(scl).values).tolist() == [3, 8, 9, 10]


def test_rasterize_counts_pixel_centres():
    grid = Grid(CRS.from_epsg(32633), Affine(10, 0, 0, 0, -10, 100), 10, 10)
    mask = rasterize_polygons([box(0, 50, 30, 100)], grid, block=4).values
    assert mask.sum() == 15 and mask[:5, :3].all()


def test_real_gml_cloud_polygons():
    path = shared("s2", "reference", "gml_masks_L2A_N0212_T07HFE", "MSK_CLOUDS_B00.gml")
    polygons = gml_polygons(path.read_bytes())
    assert len(polygons) >= 10
    union = box(600000, 6483760, 632760, 6500020)
    assert all(union.buffer(1).contains(p) for p in polygons) and sum(p.area for p in polygons) > 1e6
    assert gml_polygons(path.read_bytes(), ("NOPE",)) == []
