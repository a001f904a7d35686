"""TimeSen2Crop reader on a simulated dataset in the real layout."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError, OutputError
from ai4c.products import timesen2crop as ts
from ai4c.simulate.crops.timesen2crop import FREQUENCY, class_counts, simulate_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("ts") / "TimeSen2Crop"
    return simulate_dataset(root, ["33UVP", "2019_33UVP"], samples_per_class=6, seed=1)


def test_layout_and_reader(dataset):
    assert ts.list_tiles(dataset) == ["2019_33UVP", "33UVP"]
    lines = (dataset / "33UVP" / "2" / "0.csv").read_text().splitlines()
    assert lines[0] == "B1,B2,B3,B4,B5,B6,B7,B8,B9,Label"
    tile = ts.read_tile(dataset, "33UVP")
    assert len(lines) - 1 == tile.dates.size and 50 < tile.dates.size < 75
    counts = class_counts(6)
    assert np.bincount(tile.y).tolist() == counts
    assert tile.x.shape == (sum(counts), tile.dates.size, 9)
    assert set(np.unique(tile.condition)) <= {0, 1, 2, 3} and (tile.condition == 0).mean() > 0.5
    assert ts.season_start_of(tile.dates) == 2017
    assert ts.season_start_of(ts.read_dates(dataset / "2019_33UVP")) == 2018
    assert len(FREQUENCY) == len(ts.CLASSES) == 16 and len(ts.TILES) == 15


def test_clouds_are_flagged_bright(dataset):
    tile = ts.read_tile(dataset, "33UVP")
    blue = tile.x[..., 0]
    assert np.median(blue[tile.condition == 1]) > 2 * np.median(blue[tile.condition == 0])


def test_max_per_class(dataset):
    tile = ts.read_tile(dataset, "33UVP", max_per_class=5)
    assert np.bincount(tile.y).tolist() == [5] * 16


def test_bad_inputs(dataset, tmp_path):
    with pytest.raises(InputNotFoundError):
        ts.list_tiles(tmp_path / "nope")
    with pytest.raises(InvalidProductError, match="dates.csv"):
        ts.list_tiles(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.csv").write_text("B1,B2\n1,2\n")
    with pytest.raises(InvalidProductError, match="expected"):
        ts.read_sample(bad / "x.csv", 3)
    with pytest.raises(OutputError):
        simulate_dataset(dataset, ["33UVP"])
    with pytest.raises(InvalidParameterError, match="33UVP"):
        simulate_dataset(tmp_path / "new", ["99XXX"])
