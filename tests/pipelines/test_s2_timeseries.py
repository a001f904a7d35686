"""s2-timeseries: simulated L2A products -> REFBOA/LAI layout -> monthlycomposite."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from ai4c.core.errors import BadInputError
from ai4c.optical.lai import LAI_NODATA
from ai4c.pipelines.monthly_composite import run as composites
from ai4c.pipelines.s2_timeseries import run
from ai4c.simulate.s2.product import load_truth, simulate_s2

DATES = ("20171012", "20171030", "20180305")


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    root = tmp_path_factory.mktemp("ts")
    products = [simulate_s2(root / "safe", size=48, date=d, seed=i, baseline=("04.00", "05.09", "02.14")[i])
                for i, d in enumerate(DATES)]
    paths = run(root / "safe", root / "layout")
    return root, products, paths


def test_layout_names_and_values(layout):
    root, products, paths = layout
    assert sorted(p.name for p in (root / "layout" / "REFBOA").glob("*.tif")) == [
        f"33UVP_{d}_BOA.tif" for d in DATES]
    truth = load_truth(products[0])
    with rasterio.open(root / "layout" / "REFBOA" / f"33UVP_{DATES[0]}_BOA.tif") as src:
        boa = src.read()
        assert src.count == 9 and src.dtypes[0] == "uint16" and src.descriptions[6] == "B8A"
    with rasterio.open(root / "layout" / "LAI" / f"33UVP_{DATES[0]}_LAI.tif") as src:
        lai = src.read(1)
    scl = np.asarray(truth.scl_truth.values)
    cloudy = np.isin(scl, (0, 3, 8, 9, 10))
    assert np.all(lai[cloudy] == LAI_NODATA)
    valid = lai != LAI_NODATA
    assert (valid[~cloudy]).mean() > 0.9  # 20 m bands upsampled bilinearly lose a pixel at mask edges
    assert np.all((lai[valid] >= 0) & (lai[valid] <= 6))
    clear = valid & ~cloudy
    expected = np.round(np.asarray(truth.reflectance.sel(band="B02").values) * 10000)
    np.testing.assert_allclose(boa[0][clear], expected[clear], atol=1)
    vegetation = clear & (np.asarray(truth.landcover.values) == 2)
    soil = clear & (np.asarray(truth.landcover.values) == 3)
    assert lai[vegetation].mean() > lai[soil].mean() + 1


def test_layout_feeds_monthlycomposite(layout, tmp_path):
    root, _, _ = layout
    paths = composites(root / "layout", tmp_path / "mc", season_start=2017, tile="33UVP")
    with rasterio.open(tmp_path / "mc" / "MC_33UVP_201710.tif") as src:
        october = src.read()
    with rasterio.open(tmp_path / "mc" / "MC_33UVP_201711.tif") as src:
        assert not src.read().any()
    assert len(paths) == 12 and october.any()


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(BadInputError, match="no .SAFE"):
        run(tmp_path, tmp_path / "out")
