"""train_lstm on simulated TimeSen2Crop: accuracy on unseen tiles, outputs, table 10 rules."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from ai4c.core.errors import InvalidParameterError
from ai4c.ml.crops.model import load_model
from ai4c.ml.crops.training import evaluate
from ai4c.pipelines.timesen2crop_prepare import prepare
from ai4c.pipelines.train_lstm import check_parameters, run
from ai4c.simulate.crops.timesen2crop import simulate_dataset

TILES = ["32TNT", "33TUM", "33UWQ", "33UVP", "33UXP"]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    base = tmp_path_factory.mktemp("crops")
    root = simulate_dataset(base / "ts", TILES, samples_per_class=20, seed=3)
    sets = base / "sets"
    sets.mkdir()
    prepare(root, sets, val_tiles=["33UVP"], test_tiles=["33UXP"], monthly=True)
    return sets


def test_unseen_tile_accuracy(prepared, tmp_path):
    report = run(prepared, tmp_path, n_epochs=25, batch_size=64, learning_rate=0.01, val=prepared, class_weights=1)
    model = load_model(tmp_path / "lstm_model.h5")
    test = evaluate(model, np.load(prepared / "test.npy"), np.load(prepared / "y_test.npy"))
    assert test["overall_accuracy"] >= 0.90
    assert test["macro_f1"] >= 0.85
    saved = json.loads((tmp_path / "lstm_report.json").read_text())
    assert saved["validation"]["overall_accuracy"] == pytest.approx(report["validation"]["overall_accuracy"])
    assert len(saved["validation"]["f1_per_class"]) == 16 and len(saved["validation"]["confusion_matrix"]) == 16
    assert all({"loss", "accuracy", "val_loss", "val_accuracy"} <= set(e) for e in saved["epochs"])
    assert saved["epochs"][-1]["loss"] < saved["epochs"][0]["loss"]
    with h5py.File(tmp_path / "lstm_model.h5") as h5:
        config = json.loads(h5.attrs["config"])
        assert config["n_steps"] == 12 and config["bands"][6] == "B8A"
        x = np.load(prepared / "train.npy")
        np.testing.assert_allclose(h5["normalisation/mean"][()], x.reshape(-1, 9).mean(0), rtol=1e-4)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_epochs": 1}, "n_epochs"), ({"batch_size": 2}, "batch_size"), ({"batch_size": 48}, "power of 2"),
    ({"learning_rate": 0.0}, "learning_rate"), ({"learning_rate": 1.0}, "learning_rate"),
    ({"class_weights": 2}, "class_weights")])
def test_table_10_rules(kwargs, match):
    values = {"n_epochs": 50, "batch_size": 32, "learning_rate": 1e-3, "class_weights": 0} | kwargs
    with pytest.raises(InvalidParameterError, match=match):
        check_parameters(**values)
