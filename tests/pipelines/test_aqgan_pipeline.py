"""End to end on a small simulated scene: preproc -> train -> generate -> evaluate, checked against the truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from ai4c.pipelines import aqgan
from ai4c.pipelines.aqgan_config import example_text, load_config
from ai4c.simulate.cams import Domain, simulate_cams

TRAIN = (pd.Timestamp("2021-01-01 00:00"), pd.Timestamp("2021-01-02 23:00"))
TEST = (pd.Timestamp("2021-02-01 00:00"), pd.Timestamp("2021-02-01 11:00"))
FAST = {"generator_filters": 16, "critic_filters": 8, "residual_blocks": 1, "batch_size": 16, "epochs": 3,
        "learning_rate": 3.0e-3, "train_ensemble": 3, "threads": 1, "ensemble_size": 10, "spectral_weight": 1.0}


def write_config(root, **model):
    """A test config over a 64 x 128 cell scene."""
    body = yaml.safe_load(example_text())
    body["aoi"]["bbox"] = [2.0, 44.0, 14.8, 50.4]
    body["model"].update({**FAST, **model})
    body["points"] = [{"name": "Somewhere", "lat": 46.0, "lon": 5.0}]
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def simulate(root):
    """Training and held-out periods (the static fields are the same: same seed)."""
    domain = Domain(2.0, 44.0, 128, 64)
    simulate_cams(root / "data", "2021010100", 48, layout="old", domain=domain)
    simulate_cams(root / "data", "2021020100", 12, layout="new", domain=domain)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Preprocessed, trained, generated and evaluated once for every test of this module."""
    root = tmp_path_factory.mktemp("aqgan")
    simulate(root)
    cfg = load_config(write_config(root))
    for period in (TRAIN, TEST):
        for dataset in ("cams-eu", "era5", "static"):
            aqgan.preproc(cfg, dataset, *period)
    import time
    tic = time.perf_counter()
    result = aqgan.train(cfg, *TRAIN)
    print("train seconds", time.perf_counter() - tic)
    outputs = aqgan.generate(cfg, *TEST)
    report = aqgan.evaluate(cfg, *TEST)
    return cfg, result, outputs, report


def test_preproc_writes_chunked_normalised_tiles(trained):
    cfg = trained[0]
    ds = xr.open_zarr(cfg.output["preproc_dir"] / "cams-eu_2021010100_2021010223.zarr")
    assert ds["hires_pm2p5"].shape == (48, 3, 64, 64) and ds["pm2p5"].shape == (48, 3, 8, 8)
    assert ds["hires_pm2p5"].encoding["chunks"] == (24, 1, 64, 64)
    stats = json.loads(ds.attrs["normalisation"])["pm2p5"]
    assert stats["transform"] == "log1p"
    low = ds["pm2p5"].values
    assert abs(low.mean()) < 0.3 and 0.8 < low.std() < 1.2


def test_training_log_and_checkpoint(trained):
    _, result, _, _ = trained
    assert len(result["history"]) == 3
    lines = [json.loads(x) for x in open(result["metrics_log"], encoding="utf-8")]
    assert [r["epoch"] for r in lines] == [1, 2, 3]
    assert {"content", "critic", "adversarial", "spectral"} <= set(lines[0])
    assert lines[-1]["content"] < lines[0]["content"]


def test_generated_netcdf_is_cf_and_has_mean_and_spread(trained):
    _, _, outputs, _ = trained
    with xr.open_dataset(outputs["netcdf"]) as ds:
        assert ds.attrs["Conventions"] == "CF-1.8"
        assert ds["pm2p5"].dims == ("time", "member", "lat", "lon")
        assert ds["pm2p5"].shape == (12, 10, 64, 128)
        assert ds["pm2p5"].attrs["standard_name"] == "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air"
        assert ds["lat"].attrs["units"] == "degrees_north" and ds["lon"].attrs["standard_name"] == "longitude"
        np.testing.assert_allclose(ds["pm2p5_mean"].values, ds["pm2p5"].mean("member").values, rtol=1e-5)
        assert float(ds["pm2p5_spread"].mean()) > 0
        assert float(ds["pm2p5"].min()) >= 0
    table = pd.read_csv(outputs["csv"])
    assert list(table.columns) == ["name", "lat", "lon", "variable", "time", "mean", "p10", "p90"]
    assert len(table) == 12 and (table["p10"] <= table["mean"]).all() and (table["mean"] <= table["p90"]).all()


def test_downscaling_beats_interpolation(trained):
    """The benchmark's criteria at test size, with looser bounds."""
    report = trained[3]["pm2p5"]
    ratios, ens = report["ratios_to_bicubic"], report["ensemble"]
    assert ratios["crps_over_mae"] <= 0.95
    assert ratios["rmse"] <= 1.3
    assert ratios["lsd"] <= 0.9
    assert ens["max_bin_ratio"] <= 3.0


def test_same_seed_same_members(trained):
    cfg, _, outputs, _ = trained
    first = xr.open_dataset(outputs["netcdf"])["pm2p5"].values
    again = aqgan.generate(cfg, *TEST)
    np.testing.assert_array_equal(first, xr.open_dataset(again["netcdf"])["pm2p5"].values)
