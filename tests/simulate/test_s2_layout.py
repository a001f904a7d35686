"""The SAFE tree per level and baseline equals the real products' file lists (built-in and shared data)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from s2_fixtures import s2_product_fixture  # noqa: F401  (the s2_product fixture)

from ai4c.simulate.s2.layout import SafeLayout
from conftest import shared

CASES = [("L2A", "05.09"), ("L2A", "04.00"), ("L2A", "02.14"), ("L1C", "05.09"), ("L1C", "04.00"), ("L1C", "02.14")]
BANDS = "B01 B02 B03 B04 B05 B06 B07 B08 B8A B09 B10 B11 B12".split()
L2A_IMAGES = {10: "B02 B03 B04 B08 TCI AOT WVP", 20: "B01 B02 B03 B04 B05 B06 B07 B8A B11 B12 TCI AOT WVP SCL",
              60: "B01 B02 B03 B04 B05 B06 B07 B8A B09 B11 B12 TCI AOT WVP SCL"}
COUNTS = {("L2A", "05.09"): 87, ("L2A", "04.00"): 87, ("L2A", "02.14"): 124, ("L1C", "05.09"): 60,
          ("L1C", "04.00"): 60, ("L1C", "02.14"): 98}


def pattern(rel: str) -> str:
    """A file path with tile, times, orbit and processing centre replaced by placeholders."""
    rel = re.sub(r"T\d{2}[A-Z]{3}", "{tile}", rel)
    rel = re.sub(r"\d{8}T\d{6}", "{t}", rel)
    rel = re.sub(r"_A\d{6}_", "_{abs}_", rel)
    return re.sub(r"DS_[A-Z0-9_]{4}_", "DS_{c}_", rel)


def files_on_disk(product: Path) -> set[str]:
    return {p.relative_to(product).as_posix() for p in product.rglob("*") if p.is_file()}


def builtin_l2a_0509() -> set[str]:
    """The file list of a real L2A N0509 product, restated by hand (patterns)."""
    g, ds = "GRANULE/L2A_{tile}_{abs}_{t}", "DATASTRIP/DS_{c}_{t}_S{t}"
    files = {"MTD_MSIL2A.xml", "INSPIRE.xml", "manifest.safe", "HTML/UserProduct_index.html",
             "HTML/UserProduct_index.xsl", f"{ds}/MTD_DS.xml", f"{g}/MTD_TL.xml", f"{g}/QI_DATA/{{tile}}_{{t}}_PVI.jp2",
             f"{g}/AUX_DATA/AUX_ECMWFT", f"{g}/AUX_DATA/AUX_CAMSFO", f"{g}/QI_DATA/MSK_CLASSI_B00.jp2"}
    files |= {f"{g}/IMG_DATA/R{r}m/{{tile}}_{{t}}_{k}_{r}m.jp2" for r, kinds in L2A_IMAGES.items() for k in kinds.split()}
    files |= {f"{g}/QI_DATA/MSK_{k}_{r}m.jp2" for k in ("CLDPRB", "SNWPRB") for r in (20, 60)}
    files |= {f"{g}/QI_DATA/MSK_{k}_{b}.jp2" for k in ("DETFOO", "QUALIT") for b in BANDS}
    files |= {f"{g}/QI_DATA/{q}.xml" for q in ("FORMAT_CORRECTNESS", "GENERAL_QUALITY", "GEOMETRIC_QUALITY",
                                                 "SENSOR_QUALITY", "L2A_QUALITY")}
    files |= {f"{ds}/QI_DATA/{q}.xml" for q in ("FORMAT_CORRECTNESS", "GENERAL_QUALITY", "GEOMETRIC_QUALITY",
                                                  "RADIOMETRIC_QUALITY", "SENSOR_QUALITY")}
    return files


@pytest.mark.parametrize("level,baseline", CASES)
def test_written_tree_is_the_layout(s2_product, level, baseline):
    product = s2_product(level, baseline)
    layout = SafeLayout(level, baseline, "33UVP", "20230625")
    assert product.name == layout.product_name
    assert re.fullmatch(rf"S2A_MSI{level}_20230625T\d{{6}}_N{baseline.replace('.', '')}_R\d{{3}}_T33UVP_\d{{8}}T\d{{6}}"
                        r"\.SAFE", product.name)
    assert files_on_disk(product) == set(layout.all_files())
    assert len(files_on_disk(product)) == COUNTS[(level, baseline)]


def test_builtin_l2a_0509_list(s2_product):
    assert {pattern(f) for f in files_on_disk(s2_product("L2A", "05.09"))} == builtin_l2a_0509()


def test_builtin_l1c_and_gml_rules():
    l1c = {pattern(f) for f in SafeLayout("L1C", "02.14", "33UVP", "20230625").all_files()}
    g = "GRANULE/L1C_{tile}_{abs}_{t}"
    assert {f"{g}/IMG_DATA/{{tile}}_{{t}}_{b}.jp2" for b in BANDS + ["TCI"]} <= l1c
    assert not any("/R10m/" in f for f in l1c)
    gml = {f for f in l1c if f.endswith(".gml")}
    assert len(gml) == 5 * 13 + 1 and f"{g}/QI_DATA/MSK_CLOUDS_B00.gml" in gml
    assert not any(f.endswith("MSK_CLASSI_B00.jp2") for f in l1c)
    l2a_old = {pattern(f) for f in SafeLayout("L2A", "02.14", "33UVP", "20230625").all_files()}
    assert not any("B01_20m" in f for f in l2a_old) and not any("AUX_CAMSFO" in f for f in l2a_old)


def _csv_patterns(name: str) -> set[str]:
    path = shared("s2", "reference", "sentinelhub_safe_layouts", name)
    rows = [line.split(";")[1].strip() for line in path.read_text().splitlines() if ";" in line]
    return {pattern(r.split("/", 1)[1]) for r in rows}


def _manifest_patterns(glob: str) -> set[str]:
    path = next(shared("s2", "reference", "real_metadata").glob(glob))
    return {pattern(e.get("href").removeprefix("./")) for e in etree.parse(str(path)).iter("fileLocation")}


HTML = {"HTML/UserProduct_index.html", "HTML/UserProduct_index.xsl"}
REFERENCES = [
    ("L2A", "05.09", lambda: _manifest_patterns("*N0509*T01WCP*022157.SAFE/manifest.safe") | {"manifest.safe"}),
    ("L2A", "04.00", lambda: _csv_patterns("L2A_04.00.csv") | HTML),
    ("L2A", "02.14", lambda: _csv_patterns("L2A_02.14.csv") | HTML),
    ("L2A", "02.14", lambda: _manifest_patterns("esa_*N0214*/manifest.safe") | {"manifest.safe"}),
    ("L1C", "04.00", lambda: _csv_patterns("L1C_04.00.csv") | HTML),
    ("L1C", "02.14", lambda: _csv_patterns("L1C_03.01.csv") | HTML),
    ("L1C", "02.14", lambda: _manifest_patterns("*MSIL1C*N0301*/manifest.safe") | {"manifest.safe"}),
]


@pytest.mark.parametrize("level,baseline,reference", REFERENCES)
def test_layout_equals_real_file_lists(level, baseline, reference):
    mine = {pattern(f) for f in SafeLayout(level, baseline, "33UVP", "20230625").all_files()}
    assert mine == reference()


def test_layout_matches_the_real_n0214_stub():
    stub = next(shared("s2", "stactools_L2A_N0214_stub").glob("*.SAFE"))
    real = {pattern(f) for f in files_on_disk(stub)}
    mine = {pattern(f) for f in SafeLayout("L2A", "02.14", "33UVP", "20230625").all_files()}
    jp2 = {f for f in real if f.endswith(".jp2")}
    assert jp2 <= mine
    assert {f for f in real if f.endswith(".xml")} <= mine
