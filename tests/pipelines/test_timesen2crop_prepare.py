"""`timesen2crop prepare`: monthly medians equal numpy's, splits by tile, bad splits refused."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.core.errors import InvalidParameterError
from ai4c.ml.crops.features import month_index, monthly_medians, regular_series
from ai4c.pipelines.timesen2crop_prepare import prepare
from ai4c.products.timesen2crop import read_tile
from ai4c.simulate.crops.timesen2crop import simulate_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return simulate_dataset(tmp_path_factory.mktemp("ts") / "root", ["32TNT", "32TPT", "33UVP"], 5, seed=2)


def test_monthly_medians_match_numpy():
    dates = np.array(["2017-09-03", "2017-09-20", "2017-09-25", "2017-10-02", "2018-08-30"], dtype="datetime64[D]")
    x = np.arange(2 * 5 * 2, dtype=float).reshape(2, 5, 2) * 7 % 13
    cond = np.array([[0, 0, 1, 2, 0], [1, 0, 0, 0, 0]])
    out = monthly_medians(x, cond, dates, 2017)
    assert out.shape == (2, 12, 2)
    np.testing.assert_array_equal(out[0, 0], np.rint(np.median(x[0, :2], axis=0)))
    np.testing.assert_array_equal(out[1, 0], np.rint(np.median(x[1, 1:3], axis=0)))
    assert (out[0, 1] == 0).all() and (out[1, 1] == x[1, 3]).all()     # October: only a shadow for pixel 0
    assert (out[:, 2:11] == 0).all() and (out[:, 11] == x[:, 4]).all()
    assert month_index(dates, 2017).tolist() == [0, 0, 0, 1, 11]


def test_regular_series_interpolates_clear_samples():
    dates = np.array(["2017-09-01", "2017-09-11", "2017-09-21"], dtype="datetime64[D]")
    x = np.array([[[0.0], [500.0], [200.0]]])
    out = regular_series(x, np.array([[0, 1, 0]]), dates, 2017, step=5)
    assert out[0, :5, 0].tolist() == [0, 50, 100, 150, 200]


def test_prepare_splits_by_tile(dataset, tmp_path):
    report = prepare(dataset, tmp_path, val_tiles=["33UVP"], test_tiles=["32TPT"], monthly=True)
    assert report["tiles"] == {"train": ["32TNT"], "val": ["33UVP"], "test": ["32TPT"]}
    x, y = np.load(tmp_path / "train.npy"), np.load(tmp_path / "y_train.npy")
    tile = read_tile(dataset, "32TNT")
    assert x.shape == (tile.y.size, 12, 9) and (y == tile.y).all()
    np.testing.assert_array_equal(x, monthly_medians(tile.x, tile.condition, tile.dates, 2017))
    assert np.load(tmp_path / "val.npy").shape[1:] == (12, 9)
    assert (tmp_path / "y_test.npy").exists()


def test_prepare_refuses_bad_splits(dataset, tmp_path):
    with pytest.raises(InvalidParameterError, match="not in the dataset"):
        prepare(dataset, tmp_path, val_tiles=["33TUM"])
    with pytest.raises(InvalidParameterError, match="both"):
        prepare(dataset, tmp_path, val_tiles=["33UVP"], test_tiles=["33UVP"])
    with pytest.raises(InvalidParameterError, match="no tile left"):
        prepare(dataset, tmp_path, val_tiles=["33UVP", "32TNT"], test_tiles=["32TPT"])
    assert list(tmp_path.iterdir()) == []
