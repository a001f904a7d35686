"""Crop mapping benchmarks: train_lstm throughput (samples/s, CPU) and tile_classifier on a tile of
12 monthly composites x 9 bands (wall time, peak memory, pixels/s, extrapolated to 10980 x 10980).

AI4C_BENCH_CROPS_SIZE sets the composite side in pixels (default 2048; 10980 = a full tile),
AI4C_BENCH_CROPS_TRAIN the number of training samples (default 8192).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np

from measure import measured

FULL_TILE = 10980 * 10980
SRC = Path(__file__).resolve().parents[1] / "src"


def _training_set(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Monthly-median-like samples straight from the phenology model (no CSV round trip)."""
    from ai4c.simulate.crops import phenology

    t = np.arange(12) * 30.4 + 15
    y = rng.integers(0, 16, n)
    x = np.empty((n, 12, 9), np.float32)
    for cls in range(16):
        idx = np.flatnonzero(y == cls)
        x[idx] = phenology.sample_series(cls, t, idx.size, rng)[0]
    return x, y


def bench_training(workdir: Path, n: int) -> list[dict]:
    """Train 3 epochs at batch 32 and report samples per second."""
    from ai4c.pipelines.train_lstm import run

    data = workdir / "train_set"
    data.mkdir(parents=True, exist_ok=True)
    x, y = _training_set(n, np.random.default_rng(0))
    np.save(data / "train.npy", x)
    np.save(data / "y_train.npy", y)
    out = workdir / "model"
    out.mkdir(exist_ok=True)
    report = run(data, out, n_epochs=3, batch_size=32)
    return [{"benchmark": "train_lstm (CPU, 12x9, hidden 32)", "metric": "throughput", "value": report["samples_per_second"],
             "unit": "samples/s"}]


def write_composites(folder: Path, size: int, rng: np.random.Generator) -> None:
    """12 MC_33UVP_YYYYMM.tif of `size` x `size` x 9 bands: 20-pixel fields of random classes, with
    per-pixel noise (+-2 % of 3000) so that decoding costs what real composites cost."""
    import rasterio
    from affine import Affine

    from ai4c.simulate.crops import phenology

    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(12) * 30.4 + 15
    lut = np.stack([phenology.reflectance(c, t) for c in range(16)]).astype(np.uint16)     # (16, 12, 9)
    fields = rng.integers(0, 16, (size // 20 + 1, size // 20 + 1)).astype(np.uint8)
    profile = {"driver": "GTiff", "height": size, "width": size, "count": 9, "dtype": "uint16", "crs": "EPSG:32633",
               "transform": Affine(10, 0, 399960, 0, -10, 5400000), "tiled": True, "blockxsize": 512,
               "blockysize": 512, "compress": "deflate", "predictor": 2, "nodata": 0, "num_threads": "ALL_CPUS",
               "zlevel": 1}    # fast to write; inflating costs the same at every level
    stripe = 1024
    noise = rng.integers(-60, 61, (9, stripe, size + 97), dtype=np.int16)
    for month in range(12):
        stamp = f"{2017 + (month + 8) // 12}{(month + 8) % 12 + 1:02d}"
        month_lut = lut[:, month, :].T.astype(np.int16)                                        # (9, 16)
        with rasterio.open(folder / f"MC_33UVP_{stamp}.tif", "w", **profile) as dst:
            for row in range(0, size, stripe):
                rows = np.arange(row, min(size, row + stripe)) // 20
                classes = fields[rows][:, np.arange(size) // 20]
                block = month_lut[:, classes]                                              # (9, rows, size)
                shift = (month * 7 + row // stripe * 13) % 97
                block += noise[:, :rows.size, shift:shift + size]
                block = np.maximum(block, 1, out=block).view(np.uint16)
                dst.write(block, window=rasterio.windows.Window(0, row, size, rows.size))


def bench_classifier(workdir: Path, size: int) -> list[dict]:
    """Run tile_classifier in a child process and report its wall time and peak memory."""
    mc, inp, out = workdir / "mc", workdir / "classifier_input", workdir / "map"
    if not (mc / "MC_33UVP_201808.tif").exists() or (workdir / "size.txt").read_text() != f"{size} noisy":
        shutil.rmtree(mc, ignore_errors=True)
        write_composites(mc, size, np.random.default_rng(1))
        (workdir / "size.txt").write_text(f"{size} noisy")
    for folder in (inp, out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    shutil.copy(workdir / "model" / "lstm_model.h5", inp)
    done = measured([sys.executable, "-m", "ai4c", "classify-tile", "--input_dir", str(inp), "--output_dir", str(out),
                     "--mc_dir", str(mc), "--quiet", "--overwrite"])
    seconds, cpu, peak_gb = done.wall, done.cpu, done.peak_gb
    pixels = size * size
    name = f"tile_classifier {size}x{size}x12x9"
    return [{"benchmark": name, "metric": "wall time", "value": seconds, "unit": "s"},
            {"benchmark": name, "metric": "CPU time", "value": cpu, "unit": "s"},
            {"benchmark": name, "metric": "peak memory", "value": peak_gb, "unit": "GB"},
            {"benchmark": name, "metric": "throughput", "value": pixels / seconds, "unit": "px/s"},
            {"benchmark": name, "metric": "full tile (extrapolated)", "value": FULL_TILE / (pixels / seconds) / 60,
             "unit": "min", "peer": "target", "peer_value": 15.0, "ratio": FULL_TILE / (pixels / seconds) / 60 / 15.0}]


def run(workdir: Path) -> list[dict]:
    """Both benchmarks."""
    sys.path.insert(0, str(SRC))
    size = int(os.environ.get("AI4C_BENCH_CROPS_SIZE", "2048"))
    n = int(os.environ.get("AI4C_BENCH_CROPS_TRAIN", "8192"))
    workdir.mkdir(parents=True, exist_ok=True)
    return bench_training(workdir, n) + bench_classifier(workdir, size)
