import json
import math

import numpy as np
import pytest
import rasterio

from ai4c.core.grid import metres_to_degrees
from ai4c.pipelines.s2_pre import prepare, run
from products.s2fake import ULX, ULY, make_s2


@pytest.fixture(scope="module")
def l2a(tmp_path_factory):
    return make_s2(tmp_path_factory.mktemp("l2a"), size=60)


def _wkt(x0, y0, x1, y1, crs="EPSG:32633"):
    """A lon/lat WKT polygon of a UTM box."""
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    pts = [tr.transform(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    return "POLYGON((" + ", ".join(f"{x:.9f} {y:.9f}" for x, y in pts) + "))"


def test_exact_reflectance_where_nothing_is_resampled(l2a):
    ds = prepare(l2a.path, bands=("B2", "B08"), cloudmask="None")
    expected = (l2a.dn["B2"].astype(np.float32) + np.float32(l2a.offset)) / np.float32(10000)
    expected[l2a.dn["B2"] == 0] = np.nan
    np.testing.assert_array_equal(ds.reflectance.sel(band="B2").values, expected)
    assert ds.reflectance.dtype == np.float32 and list(ds.band.values) == ["B2", "B8"]
    assert ds.attrs["baseline"] == "05.09" and ds.attrs["tile"] == "33TUM" and ds.attrs["level"] == "L2A"
    ds20 = prepare(l2a.path, bands=("B5",), resolution=20, cloudmask="None")
    np.testing.assert_array_equal(ds20.reflectance[0].values[5:, 5:], (l2a.dn["B5"][5:, 5:] - 1000.0).astype(np.float32) / 10000)


def test_mean_downsampling_and_nearest_upsampling_by_hand(l2a):
    ds = prepare(l2a.path, bands=("B2", "B5"), resolution=20, downsampling="Mean", upsampling="Nearest",
                 cloudmask="None")
    dn = l2a.dn["B2"].astype(np.float64)
    dn[dn == 0] = np.nan
    blocks = ((dn - 1000) / 10000).reshape(30, 2, 30, 2)
    np.testing.assert_allclose(ds.reflectance.sel(band="B2").values[6:, 6:], np.nanmean(blocks, axis=(1, 3))[6:, 6:], rtol=1e-6)
    ds10 = prepare(l2a.path, bands=("B5",), resolution=10, upsampling="Nearest", cloudmask="None")
    np.testing.assert_array_equal(ds10.reflectance[0].values[20:, 20:],
                                  np.repeat(np.repeat((l2a.dn["B5"] - 1000.0) / 10000, 2, 0), 2, 1)[20:, 20:].astype(np.float32))


def test_l2a_cloud_mask_matches_scl(l2a):
    ds = prepare(l2a.path, cloudmask="L2A", upsampling="Nearest")
    scl10 = np.repeat(np.repeat(l2a.scl, 2, 0), 2, 1)
    truth = np.isin(scl10, [3, 8, 9, 10])
    np.testing.assert_array_equal(ds.cloud.values, truth)
    np.testing.assert_array_equal(ds.scl.values, scl10)
    refl = ds.reflectance.values
    assert np.isnan(refl[:, truth]).all()
    assert np.isfinite(refl[:, ~truth & ds.valid.values]).all()


@pytest.mark.parametrize("kind", ["classi", "gml"])
def test_l1c_cloud_masks_and_toa_warning(tmp_path, kind, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    fake = make_s2(tmp_path, level="L1C", baseline="04.00" if kind == "classi" else "02.09", cloud_mask=kind)
    ds = prepare(fake.path, cloudmask="L1C")
    truth = np.repeat(np.repeat(fake.cloud60, 6, 0), 6, 1)
    np.testing.assert_array_equal(ds.cloud.values, truth)
    out = run(fake.path, tmp_path / "out.tif", cloudmask="L2A")
    item = json.loads((tmp_path / "out.tif.stac.json").read_text())
    assert any("sen2cor" in w for w in item["properties"]["ai4c:warnings"])
    assert item["properties"]["processing:level"] == "L1C-TOA"
    with rasterio.open(out) as src:
        assert np.isnan(src.read(1)[truth]).all()


def test_l1c_runs_sen2cor_when_on_path(tmp_path, monkeypatch):
    l2a_product = make_s2(tmp_path / "l2a", size=12)
    l1c = make_s2(tmp_path / "l1c", level="L1C", size=12)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "L2A_Process"
    script.write_text(f"#!/bin/sh\nmkdir -p \"$2\" && cp -r {l2a_product.path} \"$2\"/\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    ds = prepare(l1c.path, cloudmask="L2A")
    assert ds.attrs["level"] == "L2A" and "scl" in ds


def test_aoi_crop_alignment_and_polygon(l2a):
    wkt = _wkt(ULX + 101, ULY - 395, ULX + 333, ULY - 152)
    ds = prepare(l2a.path, aoi=wkt, cloudmask="None")
    left, bottom, right, top = ds.rio.bounds()
    assert all(v % 10 == 0 for v in (left, bottom, right, top))
    assert left <= ULX + 101 and right >= ULX + 333 and right - left <= 250 and top - bottom <= 260
    # a triangle: pixels outside it are no data
    tri = _wkt(ULX + 200, ULY - 500, ULX + 500, ULY - 200).replace("POLYGON((", "POLYGON((").split(", ")
    tri = ", ".join(tri[:2] + tri[3:])
    dst = prepare(l2a.path, aoi=tri, cloudmask="None", bands=("B3",))
    nan_frac = float(np.isnan(dst.reflectance.values).mean())
    assert 0.4 < nan_frac < 0.6


def test_projection_wgs84_and_epsg(l2a):
    ds = prepare(l2a.path, projection="WGS84", cloudmask="L2A")
    assert ds.rio.crs.to_epsg() == 4326
    size = metres_to_degrees(10)
    t = ds.rio.transform()
    assert t.a == pytest.approx(size) and math.isclose(t.c / size, round(t.c / size), abs_tol=1e-6)
    from rasterio.warp import transform_bounds

    west, south, east, north = ds.rio.bounds()
    w, s, e, n = transform_bounds("EPSG:32633", "EPSG:4326", ULX, ULY - 600, ULX + 600, ULY, densify_pts=21)
    assert west <= w < west + size and south <= s < south + size and east - size < e <= east and north - size < n <= north
    assert np.isfinite(ds.reflectance.values).mean() > 0.3
    merc = prepare(l2a.path, projection="EPSG:3857", resolution=20, cloudmask="None")
    assert merc.rio.crs.to_epsg() == 3857 and merc.rio.transform().a == 20


def test_land_sea_mask_with_dem(l2a, tmp_path):
    dem = tmp_path / "dem.tif"
    z = np.zeros((60, 60), np.float32)
    z[:, 30:] = 120.0
    with rasterio.open(dem, "w", driver="GTiff", width=60, height=60, count=1, dtype="float32", crs="EPSG:32633",
                       transform=rasterio.Affine(10, 0, ULX, 0, -10, ULY)) as dst:
        dst.write(z, 1)
    sea = prepare(l2a.path, landseamask="Sea", dem=dem, cloudmask="None").reflectance.values
    land = prepare(l2a.path, landseamask="Land", dem=dem, cloudmask="None").reflectance.values
    assert np.isnan(sea[:, :, :30]).all() and np.isfinite(sea[:, 20:, 30:]).all()
    assert np.isnan(land[:, :, 30:]).all() and np.isfinite(land[:, 20:, 10:30]).all()


def test_zipped_equals_unzipped_and_folder_output(tmp_path):
    folder = make_s2(tmp_path / "a", seed=3, size=30)
    zipped = make_s2(tmp_path / "b", seed=3, size=30, zip_it=True)
    outdir = tmp_path / "out"
    outdir.mkdir()
    first = run(folder.path, outdir, cloudmask="L2A")
    assert first.name == folder.path.name.removesuffix(".SAFE") + ".tif"
    second = run(zipped.path, tmp_path / "zipped.tif", cloudmask="L2A")
    with rasterio.open(first) as a, rasterio.open(second) as b:
        np.testing.assert_array_equal(a.read(), b.read())
        assert a.descriptions == ("B2", "B3", "B4", "B8") and a.dtypes[0] == "float32" and math.isnan(a.nodata)


def test_distributed_local_cluster_equals_local(l2a, tmp_path):
    from ai4c.cli.s2_pre import main

    local = run(l2a.path, tmp_path / "local.tif", cloudmask="L2A", resolution=20, downsampling="Mean")
    dist = tmp_path / "dist.tif"
    assert main(["--input", str(l2a.path), "--output_path", str(dist), "--cloudmask", "L2A", "--resolution", "20",
                 "--downsampling", "Mean", "--scheduler", "local:2", "--quiet"]) == 0
    with rasterio.open(local) as a, rasterio.open(dist) as b:
        np.testing.assert_array_equal(a.read(), b.read())


def test_stub_n0214_product_runs(tmp_path):
    from conftest import shared

    stub = next(shared("s2", "stactools_L2A_N0214_stub").glob("*.SAFE"))
    out = run(stub, tmp_path, resolution=1098, cloudmask="L2A", quicklook=True)
    with rasterio.open(out) as src:
        data = src.read()
        assert src.crs.to_epsg() == 32722 and src.count == 4
    finite = data[np.isfinite(data)]
    assert finite.size > 0.5 * data.size and 0.0 < float(np.median(finite)) < 0.5
    assert out.with_suffix(".png").exists()
