import numpy as np
import pytest
import rasterio
import xarray as xr

from ai4c.core.errors import InvalidParameterError, OutputError
from ai4c.core.io import atomic_path, write_raster
from ai4c.core.stac import item_path_for, write_item


def _raster(dtype="float32"):
    data = np.arange(2 * 30 * 40, dtype=dtype).reshape(2, 30, 40)
    da = xr.DataArray(data, dims=("band", "y", "x"),
                      coords={"band": ["B4", "B8"], "y": 5000000 - 10 * (np.arange(30) + 0.5),
                              "x": 300000 + 10 * (np.arange(40) + 0.5)})
    return da.rio.write_crs("EPSG:32633")


@pytest.mark.parametrize("fmt", ["GeoTIFF", "COG", "ENVI"])
def test_gdal_formats_roundtrip(tmp_path, fmt):
    da = _raster()
    path = write_raster(da.chunk({"y": 7}), tmp_path / "out.tif", fmt)
    with rasterio.open(path) as src:
        assert src.count == 2
        assert src.crs.to_epsg() == 32633
        assert src.transform.c == 300000 and src.transform.f == 5000000 and src.transform.a == 10
        np.testing.assert_array_equal(src.read(), da.values)
        if fmt != "ENVI":
            assert src.descriptions == ("B4", "B8")
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def test_geotiff_is_tiled_and_compressed(tmp_path):
    path = write_raster(_raster(), tmp_path / "out.tif")
    with rasterio.open(path) as src:
        assert src.profile["tiled"] and src.compression.name.lower() == "deflate"
        assert np.isnan(src.nodata)


@pytest.mark.parametrize("fmt,name", [("netCDF", "out.nc"), ("Zarr", "out.zarr")])
def test_xarray_formats_roundtrip(tmp_path, fmt, name):
    da = _raster().rename("reflectance")
    path = write_raster(da, tmp_path / name, fmt)
    ds = xr.open_dataset(path, engine="zarr" if fmt == "Zarr" else "h5netcdf")
    np.testing.assert_array_equal(ds["reflectance"].values, da.values)
    assert list(ds["band"].values) == ["B4", "B8"]


def test_unknown_format_and_unwritable_output(tmp_path):
    with pytest.raises(InvalidParameterError, match="unknown"):
        write_raster(_raster(), tmp_path / "x.tif", "NoSuchDriver")
    written = write_raster(_raster(), tmp_path / "missing" / "deeper" / "x.tif")   # folders are created
    assert written.is_file()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="afile is a file"):
        write_raster(_raster(), tmp_path / "afile" / "x.tif")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "result.tif"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_stac_item_beside_product(tmp_path):
    import json

    da = _raster()
    path = write_raster(da, tmp_path / "out.tif")
    item = write_item(path, raster=da, inputs=["a.SAFE"], parameters={"bands": ("B4", "B8"), "res": 10.0},
                      warnings=["top of atmosphere"])
    assert item == item_path_for(path)
    body = json.loads(item.read_text())
    assert body["properties"]["ai4c:parameters"] == {"bands": ["B4", "B8"], "res": 10.0}
    assert body["properties"]["proj:shape"] == [30, 40]
    assert body["properties"]["ai4c:warnings"] == ["top of atmosphere"]
    west, south, east, north = body["bbox"]
    assert 12.4 < west < east < 12.5 and 45.1 < south < north < 45.2
