"""aqgan-* command lines: print-config, and bad input -> exit 2, one line, nothing written."""

from __future__ import annotations

import pytest
import yaml

from ai4c.cli.aqgan import evaluate_main, generate_main, preproc_main, train_main
from ai4c.pipelines.aqgan_config import example_text
from ai4c.simulate.cams import Domain, simulate_cams


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Simulated inputs for 2021-01-01 00..05 and a valid config."""
    root = tmp_path_factory.mktemp("aqcli")
    simulate_cams(root / "data", "2021010100", 6, domain=Domain(2.0, 44.0, 64, 64))
    body = yaml.safe_load(example_text())
    body["aoi"]["bbox"] = [2.0, 44.0, 8.4, 50.4]
    body["points"] = []
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(body))
    return root, config, body


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and "data" not in p.parts and p.suffix != ".yaml")


def test_print_config_lists_every_table15_parameter(capsys):
    assert preproc_main(["--print-config"]) == 0
    out = capsys.readouterr().out
    for key in ("lowres_size: 8", "hires_size: 64", "generator_filters: 64", "critic_filters: 32",
                "learning_rate: 1.0e-5", "batch_size: 128", "adversarial_loss: wasserstein", "ensemble_size: 10",
                "urban_frac", "orog_scal", "bbox", "type: srgan"):
        assert key in out
    assert yaml.safe_load(out)["variables"]["lowres"] == ["pm2p5", "u10", "v10", "t2m", "lsm", "sp", "z", "pm10"]


def _bad(capsys, main, args, match):
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and match in err, err


def test_bad_dates(setup, capsys):
    root, config, _ = setup
    base = ["--dataset", "era5", "--config", str(config)]
    _bad(capsys, preproc_main, ["--start-date", "2021010105", "--end-date", "2021010100", *base], "after")
    _bad(capsys, preproc_main, ["--start-date", "2021-01-01", "--end-date", "2021010100", *base], "YYYYMMDDHH")
    _bad(capsys, preproc_main, ["--start-date", "2021010100", "--end-date", "2021010300", *base], "2021010105")
    assert _files(root) == []


def test_bad_config(setup, capsys, tmp_path):
    _, _, body = setup
    broken = dict(body)
    broken.pop("variables")
    path = tmp_path / "missing.yaml"
    path.write_text(yaml.safe_dump(broken))
    args = ["--start-date", "2021010100", "--end-date", "2021010105", "--config"]
    _bad(capsys, train_main, [*args, str(path)], "lacks the 'variables:' section")
    unknown = {**body, "variables": {**body["variables"], "lowres": ["pm2p5", "wind"]}}
    path.write_text(yaml.safe_dump(unknown))
    _bad(capsys, generate_main, [*args, str(path)], "known: ")
    _bad(capsys, evaluate_main, [*args, str(tmp_path / "none.yaml")], "does not exist")
    assert list(tmp_path.iterdir()) == [path]


def test_checkpoint_trained_on_other_variables(setup, capsys):
    root, config, body = setup
    args = ["--start-date", "2021010100", "--end-date", "2021010105", "--config", str(config)]
    fast = {**body, "model": {**body["model"], "generator_filters": 8, "critic_filters": 8, "epochs": 1,
                              "residual_blocks": 0, "batch_size": 8, "threads": 1}}
    config.write_text(yaml.safe_dump(fast))
    for dataset in ("cams-eu", "era5", "static"):
        assert preproc_main([*args[:4], "--dataset", dataset, *args[4:], "--quiet"]) == 0
    assert train_main([*args, "--quiet"]) == 0
    other = {**fast, "variables": {**fast["variables"], "lowres": ["pm2p5", "u10", "v10"]}}
    config.write_text(yaml.safe_dump(other))
    before = _files(root)
    _bad(capsys, generate_main, args, "trained on lowres variables")
    assert _files(root) == before
