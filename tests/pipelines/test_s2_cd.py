"""S2-CD pipeline on pre-processed datasets: detection vs truth, outputs (colour table, STAC), bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import rioxarray  # noqa: F401
import xarray as xr
from affine import Affine

from ai4c.core.errors import BadInputError
from ai4c.core.graph import Context
from ai4c.pipelines.s2_cd import Pair, detect, grid_of, run
from ai4c.pipelines.s2_cd_io import ChangeMap, write_outputs
from ai4c.simulate.s2.changes import array_pair

BANDS = ["B2", "B3", "B4", "B8"]


def _dataset(refl: np.ndarray, scl: np.ndarray) -> xr.Dataset:
    transform = Affine(10, 0, 500000, 0, -10, 5000000)
    y = 5000000 - 10 * (np.arange(refl.shape[1]) + 0.5)
    x = 500000 + 10 * (np.arange(refl.shape[2]) + 0.5)
    ds = xr.Dataset({"reflectance": (("band", "y", "x"), refl), "scl": (("y", "x"), scl)},
                    coords={"band": BANDS, "y": y, "x": x})
    return ds.rio.write_crs("EPSG:32633").rio.write_transform(transform)


@pytest.fixture(scope="module")
def pair():
    truth = array_pair(seed=7, size=128)
    scl1 = np.where(truth["cover"] < 2, 4, 5).astype(np.uint8)
    scl2 = np.where(truth["cloud"], 9, scl1).astype(np.uint8)
    return Pair(_dataset(truth["date1"], scl1), _dataset(truth["date2"], scl2)), truth


def test_detect_against_truth(pair):
    data, truth = pair
    result = detect(data)
    classes = result.classes.values
    clear = ~truth["cloud"]
    assert (classes[(truth["change"] > 0) & clear] > 0).mean() >= 0.95
    assert (classes[(truth["change"] == 0) & clear] > 0).mean() <= 0.01
    assert np.all(classes[truth["cloud"]] == 255)
    assert result.rho.rio.crs.to_epsg() == 32633


def test_outputs_written(pair, tmp_path):
    data, truth = pair
    result = detect(data, number_classes=3)
    ctx = Context(output_path=tmp_path / "out")
    changes = ChangeMap(result, grid_of(data.date1.reflectance),
                        dates=["2020-05-01T10:00:00+00:00", "2020-08-01T10:00:00+00:00"])
    paths = write_outputs(changes, ctx, "GeoTIFF")
    assert [p.name for p in paths] == ["CVA.tif", "S2-CD.tif", "S2-CD_polar.png"]
    with rasterio.open(paths[0]) as src:
        assert src.count == 2 and src.dtypes[0] == "float32"
        np.testing.assert_allclose(src.read(1), result.rho.values, equal_nan=True)
        assert src.descriptions == ("magnitude", "angle_deg")
    with rasterio.open(paths[1]) as src:
        assert src.dtypes[0] == "uint8" and src.nodata == 255
        assert set(np.unique(src.read(1))) <= {0, 1, 2, 3, 255}
        assert src.colormap(1)[0][:3] == (40, 40, 40)
    item = json.loads((tmp_path / "out" / "S2-CD.tif.stac.json").read_text())
    assert item["properties"]["ai4c:normalisation"] == "irmad"
    assert item["assets"]["polar"]["href"] == "S2-CD_polar.png"


@pytest.mark.parametrize("kwargs,message", [
    ({"reference_vector": "1,0,0"}, "referenceVector has 3 values but 4 bands"),
    ({"level_confidence": 100.0}, "levelConfidence"),
    ({"level_confidence": -1}, "levelConfidence"),
    ({"number_classes": 0}, "numberClasses"),
])
def test_bad_parameters_before_reading(tmp_path, kwargs, message):
    with pytest.raises(BadInputError, match=message):
        run(tmp_path / "a.SAFE", tmp_path / "b.SAFE", tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def _edge_pair(mark_nodata: bool):
    """Three planted change types and a swath edge of extreme values: marked SCL 0 (no data) in both dates, or,
    to check the K-means alone, a few dozen of its pixels left valid."""
    truth = array_pair(seed=11, size=160, types=(2, 3, 4), nodata_edge=True)
    edge = truth["nodata"]
    if not mark_nodata:       # keep only every 6th row of the edge: ~40 valid pixels of extreme magnitude
        keep = np.zeros_like(edge)
        keep[::6] = edge[::6]
        edge = keep
        for date in ("date1", "date2"):
            truth[date][:, truth["nodata"] & ~edge] = truth[date][:, truth["nodata"] & ~edge] * 0 + 0.1
    scl1 = np.where(truth["cover"] < 2, 4, 5).astype(np.uint8)
    scl2 = np.where(truth["cloud"], 9, scl1).astype(np.uint8)
    if mark_nodata:
        scl1[edge], scl2[edge] = 0, 0
    return Pair(_dataset(truth["date1"], scl1), _dataset(truth["date2"], scl2)), truth, edge


@pytest.mark.parametrize("mark_nodata", [True, False], ids=["scl0-edge", "valid-extremes"])
def test_swath_edge_and_three_change_types_get_their_own_classes(mark_nodata):
    """SCL-0 pixels are no data in every output, and a few extreme magnitudes neither take a class of their own
    nor merge two real change types: each planted type (truth from the simulator) is one class."""
    pair, truth, edge = _edge_pair(mark_nodata)
    result = detect(pair, number_classes=3)
    classes, rho = result.classes.values, result.rho.values
    if mark_nodata:
        assert np.all(classes[edge] == 255) and np.isnan(rho[edge]).all()
        assert np.isnan(result.alpha.values[edge]).all()
    clear = ~truth["cloud"] & ~truth["nodata"]
    majority = {}
    for kind in (2, 3, 4):
        got = classes[(truth["change"] == kind) & clear]
        assert len(got) > 100
        majority[kind] = int(np.bincount(got, minlength=256).argmax())
        assert (got == majority[kind]).mean() >= 0.9, (kind, np.bincount(got))
    assert sorted(majority.values()) == [1, 2, 3]
    assert (classes[(truth["change"] == 0) & clear & ~edge] > 0).mean() <= 0.01
