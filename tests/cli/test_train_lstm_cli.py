"""train_lstm's bad inputs: one line, exit status 2, nothing written."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.cli.train_lstm import main


def write_set(folder, x, y):
    folder.mkdir(exist_ok=True)
    if x is not None:
        np.save(folder / "train.npy", x)
    if y is not None:
        np.save(folder / "y_train.npy", y)
    return folder


X = np.ones((8, 12, 9), dtype=np.float32)


@pytest.mark.parametrize(("x", "y", "message"), [
    (None, np.zeros(8, int), "train.npy is missing"),
    (X, None, "y_train.npy is missing"),
    (X, np.zeros(7, int), "7"),
    (X, np.full(8, 16), "outside 0..15"),
])
def test_bad_training_sets(tmp_path, capsys, x, y, message):
    data = write_set(tmp_path / "in", x, y)
    (tmp_path / "out").mkdir()
    code = main(["--input_dir", str(data), "--output_dir", str(tmp_path / "out"), "--n_epochs", "2"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err
    assert list((tmp_path / "out").iterdir()) == []


def test_bad_batch_size_message(tmp_path, capsys):
    data = write_set(tmp_path / "in", X, np.zeros(8, int))
    assert main(["--input_dir", str(data), "--output_dir", str(tmp_path), "--batch_size", "24"]) == 2
    assert "power of 2" in capsys.readouterr().err


def test_trains_through_script(tmp_path, capsys):
    rng = np.random.default_rng(0)
    data = write_set(tmp_path / "in", rng.normal(size=(16, 12, 9)).astype(np.float32), rng.integers(0, 16, 16))
    out = tmp_path / "new" / "model"          # missing folders are created (issue 13), the hyphen alias works
    code = main(["--input_dir", str(data), "--output_dir", f"{out}/", "--n_epochs", "2",
                 "--batch-size", "8", "--quiet"])
    assert code == 0 and "trained 2 epochs" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["lstm_model.h5", "lstm_report.json"]
