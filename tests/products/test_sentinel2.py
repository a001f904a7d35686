import pytest

from ai4c.core.errors import InvalidParameterError
from ai4c.products.sentinel2 import normalise_band, open_sentinel2, parse_product_xml
from conftest import shared


@pytest.mark.parametrize("text, band", [("B02", "B2"), ("b2", "B2"), ("B8a", "B8A"), ("B08", "B8"), ("12", "B12"),
                                        ("B1", "B1"), ("B10", "B10")])
def test_band_names_with_or_without_leading_zero(text, band):
    assert normalise_band(text) == band


def test_unknown_band_lists_the_valid_ones():
    with pytest.raises(InvalidParameterError, match="B13.*B8A"):
        normalise_band("B13")


def test_every_reference_baseline_parses():
    root = shared("s2", "reference", "real_metadata")
    seen = set()
    for mtd in sorted(root.glob("*/MTD_MSIL*.xml")):
        tile_xml = next(mtd.parent.glob("GRANULE/*/MTD_TL.xml"), None)
        meta = parse_product_xml(mtd.read_bytes(), tile_xml.read_bytes() if tile_xml else None)
        seen.add(meta.baseline)
        assert meta.level in ("L1C", "L2A") and meta.level[1:] in mtd.name.upper()
        assert len(meta.tile) == 5 and meta.tile in mtd.parent.name
        assert meta.quantification == 10000
        assert meta.offsets["B2"] == (-1000 if meta.baseline >= "04.00" and meta.level == "L2A" else 0)
        assert 0 <= meta.cloud_cover <= 100
        assert meta.footprint is not None and meta.footprint.is_valid
        assert -180 <= meta.footprint.bounds[0] <= 180 and -90 <= meta.footprint.bounds[1] <= 90
        assert {"B2", "B8", "B12"} <= set(meta.image_files)
        if tile_xml is not None:
            assert meta.crs.to_epsg() // 100 in (326, 327)
        assert meta.datetime.year >= 2015
    assert {"02.09", "02.12", "02.14", "03.01", "04.00", "05.09"} <= seen


def test_stub_product_reader():
    stub = next(shared("s2", "stactools_L2A_N0214_stub").glob("*.SAFE"))
    product = open_sentinel2(stub)
    meta = product.metadata
    assert (meta.level, meta.baseline, meta.tile) == ("L2A", "02.14", "22HBD")
    assert meta.crs.to_epsg() == 32722 and meta.cloud_cover == pytest.approx(0.447807)
    assert product.band_member("B05").endswith("_B05_20m.jp2")
    assert product.band_member("B1").endswith("_B01_60m.jp2")
    scl = product.scl()
    assert scl.dtype == "uint8" and set(int(v) for v in set(scl.values.ravel())) <= set(range(12))
    b2 = product.reflectance("B2")
    assert b2.dtype == "float32" and 0 < float(b2.mean()) < 0.3
