"""DN -> reflectance equals the saved truth exactly; SCL and masks match the truth; GDAL opens the product."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from s2_fixtures import s2_product_fixture  # noqa: F401  (the s2_product fixture)

from ai4c.simulate.s2.product import load_truth

CASES = [("L2A", "05.09"), ("L2A", "04.00"), ("L2A", "02.14"), ("L1C", "05.09"), ("L1C", "04.00"), ("L1C", "02.14")]


def _band_files(product: Path) -> dict[tuple[str, int], Path]:
    """(band, resolution) -> JP2 path, parsed from the file names."""
    out = {}
    for path in product.glob("GRANULE/*/IMG_DATA/**/*.jp2"):
        parts = path.stem.split("_")
        band = parts[2]
        res = int(parts[3][:-1]) if len(parts) > 3 else {"B01": 60, "B09": 60, "B10": 60, "B05": 20, "B06": 20,
                                                          "B07": 20, "B8A": 20, "B11": 20, "B12": 20}.get(band, 10)
        out[(band, res)] = path
    return out


@pytest.mark.parametrize("level,baseline", CASES)
def test_dn_roundtrip_is_exact(s2_product, level, baseline):
    product = s2_product(level, baseline)
    truth = load_truth(product)
    offset = -1000 if baseline >= "04.00" else 0
    assert truth.attrs["offset"] == offset and truth.attrs["quantification"] == 10000
    files = _band_files(product)
    checked = 0
    for (band, res), path in files.items():
        if not band.startswith("B"):
            continue
        var, dim = ("reflectance", "band") if res == 10 else (f"reflectance_{res}m", f"band_{res}m")
        expected = truth[var].sel({dim: band}).values
        nodata = truth["nodata" if res == 10 else f"nodata_{res}m"].values
        with rasterio.open(path) as src:
            dn = src.read(1)
            assert src.crs.to_epsg() == 32633 and src.transform.a == res
        assert dn.shape == expected.shape
        assert np.array_equal(dn == 0, nodata), f"{band} {res} m: no-data pixels differ from the truth"
        assert 0 < nodata.sum() < nodata.size / 4
        reflectance = ((dn.astype(np.float64) + offset) / 10000).astype(np.float32)
        assert np.array_equal(reflectance[~nodata], expected[~nodata]), f"{band} at {res} m"
        checked += 1
    assert checked == ((4 + 10 + 11 if baseline >= "04.00" else 4 + 9 + 11) if level == "L2A" else 13)


def test_coarse_truth_is_block_mean_of_10m(s2_product):
    truth = load_truth(s2_product("L2A", "05.09"))
    k10 = np.round(truth.reflectance.sel(band="B04").values.astype(np.float64) * 10000)
    k20 = np.round(truth.reflectance_20m.sel(band_20m="B04").values.astype(np.float64) * 10000)
    means = k10.reshape(32, 2, 32, 2).mean(axis=(1, 3))
    assert np.array_equal(k20, np.floor(means + 0.5))


def test_l1c_is_brighter_than_boa_in_blue(s2_product):
    boa = load_truth(s2_product("L2A", "05.09")).reflectance.sel(band="B02").values
    toa = load_truth(s2_product("L1C", "05.09")).reflectance.sel(band="B02").values
    assert np.allclose(toa, boa * 0.85 + 0.07, atol=1e-4)


@pytest.mark.parametrize("baseline", ["05.09", "02.14"])
def test_scl_matches_truth(s2_product, baseline):
    product = s2_product("L2A", baseline)
    truth = load_truth(product)
    for res in (20, 60):
        path = next(product.glob(f"GRANULE/*/IMG_DATA/R{res}m/*_SCL_{res}m.jp2"))
        with rasterio.open(path) as src:
            scl = src.read(1)
        assert np.array_equal(scl, truth[f"scl_{res}m"].values)
    scl20 = truth.scl_20m.values
    cloud = (truth.cloud.values & ~truth.nodata.values)[::2, ::2]
    assert cloud.any() and np.isin(scl20[cloud], (8, 9)).all()
    shadow = (truth.shadow.values & ~truth.cirrus.values & ~truth.nodata.values)[::2, ::2]
    assert shadow.any() and (scl20[shadow] == 3).all()
    sea = (truth.landcover.values[::2, ::2] == 5) & (scl20 != 0) & ~np.isin(scl20, (3, 8, 9, 10))
    assert sea.any() and (scl20[sea] == 6).all()
    assert (truth.dem.values[truth.landcover.values == 5] == 0).all()
    assert (truth.dem.values[truth.landcover.values != 5] >= 1).all()


@pytest.mark.parametrize("level,baseline", CASES)
def test_gdal_sentinel2_driver_opens(s2_product, level, baseline):
    product = s2_product(level, baseline)
    mtd = product / f"MTD_MSI{level}.xml"
    with rasterio.open(mtd) as ds:
        names = ds.subdatasets
    assert [n.split(":")[-2] for n in names] == ["10m", "20m", "60m", "TCI"]
    expected = {"10m": (64, 4 + (2 if level == "L2A" else 0)), "20m": (32, None), "60m": (11, None)}
    for name in names[:3]:
        with rasterio.open(name) as sub:
            size, count = expected[name.split(":")[-2]]
            assert sub.shape == (size, size)
            assert count is None or sub.count == count
            assert sub.crs.to_epsg() == 32633
            assert sub.transform.c == 399960 and sub.transform.f == 5400000
            data = sub.read(1)
            assert data.max() > 0
            offset = sub.tags(1).get("BOA_ADD_OFFSET" if level == "L2A" else "RADIO_ADD_OFFSET")
            assert offset == ("-1000" if baseline >= "04.00" else None)
