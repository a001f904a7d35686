"""S2-preprocess on products of the simulator (ai4c.simulate.s2.product), compared with their truth."""

import numpy as np
import pytest

from ai4c.pipelines.s2_pre import prepare

sim = pytest.importorskip("ai4c.simulate.s2.product")


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    return {(level, bl): sim.simulate_s2(root / f"{level}{bl}", level=level, baseline=bl, size=60, seed=4,
                                         zip=bl == "04.00")
            for level, bl in [("L2A", "05.09"), ("L1C", "02.14"), ("L1C", "04.00")]}


def test_every_baseline_exact_reflectance_and_l1c_masks(products, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    masks = {}
    for (_level, bl), path in products.items():
        truth = sim.load_truth(path)
        ds = prepare(path, cloudmask="L1C", bands=("B2", "B8"))
        refl, expected = ds.reflectance.sel(band="B2").values, truth["reflectance"].sel(band="B02").values
        kept = np.isfinite(refl)
        assert kept.mean() > 0.3 and np.array_equal(refl[kept], expected[kept])
        physical = truth["cloud"].values | truth["cirrus"].values
        assert (ds.cloud.values == physical).mean() > 0.85  # 60 m mask vs 10 m truth
        masks[bl] = ds.cloud.values
    np.testing.assert_array_equal(masks["02.14"], masks["04.00"])  # GML polygons == MSK_CLASSI raster


def test_l2a_cloud_and_sea_masks_match_truth(products, tmp_path):
    from ai4c.core.io import write_raster

    path = products[("L2A", "05.09")]
    truth = sim.load_truth(path)
    dem = write_raster(truth["dem"].astype("float32").rio.write_crs(truth.rio.crs), tmp_path / "dem.tif")
    ds = prepare(path, cloudmask="L2A", upsampling="Nearest", landseamask="Sea", dem=dem)
    scl10 = np.repeat(np.repeat(truth["scl_20m"].values, 2, 0), 2, 1)
    np.testing.assert_array_equal(ds.cloud.values, np.isin(scl10, (3, 8, 9, 10)))
    physical = truth["cloud"].values | truth["shadow"].values | truth["cirrus"].values
    assert (ds.cloud.values & physical).sum() >= 0.8 * physical.sum()
    sea = truth["dem"].values == 0
    assert sea.any() and np.isnan(ds.reflectance.values[:, sea]).all()
    assert not ds.valid.values[sea].any()
