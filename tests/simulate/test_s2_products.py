"""Zip equals folder, determinism, GML and MSK_CLASSI masks against the truth, metadata like the real files."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from lxml import etree
from rasterio import features
from rasterio.transform import Affine
from s2_fixtures import s2_product_fixture  # noqa: F401  (the s2_product fixture)
from shapely.geometry import Polygon

from ai4c.simulate.s2.product import load_truth, simulate_s2, truth_path
from ai4c.simulate.scene.truth import make_scene
from conftest import shared


def _tree(product: Path) -> dict[str, bytes]:
    return {p.relative_to(product).as_posix(): p.read_bytes() for p in product.rglob("*") if p.is_file()}


def test_zip_equals_folder(tmp_path, s2_product):
    folder = s2_product("L2A", "05.09")
    archive = s2_product("L2A", "05.09", zip=True)
    assert archive.suffix == ".zip" and archive.name == folder.name.replace(".SAFE", ".zip")
    assert truth_path(archive).exists() and not (archive.parent / folder.name).exists()
    with zipfile.ZipFile(archive) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        assert all(n.startswith(folder.name + "/") for n in zf.namelist())
        zipped = {n.split("/", 1)[1]: zf.read(n) for n in names}
    assert zipped == _tree(folder)
    with rasterio.open(archive) as ds:  # GDAL's SENTINEL2 driver reads ESA-style zips directly
        names = ds.subdatasets
    with rasterio.open(names[0]) as sub, rasterio.open(f"SENTINEL2_L2A:{folder}/MTD_MSIL2A.xml:10m:EPSG_32633") as ref:
        assert np.array_equal(sub.read(), ref.read())


def test_same_seed_same_product_other_seed_differs(tmp_path, s2_product):
    first = s2_product("L1C", "04.00")
    again = simulate_s2(tmp_path / "again", level="L1C", baseline="04.00", size=64, seed=3)
    assert _tree(first) == _tree(again)
    a, b = load_truth(first), load_truth(again)
    for name in ("reflectance", "landcover", "dem", "cloud", "scl_truth"):
        assert np.array_equal(a[name].values, b[name].values)
    other = make_scene(64, 4)
    assert (a.landcover.values != other.landcover.values).mean() > 0.2


def _gml_polygons(path: Path) -> dict[str, list[Polygon]]:
    """Mask type -> polygons, parsed from an eop:Mask GML file."""
    ns = {"eop": "http://www.opengis.net/eop/2.0", "gml": "http://www.opengis.net/gml/3.2"}
    out: dict[str, list[Polygon]] = {}
    for feat in etree.parse(str(path)).iterfind(".//eop:MaskFeature", ns):
        kind = feat.findtext("eop:maskType", namespaces=ns)
        rings = []
        for pos in feat.iterfind(".//gml:posList", ns):
            dims = int(pos.get("srsDimension"))
            rings.append(np.array(pos.text.split(), float).reshape(-1, dims)[:, :2])
        out.setdefault(kind, []).append(Polygon(rings[0], rings[1:]))
    return out


@pytest.mark.parametrize("level", ["L1C", "L2A"])
def test_gml_cloud_mask_matches_truth(s2_product, level):
    product = s2_product(level, "02.14")
    truth = load_truth(product)
    qi = next(product.glob("GRANULE/*/QI_DATA"))
    polygons = _gml_polygons(qi / "MSK_CLOUDS_B00.gml")
    assert set(polygons) == {"OPAQUE", "CIRRUS"}
    t60 = Affine(60, 0, 399960, 0, -60, 5400000)
    for kind, name in (("OPAQUE", "cloud"), ("CIRRUS", "cirrus")):
        raster = features.rasterize(polygons[kind], out_shape=(11, 11), transform=t60).astype(bool)
        assert np.array_equal(raster, truth[name].values[::6, ::6])
    nodata = _gml_polygons(qi / "MSK_NODATA_B04.gml")["QT_NODATA_PIXELS"]
    raster = features.rasterize(nodata, out_shape=(64, 64), transform=Affine(10, 0, 399960, 0, -10, 5400000))
    assert np.array_equal(raster.astype(bool), truth.nodata.values)
    assert _gml_polygons(qi / "MSK_DEFECT_B01.gml") == {}


@pytest.mark.parametrize("name", ["MSK_CLOUDS_B00.gml", "MSK_NODATA_B01.gml", "MSK_DEFECT_B01.gml"])
def test_gml_is_built_like_the_real_one(s2_product, name):
    real = shared("s2", "reference", "gml_masks_L2A_N0212_T07HFE", name)
    mine = next(s2_product("L2A", "02.14").glob(f"GRANULE/*/QI_DATA/{name}"))
    interior = re.compile(r"/gml:interior.*")
    assert {interior.sub("", p) for p in _md_paths(mine)} == {interior.sub("", p) for p in _md_paths(real)}
    assert set(_gml_polygons(real)) == set(_gml_polygons(mine))


@pytest.mark.parametrize("level", ["L1C", "L2A"])
def test_msk_classi_matches_truth(s2_product, level):
    product = s2_product(level, "05.09")
    truth = load_truth(product)
    with rasterio.open(next(product.glob("GRANULE/*/QI_DATA/MSK_CLASSI_B00.jp2"))) as src:
        assert src.count == 3 and src.res == (60, 60) and src.shape == (11, 11)
        opaque, cirrus, snow = src.read().astype(bool)
    assert np.array_equal(opaque, truth.cloud.values[::6, ::6]) and opaque.any()
    assert np.array_equal(cirrus, truth.cirrus.values[::6, ::6])
    assert np.array_equal(snow, truth.landcover.values[::6, ::6] == 6)


def _md_paths(path: Path) -> set[str]:
    tree = etree.parse(str(path))
    return {re.sub(r"\[\d+\]", "", tree.getpath(el)) for el in tree.iter() if isinstance(el.tag, str)}


METADATA = [("L2A", "05.09", "*N0509*T01WCP*022157.SAFE"), ("L2A", "04.00", "*N0400*"), ("L2A", "02.14", "esa_*"),
            ("L1C", "02.14", "*MSIL1C*N0301*")]


@pytest.mark.parametrize("level,baseline,real", METADATA)
def test_metadata_elements_equal_the_real_files(s2_product, level, baseline, real):
    folder = next(shared("s2", "reference", "real_metadata").glob(real))
    product = s2_product(level, baseline)
    name = f"MTD_MSI{level}.xml"
    assert _md_paths(product / name) == _md_paths(folder / name)
    assert _md_paths(next(product.glob("GRANULE/*/MTD_TL.xml"))) == _md_paths(next(folder.glob("GRANULE/*/MTD_TL.xml")))


@pytest.mark.parametrize("level,baseline", [("L2A", "05.09"), ("L2A", "02.14"), ("L1C", "04.00")])
def test_metadata_values_readers_use(s2_product, level, baseline):
    product = s2_product(level, baseline)
    mtd = etree.parse(str(product / f"MTD_MSI{level}.xml"))
    quant = mtd.findtext(".//BOA_QUANTIFICATION_VALUE" if level == "L2A" else ".//QUANTIFICATION_VALUE")
    assert quant == "10000"
    offsets = mtd.xpath("//BOA_ADD_OFFSET/text() | //RADIO_ADD_OFFSET/text()")
    assert offsets == (["-1000"] * 13 if baseline >= "04.00" else [])
    files = mtd.xpath("//Granule/IMAGE_FILE/text()")
    assert all((product / f"{f}.jp2").exists() for f in files)
    assert len(files) == (14 if level == "L1C" else 36 if baseline >= "04.00" else 35)
    tile = etree.parse(str(next(product.glob("GRANULE/*/MTD_TL.xml"))))
    assert tile.findtext(".//HORIZONTAL_CS_CODE") == "EPSG:32633"
    sizes = {s.get("resolution"): (s.findtext("NROWS"), s.findtext("NCOLS")) for s in tile.iter("Size")}
    assert sizes == {"10": ("64", "64"), "20": ("32", "32"), "60": ("11", "11")}
    assert {g.findtext("ULX") for g in tile.iter("Geoposition")} == {"399960"}
    truth = load_truth(product)
    scl = truth.scl_20m.values
    expected = 100.0 * np.isin(scl[scl != 0], (8, 9, 10)).mean()
    assert float(mtd.findtext(".//Cloud_Coverage_Assessment")) == pytest.approx(expected, abs=1e-5)
    assert float(tile.findtext(".//CLOUDY_PIXEL_PERCENTAGE")) == pytest.approx(expected, abs=1e-5)
    masks = tile.xpath("//MASK_FILENAME/text()")
    assert masks and all((product / m).exists() for m in masks)


def test_cli_writes_product_and_reports_bad_input(run_cli, tmp_path):
    code, out, _ = run_cli("simulate", "s2", "--level", "L1C", "--baseline", "04.00", "--size", "64", "--date",
                           "20220317", "--seed", "5", "--bands", "B2,B8", "--cloud-cover", "0", "--output", tmp_path)
    assert code == 0
    product = Path(out.splitlines()[0])
    clear = load_truth(product)
    assert not (clear.cloud.values.any() or clear.cirrus.values.any() or clear.shadow.values.any())
    assert product.is_dir() and "_MSIL1C_20220317T" in product.name and truth_path(product).exists()
    assert sorted(p.name[-7:] for p in product.glob("GRANULE/*/IMG_DATA/*.jp2")) == ["B02.jp2", "B08.jp2", "TCI.jp2"]
    for args, word in ((["--baseline", "03.99"], "baseline"), (["--bands", "B13"], "B13"), (["--date", "2023"], "date"),
                       (["--size", "0"], "size"), (["--cloud-cover", "1.5"], "cloud_cover")):
        code, _, err = run_cli("simulate", "s2", "--output", tmp_path / "bad", *args)
        assert code == 2 and word in err and err.count("\n") == 1
    assert not (tmp_path / "bad").exists() or not any((tmp_path / "bad").iterdir())


def _jp2_properties(root: Path) -> dict[str, tuple]:
    """File name without tile/time -> (band count, dtype, nodata, georeferenced) of every granule JP2."""
    out = {}
    for path in root.glob("GRANULE/*/**/*.jp2"):
        key = re.sub(r"T\d\d[A-Z]{3}_\d{8}T\d{6}_", "", path.name)
        with rasterio.open(path) as src:
            out[key] = (src.count, src.dtypes[0], src.nodata, src.crs is not None)
    return out


def test_jp2_files_are_typed_like_the_real_stub(s2_product):
    stub = next(shared("s2", "stactools_L2A_N0214_stub").glob("*.SAFE"))
    assert _jp2_properties(s2_product("L2A", "02.14")) == _jp2_properties(stub)


def test_render_any_truth_without_optional_layers(tmp_path):
    import xarray as xr

    from ai4c.simulate.s2.product import render_s2
    from ai4c.simulate.scene.truth import BANDS

    rng = np.random.default_rng(0)
    refl = (rng.integers(1, 3000, (13, 48, 48)) / 10000).astype(np.float32)
    refl[:, 10:20, 10:20] = 0.6  # a planted bright target
    truth = xr.Dataset({"reflectance": (("band", "y", "x"), refl)},
                       coords={"band": list(BANDS), "y": 5400000 - 5 - 10 * np.arange(48),
                               "x": 399965 + 10 * np.arange(48)})
    truth = truth.rio.write_crs("EPSG:32633").rio.write_transform(Affine(10, 0, 399960, 0, -10, 5400000))
    before = truth.reflectance.values.copy()
    product = render_s2(truth, tmp_path, level="L2A", baseline="04.00", date="20220101", bands=["B4"])
    assert np.array_equal(truth.reflectance.values, before)  # the caller's truth is not modified
    with rasterio.open(next(product.glob("GRANULE/*/IMG_DATA/R10m/*_B04_10m.jp2"))) as src:
        dn = src.read(1)
    assert np.array_equal(((dn.astype(np.float64) - 1000) / 10000).astype(np.float32), before[3])
    assert (dn[10:20, 10:20] == 7000).all() and (dn != 0).all()
    loaded = load_truth(product)
    assert list(loaded.band.values) == ["B04"] and (loaded.scl_20m.values == 5).all()
