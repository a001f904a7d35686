"""The monthlycomposite script and `ai4c monthly-composite`: seed flags, exit codes, one-line errors."""

from __future__ import annotations

import datetime as dt

from ai4c.cli.monthly_composite import main
from ai4c.simulate.s2.refboa import write_refboa_series


def test_seed_flags_write_twelve_files(tmp_path, capsys):
    write_refboa_series(tmp_path / "in", [dt.date(2018, 3, 5), dt.date(2018, 3, 25)], size=16, bands=9)
    code = main([f"--input_dir={tmp_path / 'in'}", f"--output_dir={tmp_path / 'out'}", "--season_start=2017",
                 "--tile=32TNT", "--quiet"])
    assert code == 0
    assert len(list((tmp_path / "out").glob("MC_32TNT_*.tif"))) == 12


def test_lai_without_boa_exit_2_one_line(tmp_path, run_cli):
    write_refboa_series(tmp_path / "in", [dt.date(2018, 3, 5)], size=16, bands=2)
    (tmp_path / "in" / "REFBOA" / "33UVP_20180305_BOA.tif").unlink()
    (tmp_path / "in" / "REFBOA" / "x.tif").write_bytes(b"")
    (tmp_path / "in" / "REFBOA" / "x.tif").rename(tmp_path / "in" / "REFBOA" / "33UVP_20180306_BOA.tif")
    code, _, err = run_cli("monthly-composite", "--input_dir", tmp_path / "in", "--output_dir", tmp_path / "out")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "33UVP_20180305_LAI.tif has no BOA" in err
    assert not (tmp_path / "out").exists()


def test_bad_season_exit_2(tmp_path, run_cli):
    code, _, err = run_cli("monthly-composite", "--input_dir", tmp_path, "--output_dir", tmp_path / "o",
                           "--season_start", "17")
    assert code == 2 and "season_start" in err
