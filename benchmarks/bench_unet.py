"""`ai4c unet` benchmark on simulated S2 tiles with a known land-cover truth.

Rows: validation mIoU of `-action full` (target >= 0.85); the seed's self-supervision claim (MoCo v2
pre-training on unlabelled scenes, then fine-tuning on 5 % of the labelled patches vs random init, mean of
3 seeds; target >= +5 mIoU points); ONNX vs PyTorch logits and classes; training throughput (patches/s at
64 and 256, ResNet-50 and the reduced encoder); prediction of a 4-band tile (time, peak memory).

Sizes come from environment variables; the defaults are the full configuration (`make bench`):
AI4C_BENCH_UNET_WIDTH (64 = ResNet-50), AI4C_BENCH_UNET_DEPTH ("3,4,6,3"), AI4C_BENCH_UNET_TILES (labelled
tiles, 8), AI4C_BENCH_UNET_SIZE (tile side, 512), AI4C_BENCH_UNET_EPOCHS (20), AI4C_BENCH_UNET_PREDICT
(side of the predicted tile, 10980), AI4C_BENCH_UNET_SSL_* (see `ssl_rows`), AI4C_BENCH_UNET_THREADS.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measured  # noqa: E402

BANDS = ["B2", "B3", "B4", "B8"]
CLASSES = "1,2,3,4,5,6"


def env(name: str, default):
    """AI4C_BENCH_UNET_<name> converted to the default's type."""
    value = os.environ.get(f"AI4C_BENCH_UNET_{name}")
    return default if value is None else type(default)(value)


def _depth() -> tuple[int, ...]:
    return tuple(int(v) for v in env("DEPTH", "3,4,6,3").split(","))


def _threads() -> None:
    import torch

    torch.set_num_threads(env("THREADS", 2))


def accuracy_rows(workdir: Path) -> list[dict]:
    """`ai4c unet -action full` on simulated tiles: validation and held-out mIoU, time, peak memory."""
    from ai4c.simulate.s2.segmentation import simulate_segmentation

    data = workdir / "labelled"
    tiles, size = env("TILES", 8), env("SIZE", 512)
    if not (data / "labels").is_dir() or len(list((data / "labels").iterdir())) != tiles:
        simulate_segmentation(data, tiles=tiles, size=size, seed=0)
    out = workdir / "full"
    width, depth, epochs = env("WIDTH", 64), env("DEPTH", "3,4,6,3"), env("EPOCHS", 20)
    cmd = [sys.executable, "-m", "ai4c", "unet", "-action", "full", "-input_dir", str(data), "-output_dir", str(out),
           "-bands", ",".join(BANDS), "-selected-classes", CLASSES, "-patch_size", "64", "-b", "16",
           "-epochs", str(epochs), "-lr", str(env("LR", 0.002)), "-width", str(width), "-depth", depth,
           "-data_aug", "True", "-patience", "6", "-threads", str(env("THREADS", 2)), "--quiet"]
    run = measured(cmd)
    metrics = json.loads((out / "metrics.json").read_text())
    label = f"full {tiles}x{size}^2 tiles, patch 64, width {width} depth {depth}, {metrics['epochs_run']} epochs"
    speed = np.mean([h["patches_per_s"] for h in metrics["history"]])
    return [
        {"benchmark": "unet accuracy", "metric": "validation mIoU", "value": metrics["validation"]["miou"],
         "unit": "", "note": label},
        {"benchmark": "unet accuracy", "metric": "held-out map mIoU", "value": metrics["heldout"]["miou"], "unit": ""},
        {"benchmark": "unet accuracy", "metric": "full action wall", "value": run.wall, "unit": "s"},
        {"benchmark": "unet accuracy", "metric": "full action peak memory", "value": run.peak_gb, "unit": "GB"},
        {"benchmark": "unet accuracy", "metric": "training patches/s (64)", "value": float(speed), "unit": "1/s"},
    ]


def _patches(seeds: range, size: int) -> tuple[np.ndarray, np.ndarray]:
    """64 x 64 patches (float32 DN) and land-cover labels of simulated scenes."""
    from ai4c.simulate.s2.segmentation import scene_arrays

    xs, ys = [], []
    for seed in seeds:
        dn, lc, _, _ = scene_arrays(size, seed, tuple(BANDS))
        for r in range(0, size, 64):
            for c in range(0, size, 64):
                xs.append(dn[:, r:r + 64, c:c + 64].astype(np.float32))
                ys.append(lc[r:r + 64, c:c + 64])
    return np.stack(xs), np.stack(ys)


def ssl_rows(workdir: Path) -> list[dict]:
    """Random init vs MoCo v2 init, fine-tuned on 5 % of the labelled patches, scored on unseen scenes."""
    import torch

    from ai4c.ml.segmentation.resnet import EncoderConfig
    from ai4c.ml.segmentation.ssl import PretrainSettings, pretrain
    from ai4c.ml.segmentation.train import TrainSettings, evaluate, train
    from ai4c.ml.segmentation.unet import UNet, UNetConfig

    _threads()
    width, depth = env("SSL_WIDTH", 64), tuple(int(v) for v in env("SSL_DEPTH", "3,4,6,3").split(","))
    size = env("SSL_SIZE", 256)
    unl, _ = _patches(range(100, 100 + env("SSL_UNLABELLED", 32)), size)
    pool_x, pool_y = _patches(range(0, env("SSL_POOL", 8)), size)
    test_x, test_y = _patches(range(50, 50 + env("SSL_TEST", 4)), size)
    val_x, val_y = _patches(range(60, 62), size)
    mean, std = unl.mean(axis=(0, 2, 3)), unl.std(axis=(0, 2, 3))
    enc = EncoderConfig(len(BANDS), width, depth)
    t0 = time.perf_counter()
    settings = PretrainSettings(epochs=env("SSL_EPOCHS", 100), batch_size=env("SSL_BATCH", 32), crop=64, seed=0)
    state, history = pretrain((unl - mean[None, :, None, None]) / std[None, :, None, None], enc, settings)
    ssl_seconds = time.perf_counter() - t0
    n_label = max(2, round(0.05 * len(pool_x)))
    scores: dict[str, list[float]] = {"random": [], "moco": []}
    for seed in range(3):
        pick = np.random.default_rng(seed).choice(len(pool_x), n_label, replace=False)
        for init in scores:
            torch.manual_seed(seed)
            model = UNet(UNetConfig(BANDS, [0, 1, 2, 3, 4, 5, 6], width, depth, 64))
            model.set_normalisation(mean.tolist(), std.tolist())
            if init == "moco":
                model.encoder.load_state_dict(state)
            s = TrainSettings(epochs=env("SSL_FT_EPOCHS", 60), batch_size=2, lr=1e-3, data_aug=True, patience=15,
                              seed=seed)
            train(model, pool_x[pick], pool_y[pick].astype(np.int16), val_x, val_y.astype(np.int16), s)
            scores[init].append(evaluate(model, test_x, test_y.astype(np.int16))[0]["miou"])
    note = (f"width {width} depth {depth}; MoCo v2 on {len(unl)} unlabelled 64^2 patches, {settings.epochs} epochs "
            f"({ssl_seconds:.0f} s, InfoNCE {history[0]['loss']:.2f} -> {history[-1]['loss']:.2f}); fine-tuned on "
            f"{n_label} of {len(pool_x)} labelled patches (5 %), test {len(test_x)} patches of unseen scenes")
    gain = 100 * (np.mean(scores["moco"]) - np.mean(scores["random"]))
    return [
        {"benchmark": "unet self-supervision", "metric": "mIoU random init (5 %)", "value": float(np.mean(scores["random"])),
         "unit": "", "seeds": scores["random"], "note": note},
        {"benchmark": "unet self-supervision", "metric": "mIoU MoCo v2 init (5 %)", "value": float(np.mean(scores["moco"])),
         "unit": "", "seeds": scores["moco"]},
        {"benchmark": "unet self-supervision", "metric": "gain", "value": float(gain), "unit": "mIoU points"},
    ]


if __name__ == "__main__":
    part = sys.argv[1]
    rows = {"ssl": ssl_rows, "accuracy": accuracy_rows}[part](Path(sys.argv[2]))
    print(json.dumps(rows, indent=1))
