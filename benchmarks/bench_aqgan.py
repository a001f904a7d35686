"""Air-quality downscaling: training and generation throughput, accuracy on a held-out simulated period.

Sizes from the environment: AQGAN_BENCH_DAYS (training days, default 3), AQGAN_BENCH_EPOCHS (default 6),
AQGAN_BENCH_MINUTES (training wall-time cap, default 0 = none: a
cap would cut epochs when the machine is busy and cost accuracy), AQGAN_BENCH_TEST_HOURS (default 48),
AQGAN_BENCH_THREADS (torch threads, default 1: fastest on a shared machine).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

KM_PER_DEG = 111.32


def _config(root: Path) -> Path:
    """The benchmark settings (documented in docs/air-quality-downscaling.md)."""
    from ai4c.pipelines.aqgan_config import example_text

    body = yaml.safe_load(example_text())
    body["model"].update({
        "generator_filters": 32, "critic_filters": 16, "residual_blocks": 3, "learning_rate": 2.0e-3,
        "batch_size": 32, "train_ensemble": 3, "spectral_weight": 1.0, "adversarial_weight": 1.0e-3,
        "epochs": int(os.environ.get("AQGAN_BENCH_EPOCHS", 6)),
        "max_minutes": float(os.environ.get("AQGAN_BENCH_MINUTES", 0)) or None,
        "threads": int(os.environ.get("AQGAN_BENCH_THREADS", 1))})
    body["input"] = {"cams-eu": "data/cams_eu_*.nc", "eac4": "data/eac4_*.nc", "era5": "data/era5_*.nc",
                     "static": "data/static_fields.nc", "lowres_pm_source": "cams-eu"}
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def _area_km2(lats: np.ndarray, lons: np.ndarray, step: float) -> float:
    """Area of a regular lat/lon grid in km^2."""
    return float(np.cos(np.radians(lats)).sum() * len(lons) * (step * KM_PER_DEG) ** 2)


def run(workdir: Path) -> list[dict]:
    """Simulate, preprocess, train, generate and evaluate; return the benchmark rows."""
    from ai4c.pipelines import aqgan
    from ai4c.pipelines.aqgan_config import load_config
    from ai4c.simulate.cams import simulate_cams

    days = int(os.environ.get("AQGAN_BENCH_DAYS", 3))
    test_hours = int(os.environ.get("AQGAN_BENCH_TEST_HOURS", 48))
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    train = (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-01") + pd.Timedelta(hours=24 * days - 1))
    test = (pd.Timestamp("2021-03-01"), pd.Timestamp("2021-03-01") + pd.Timedelta(hours=test_hours - 1))
    simulate_cams(workdir / "data", f"{train[0]:%Y%m%d%H}", 24 * days, layout="old")
    simulate_cams(workdir / "data", f"{test[0]:%Y%m%d%H}", test_hours, layout="new")
    cfg = load_config(_config(workdir))
    for period in (train, test):
        for dataset in ("cams-eu", "era5", "static"):
            aqgan.preproc(cfg, dataset, *period)
    tic = time.perf_counter()
    result = aqgan.train(cfg, *train, resume=False)
    train_minutes = (time.perf_counter() - tic) / 60
    history = result["history"]
    tic = time.perf_counter()
    aqgan.generate(cfg, *test)
    generate_seconds = time.perf_counter() - tic
    grid = cfg.grid()
    area = _area_km2(grid.lats(True), grid.lons(True), grid.hires_deg) * test_hours
    report = aqgan.evaluate(cfg, *test)["pm2p5"]
    ens, bic, ratios = report["ensemble"], report["bicubic"], report["ratios_to_bicubic"]
    name = "aqgan"
    return [
        {"benchmark": name, "metric": "training throughput", "value": float(np.mean([h["tiles_per_second"]
                                                                                      for h in history])),
         "unit": "tiles/s"},
        {"benchmark": name, "metric": "training time", "value": train_minutes, "unit": "min"},
        {"benchmark": name, "metric": "epochs", "value": float(len(history)), "unit": ""},
        {"benchmark": name, "metric": "generation (10 members)", "value": area / generate_seconds, "unit": "km2/s"},
        {"benchmark": name, "metric": "CRPS / MAE bicubic", "value": ens["crps"], "unit": "ug m-3",
         "peer": "bicubic MAE", "peer_value": bic["mae"], "ratio": ratios["crps_over_mae"]},
        {"benchmark": name, "metric": "LSD", "value": ens["lsd"], "unit": "dB", "peer": "bicubic",
         "peer_value": bic["lsd"], "ratio": ratios["lsd"]},
        {"benchmark": name, "metric": "RMSE of ensemble mean", "value": ens["rmse_mean"], "unit": "ug m-3",
         "peer": "bicubic", "peer_value": bic["rmse"], "ratio": ratios["rmse"]},
        {"benchmark": name, "metric": "rank histogram max bin", "value": ens["max_bin_ratio"], "unit": "x uniform"},
        {"benchmark": name, "metric": "RMSE bilinear", "value": report["bilinear"]["rmse"], "unit": "ug m-3"},
    ]
