"""`ai4c simulate timesen2crop` and `ai4c timesen2crop prepare` through the CLI."""

from __future__ import annotations

import numpy as np


def test_simulate_then_prepare(run_cli, tmp_path):
    code, out, _ = run_cli("simulate", "timesen2crop", "--root", tmp_path / "ts", "--tiles", "33UVP,33UWP",
                           "--samples-per-class", "5", "--balanced")
    assert code == 0 and "written" in out
    (tmp_path / "out").mkdir()
    code, out, _ = run_cli("timesen2crop", "prepare", "--root", tmp_path / "ts", "--output_dir", tmp_path / "out",
                           "--val-tiles", "33UWP", "--monthly")
    assert code == 0 and "train: 80 samples x 12 steps x 9 bands (33UVP)" in out
    assert np.load(tmp_path / "out" / "y_val.npy").tolist() == sorted(list(range(16)) * 5)


def test_prepare_bad_tile_exit_2(run_cli, tmp_path):
    run_cli("simulate", "timesen2crop", "--root", tmp_path / "ts", "--tiles", "33UVP", "--samples-per-class", "5")
    (tmp_path / "out").mkdir()
    code, _, err = run_cli("timesen2crop", "prepare", "--root", tmp_path / "ts", "--output_dir", tmp_path / "out",
                           "--test-tiles", "32TNT")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "33UVP" in err
    assert list((tmp_path / "out").iterdir()) == []


def test_prepare_step_out_of_range_exit_2(run_cli, tmp_path):
    code, _, err = run_cli("timesen2crop", "prepare", "--root", tmp_path, "--output_dir", tmp_path / "out",
                           "--step", "90")
    assert code == 2 and "step=90 days must be in 1..60" in err
    code, _, err = run_cli("timesen2crop", "prepare", "--root", tmp_path, "--output_dir", tmp_path / "out",
                           "--max-per-class", "0")
    assert code == 2 and "max_per_class=0 must be >= 1" in err
    assert not (tmp_path / "out").exists()
