"""The S2 series simulator: REFBOA/LAI layout, clouds as invalid LAI, phenology visible, truth beside."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from ai4c.simulate.s2.series import LAI_NODATA, load_crop_truth, simulate_series


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    out = tmp_path_factory.mktemp("series")
    return out, simulate_series(out, size=48, seed=4, field=12, safe=True, safe_every=100)


def test_layout_and_clouds(series):
    out, summary = series
    boas, lais = sorted((out / "REFBOA").glob("*.tif")), sorted((out / "LAI").glob("*.tif"))
    assert len(boas) == len(lais) == len(summary["dates"]) and 50 < len(boas) < 75
    assert boas[0].name == f"S2_33UVP_{summary['dates'][0].replace('-', '')}_BOA.tif"
    cloudy = int(np.argmax(summary["cloudy_fraction"]))
    with rasterio.open(boas[cloudy]) as b, rasterio.open(lais[cloudy]) as lai_src:
        boa, lai = b.read(), lai_src.read(1)
        assert b.count == 9 and b.dtypes[0] == "uint16" and b.descriptions[6] == "B8A"
    invalid = lai == LAI_NODATA
    assert invalid.mean() == pytest.approx(summary["cloudy_fraction"][cloudy], abs=1e-9) and invalid.any()
    assert np.median(boa[0][invalid & (boa[0] > 2500)]) > 3000                         # bright clouds
    assert ((lai >= 0) | invalid).all()


def test_phenology_of_a_field(series):
    out, summary = series
    truth = load_crop_truth(out)
    dates = summary["dates"]
    maize = truth == 2
    if not maize.any():
        pytest.skip("no maize field in this draw")
    lai_by_month = []
    for date in (d for d in dates if d[5:7] in ("01", "07")):
        with rasterio.open(out / "LAI" / f"S2_33UVP_{date.replace('-', '')}_LAI.tif") as src:
            lai = src.read(1)[maize]
        lai_by_month.append((date[5:7], np.median(lai[lai >= 0]) if (lai >= 0).any() else np.nan))
    jan = np.nanmedian([v for m, v in lai_by_month if m == "01"])
    jul = np.nanmedian([v for m, v in lai_by_month if m == "07"])
    assert jan < 0.2 < 2.0 < jul


def test_truth_and_safe(series):
    out, summary = series
    truth = load_crop_truth(out)
    assert truth.shape == (48, 48) and set(np.unique(truth)) - {255} <= set(range(16))
    assert 0.05 < (truth == 255).mean() < 0.5
    with rasterio.open(out / "truth" / "crop_mask.tif") as src:
        assert (src.read(1) == (truth == 255)).all()
    safes = sorted((out / "SAFE").glob("*.SAFE"))
    assert len(safes) == 1 and "MSIL2A_" + summary["dates"][0].replace("-", "") in safes[0].name
