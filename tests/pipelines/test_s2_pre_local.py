"""The threaded one-pass path of S2-preprocess (pipelines.s2_pre_local): same pixels as the dask graph, the
simulator's truth, whole JPEG2000 tiles per strip, and no xarray/dask/numba on the command path."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from tests.conftest import triangle_in

from ai4c.core.graph import Context, default_graph
from ai4c.pipelines import s2_pre, s2_pre_local

sim = pytest.importorskip("ai4c.simulate.s2.product")


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    return sim.simulate_s2(tmp_path_factory.mktemp("local"), level="L2A", baseline="05.09", size=96, seed=7)


@pytest.fixture(scope="module")
def aoi(product):
    """A lon/lat triangle inside the product (its corners at fractions of the tile's extent)."""
    return triangle_in(product, (0.2, 0.8, 0.5, 0.2), (0.3, 0.2, 0.85, 0.3))


def _graph(product: Path, out: Path, **values) -> np.ndarray:
    params = s2_pre._parameters(None, dict(values))
    default_graph(s2_pre.GRAPH).run(Context(inputs=[product], output_path=out), parameters=params)
    with rasterio.open(out) as ds:
        return ds.read()


def _local(product: Path, out: Path, **values) -> np.ndarray:
    written = s2_pre_local.run_local(product, out, s2_pre._parameters(None, dict(values)))
    assert written == out
    with rasterio.open(out) as ds:
        return ds.read()


@pytest.mark.parametrize("values", [
    {"cloudmask": "L2A"},
    {"cloudmask": "L2A", "resolution": 20, "downsampling": "Mean"},
    {"cloudmask": "None", "resolution": 20, "downsampling": "Max", "bands": "B2,B5,B8A,B12", "upsampling": "Bilinear"},
    {"cloudmask": "L2A", "bands": "B4,B11", "upsampling": "Bicubic", "aoi": "AOI"},
    {"cloudmask": "L2A", "resolution": 60, "downsampling": "Median", "flagdownsampling": "FlagMedianOr"},
])
def test_same_pixels_as_the_graph_in_small_strips(product, aoi, tmp_path, monkeypatch, values):
    values = {k: aoi if v == "AOI" else v for k, v in values.items()}
    monkeypatch.setattr(s2_pre_local, "MAX_STRIP_ROWS", 7)  # many strips, none a whole number of tiles
    local = _local(product, tmp_path / "local.tif", **values)
    graph = _graph(product, tmp_path / "graph.tif", **values)
    assert local.shape == graph.shape and np.isfinite(local).mean() > 0.2
    np.testing.assert_allclose(local, graph, rtol=1e-6, atol=0, equal_nan=True)


def test_truth_at_10_and_20_m(product, tmp_path):
    truth = sim.load_truth(product)
    scl20 = truth["scl_20m"].values
    cloud10 = np.isin(np.repeat(np.repeat(scl20, 2, 0), 2, 1), (3, 8, 9, 10))
    ten = _local(product, tmp_path / "ten.tif", cloudmask="L2A", bands="B2,B8")
    expected = truth["reflectance"].sel(band=["B02", "B08"]).values
    kept = np.isfinite(ten)
    assert kept.mean() > 0.3 and np.array_equal(ten[kept], expected[kept].astype(np.float32))
    assert not kept[:, cloud10].any()
    twenty = _local(product, tmp_path / "twenty.tif", cloudmask="None", resolution=20, downsampling="Mean", bands="B2")
    b2 = np.where(truth["nodata"].values, np.nan, expected[0]).reshape(48, 2, 48, 2)  # DN 0 is no data
    count = np.isfinite(b2).sum(axis=(1, 3))
    means = np.where(count > 0, np.nansum(b2, axis=(1, 3)) / np.maximum(count, 1), np.nan)
    assert np.array_equal(np.isnan(twenty[0]), np.isnan(means))
    np.testing.assert_allclose(twenty[0], means, rtol=1e-6, equal_nan=True)


def test_outputs_beside_the_raster(product, aoi, tmp_path):
    out = tmp_path / "aoi.tif"
    _local(product, out, cloudmask="L2A", bands="B2,B3,B4", aoi=aoi, quicklook=True)
    item = json.loads(out.with_name("aoi.tif.stac.json").read_text())
    assert item["properties"]["ai4c:bands"] == ["B2", "B3", "B4"]
    assert item["properties"]["ai4c:parameters"]["resolution"] == 10.0
    with rasterio.open(out) as ds:
        assert ds.descriptions == ("B2", "B3", "B4") and ds.profile["compress"] == "deflate"
        assert item["properties"]["proj:shape"] == [ds.height, ds.width] and ds.height < 96
    assert out.with_suffix(".png").stat().st_size > 0


def test_cases_it_leaves_to_the_graph(product, tmp_path):
    for values in ({"projection": "WGS84"}, {"cloudmask": "L1C"}, {"output_format": "netCDF"},
                   {"landseamask": "Sea", "dem": str(tmp_path)}):
        assert s2_pre_local.run_local(product, tmp_path / "x.tif", s2_pre._parameters(None, dict(values))) is None
    assert not (tmp_path / "x.tif").exists()


def test_strips_hold_whole_tiles():
    from affine import Affine

    from ai4c.core.grid import Grid

    class File:
        block_shape = (640, 1024)

    grid = Grid(None, Affine(10, 0, 0, 0, -10, 0), 10980, 10980)
    band = s2_pre_local.Source(File(), Grid(None, Affine(10, 0, 0, 0, -10, 0), 10980, 10980), "First")
    strips = s2_pre_local.strip_bounds(grid, [band])
    assert strips[0] == (0, 640) and strips[-1][1] == 10980
    assert all(a[1] == b[0] for a, b in zip(strips, strips[1:], strict=False))
    shifted = Grid(None, Affine(10, 0, 1000, 0, -10, -1000), 500, 1000)  # an AoI crop 100 rows below the top
    assert s2_pre_local.strip_bounds(shifted, [band])[0] == (0, 540)


def test_command_path_imports_no_dask_xarray_numba_boto3(product, tmp_path):
    code = ("import sys; from ai4c.cli.main import main; "
            f"code = main(['s2-pre', '--input', r'{product}', '--output_path', r'{tmp_path / 'o.tif'}', "
            "'--cloudmask', 'L2A', '--resolution', '20', '--downsampling', 'Mean', '--quiet']); "
            "print(sorted(m for m in ('dask', 'xarray', 'numba', 'distributed', 'boto3') if m in sys.modules), code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "0"], done.stderr
    assert (tmp_path / "o.tif").exists()


def test_stac_item_as_the_graph_writes_it(product, aoi, tmp_path):
    """The footprint computed while decoding: the same geometry, bbox and proj fields as the graph's Item."""
    values = {"cloudmask": "L2A", "resolution": 20, "downsampling": "Mean", "aoi": aoi}
    _local(product, tmp_path / "local.tif", **values)
    _graph(product, tmp_path / "graph.tif", **values)
    local, graph = (json.loads((tmp_path / f"{name}.tif.stac.json").read_text()) for name in ("local", "graph"))
    np.testing.assert_allclose(local["bbox"], graph["bbox"], atol=1e-9)
    np.testing.assert_allclose(local["geometry"]["coordinates"], graph["geometry"]["coordinates"], atol=1e-9)
    for key in ("proj:code", "proj:shape", "proj:transform", "proj:bbox", "ai4c:bands", "processing:level"):
        assert local["properties"][key] == graph["properties"][key], key


def test_pool_threads_decode_on_themselves_only():
    """one_decoding_thread sets GDAL_NUM_THREADS=1 for the pool's threads, not for the main thread (whose
    GeoTIFF writing keeps its own threads)."""
    from concurrent.futures import ThreadPoolExecutor

    from rasterio._env import get_gdal_config

    before = get_gdal_config("GDAL_NUM_THREADS")
    with ThreadPoolExecutor(2, initializer=s2_pre_local.one_decoding_thread) as pool:
        seen = list(pool.map(lambda _: get_gdal_config("GDAL_NUM_THREADS"), range(4)))
    assert [str(v) for v in seen] == ["1"] * 4
    assert get_gdal_config("GDAL_NUM_THREADS") == before
