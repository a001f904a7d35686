"""`ai4c unet` benchmark on simulated S2 tiles with a known land-cover truth.

Rows: validation mIoU of `-action full` (target >= 0.85); the seed's self-supervision claim (pixel-contrast
or MoCo v2 pre-training on unlabelled scenes, then fine-tuning on 5 % of the labelled patches vs random init,
mean of 3 seeds; target >= +5 mIoU points); ONNX vs PyTorch logits and classes; training throughput (patches/s at
64 and 256, ResNet-50 and the reduced encoder); prediction of a 4-band tile (time, peak memory).

Sizes come from environment variables; the defaults are the full configuration (`make bench`):
AI4C_BENCH_UNET_WIDTH (64 = ResNet-50), AI4C_BENCH_UNET_DEPTH ("3,4,6,3"), AI4C_BENCH_UNET_TILES (labelled
tiles, 8), AI4C_BENCH_UNET_SIZE (tile side, 512), AI4C_BENCH_UNET_EPOCHS (20), AI4C_BENCH_UNET_PREDICT
(side of the predicted tile, 10980), AI4C_BENCH_UNET_PREDICT_KINDS ("pt,onnx"), AI4C_BENCH_UNET_SSL_* (see
`ssl_rows`, `_arms`, `_dense_settings` and `_moco_settings`), AI4C_BENCH_UNET_THREADS.
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
           "-data_aug", "True", "-patience", str(env("PATIENCE", 8)), "-threads", str(env("THREADS", 2)), "--quiet"]
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


def _patches(seeds: range, size: int, side: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """`side` x `side` patches (float32 DN) and land-cover labels of simulated scenes."""
    from ai4c.simulate.s2.segmentation import scene_arrays

    xs, ys = [], []
    for seed in seeds:
        dn, lc, _, _ = scene_arrays(size, seed, tuple(BANDS))
        for r in range(0, size, side):
            for c in range(0, size, side):
                xs.append(dn[:, r:r + side, c:c + side].astype(np.float32))
                ys.append(lc[r:r + side, c:c + side])
    return np.stack(xs), np.stack(ys)


def _moco_settings():
    """MoCo v2 schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*): small crops, a queue shorter than the
    data, a low temperature and mild views, so that the InfoNCE loss falls well below chance on a CPU budget."""
    from ai4c.ml.segmentation.ssl import PretrainSettings, Views

    side = env("SSL_SIDE", 32)
    return PretrainSettings(epochs=env("SSL_EPOCHS", 20), batch_size=env("SSL_BATCH", 32), lr=env("SSL_LR", 0.06),
                            temperature=env("SSL_TEMPERATURE", 0.1), queue=env("SSL_QUEUE", 512), crop=side, seed=0,
                            views=Views(min_scale=env("SSL_MIN_SCALE", 0.4)))


def _dense_settings():
    """Pixel-contrast schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*; the `ai4c unet pretrain` defaults
    but for the epochs)."""
    from ai4c.ml.segmentation.ssl_dense import DenseSettings

    return DenseSettings(epochs=env("SSL_EPOCHS", 8), batch_size=env("SSL_BATCH", 16), lr=env("SSL_LR", 2e-3), seed=0)


def _masked_settings():
    """Masked-reconstruction schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*; the `ai4c unet pretrain`
    defaults otherwise)."""
    from ai4c.ml.segmentation.ssl_masked import MaskedSettings

    return MaskedSettings(epochs=env("SSL_EPOCHS", 30), batch_size=env("SSL_BATCH", 16), lr=env("SSL_LR", 2e-3),
                          cell=env("SSL_CELL", 8), ratio=env("SSL_RATIO", 0.5), seed=0)


def _pretrained(method: str, unl: np.ndarray, width: int, depth: tuple) -> tuple[dict, list[dict], str]:
    """Self-supervised weights ({"encoder", "decoder"?}) from standardised unlabelled patches, the loss history
    and a description of the schedule."""
    from ai4c.ml.segmentation.unet import UNetConfig

    if method == "moco":
        from ai4c.ml.segmentation.resnet import EncoderConfig
        from ai4c.ml.segmentation.ssl import pretrain

        s = _moco_settings()
        state, history = pretrain(unl, EncoderConfig(len(BANDS), width, depth), s)
        chance = float(np.log(min(s.queue, len(unl) - s.batch_size)))
        return {"encoder": state}, history, (f"MoCo v2, {s.epochs} epochs, batch {s.batch_size}, lr {s.lr}, t "
                                             f"{s.temperature}, queue {s.queue}, chance ~{chance:.2f}")
    config = UNetConfig(BANDS, [0, 1], width, depth, unl.shape[-1])
    if method == "masked":
        from ai4c.ml.segmentation.ssl_masked import pretrain_masked

        m = _masked_settings()
        state, history = pretrain_masked(unl, config, m)
        return state, history, (f"masked reconstruction, {m.epochs} epochs, batch {m.batch_size}, AdamW lr {m.lr}, "
                                f"{m.ratio:.0%} of {m.cell}x{m.cell} cells blanked, predict-the-mean loss "
                                f"{history[-1]['chance']:.2f}")
    from ai4c.ml.segmentation.ssl_dense import pretrain_dense

    s = _dense_settings()
    state, history = pretrain_dense(unl, config, s)
    return state, history, (f"pixel contrast, {s.epochs} epochs, batch {s.batch_size}, AdamW lr {s.lr}, t "
                            f"{s.temperature}, {s.pixels} pixels/patch, chance {history[-1]['chance']:.2f}")


def _finetune(state: dict | None, data: dict, seed: int, pick: np.ndarray, width: int, depth: tuple, mean, std,
              options: dict) -> float:
    """Test mIoU of a U-Net (random init, or the pre-trained encoder and, when given, decoder) fine-tuned on
    the picked labelled patches; the same schedule, normalisation and seed for every initialisation, `options`
    (encoder_lr, freeze_epochs) where a pre-trained arm asks for them."""
    import torch

    from ai4c.ml.segmentation.train import TrainSettings, evaluate, train
    from ai4c.ml.segmentation.unet import UNet, UNetConfig

    torch.manual_seed(seed)
    model = UNet(UNetConfig(BANDS, [0, 1, 2, 3, 4, 5, 6], width, depth, 64))
    model.set_normalisation(mean.tolist(), std.tolist())
    if state is not None:
        model.encoder.load_state_dict(state["encoder"])
        if "decoder" in state:
            model.decoder.load_state_dict(state["decoder"])
    s = TrainSettings(epochs=env("SSL_FT_EPOCHS", 40), batch_size=2, lr=1e-3, data_aug=True, patience=10, seed=seed,
                      schedule="constant", **options)
    x, y = data["pool"]
    train(model, x[pick], y[pick].astype(np.int16), *data["val"], s)
    return evaluate(model, *data["test"])[0]["miou"]


def _hypercolumns(encoder, x: np.ndarray, mean, std):
    """(N, H, W, F) per-pixel features: the standardised bands and (with an encoder) every encoder map,
    bilinearly upsampled."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        z = (torch.from_numpy(x) - torch.tensor(mean).view(1, -1, 1, 1)) / torch.tensor(std).view(1, -1, 1, 1)
        maps = [F.interpolate(f, size=x.shape[-2:], mode="bilinear", align_corners=False)
                for f in (encoder(z) if encoder is not None else [])]
        return torch.cat([z, *maps], 1).permute(0, 2, 3, 1)


def _probe(encoder_state: dict | str | None, data: dict, seed: int, pick: np.ndarray, width: int, depth: tuple,
           mean, std) -> float:
    """Test mIoU of a linear per-pixel classifier on the frozen encoder's hypercolumns (the diagnostic of what
    the pre-training learnt: a random encoder's features and the bands alone, `encoder_state` "bands", are the
    baselines), trained on the picked patches."""
    import torch

    from ai4c.ml.segmentation.metrics import confusion, summary
    from ai4c.ml.segmentation.resnet import EncoderConfig, ResNetEncoder

    torch.manual_seed(seed)
    encoder = ResNetEncoder(EncoderConfig(len(BANDS), width, depth)).eval()
    if isinstance(encoder_state, dict):
        encoder.load_state_dict(encoder_state)
    encoder = None if encoder_state == "bands" else encoder
    x, y = data["pool"]
    feats = _hypercolumns(encoder, x[pick].astype(np.float32), mean, std)
    feats = feats.reshape(-1, feats.shape[-1])
    f_mean, f_std = feats.mean(0), feats.std(0) + 1e-6
    labels = torch.from_numpy(y[pick].astype(np.int64)).reshape(-1)
    linear = torch.nn.Linear(feats.shape[1], 7)
    optim = torch.optim.Adam(linear.parameters(), 1e-2, weight_decay=1e-4)
    for _ in range(300):
        idx = torch.randint(0, len(feats), (4096,))
        loss = torch.nn.functional.cross_entropy(linear((feats[idx] - f_mean) / f_std), labels[idx])
        optim.zero_grad()
        loss.backward()
        optim.step()
    xt, yt = data["test"]
    with torch.no_grad():
        pred = np.concatenate([linear((_hypercolumns(encoder, xt[i:i + 8], mean, std) - f_mean) / f_std).argmax(-1)
                               .numpy() for i in range(0, len(xt), 8)])
    return summary(confusion(yt, pred, 7, ignore=255))["miou"]


def _arms(method: str, state: dict) -> dict[str, tuple[dict | None, dict]]:
    """The initialisations and fine-tuning options compared (env AI4C_BENCH_UNET_SSL_ARMS: comma-separated
    indexes, default all; random init always)."""
    name = {"moco": "MoCo v2", "masked": "masked reconstruction"}.get(method, "pixel contrast")
    encoder = {"encoder": state["encoder"]}
    arms: dict[str, tuple[dict | None, dict]] = {"random init": (None, {})}
    if "decoder" in state:
        arms[f"{name} init (encoder + decoder)"] = (state, {})
    arms[f"{name} init (encoder only)"] = (encoder, {})
    arms[f"{name} init (encoder only), encoder lr / 10"] = (encoder, {"encoder_lr": 1e-4})
    arms[f"{name} init (encoder only), encoder frozen 10 epochs"] = (encoder, {"freeze_epochs": 10})
    keep = [int(v) for v in env("SSL_ARMS", ",".join(str(i) for i in range(len(arms)))).split(",")]
    return {k: v for i, (k, v) in enumerate(arms.items()) if i in keep or i == 0}


def ssl_rows(workdir: Path) -> list[dict]:
    """Random init vs self-supervised init (AI4C_BENCH_UNET_SSL_METHOD dense (default), masked or moco), fine-tuned on
    5 % of the labelled patches (same seeds, same picks, same schedule), scored on unseen scenes."""
    _threads()
    t_start, load_start = time.perf_counter(), os.getloadavg()[0]
    method = env("SSL_METHOD", "dense")
    width, depth = env("SSL_WIDTH", 64), tuple(int(v) for v in env("SSL_DEPTH", "3,4,6,3").split(","))
    size, n_unl = env("SSL_SIZE", 256), env("SSL_UNLABELLED", 16)
    side = _moco_settings().crop if method == "moco" else 64
    unl, _ = _patches(range(100, 100 + n_unl), size, side)
    data = {"pool": _patches(range(0, env("SSL_POOL", 16)), size), "test": _patches(range(50, 54), size),
            "val": _patches(range(60, 62), size)}
    data = {k: (x, y.astype(np.int16)) for k, (x, y) in data.items()}
    mean, std = unl.mean(axis=(0, 2, 3)), unl.std(axis=(0, 2, 3))
    t0 = time.perf_counter()
    state, history, schedule = _pretrained(method, (unl - mean[None, :, None, None]) / std[None, :, None, None],
                                           width, depth)
    ssl_seconds = time.perf_counter() - t0
    n_pool = len(data["pool"][0])
    n_label = max(2, round(0.05 * n_pool))
    runs = _arms(method, state)
    scores: dict[str, list[float]] = {name: [] for name in runs}
    probes: dict[str, list[float]] = {"bands + frozen random encoder": [], "bands + frozen pre-trained encoder": [],
                                      "bands alone": []}
    for seed in range(env("SSL_SEEDS", 3)):
        pick = np.random.default_rng(seed).choice(n_pool, n_label, replace=False)
        for name, encoder in zip(probes, (None, state["encoder"], "bands"), strict=True):
            probes[name].append(_probe(encoder, data, seed, pick, width, depth, mean, std))
        for name, (init, options) in runs.items():
            scores[name].append(_finetune(init, data, seed, pick, width, depth, mean, std, options))
    note = (f"width {width} depth {depth}; {schedule}, on {len(unl)} unlabelled {side}^2 patches of {n_unl} scenes "
            f"({ssl_seconds:.0f} s, loss {history[0]['loss']:.2f} -> {history[-1]['loss']:.2f}); fine-tuned on "
            f"{n_label} of {n_pool} labelled 64^2 patches (5 %), {env('SSL_FT_EPOCHS', 40)} epochs, batch 2, AdamW "
            f"lr 0.001 constant, augmentation; test {len(data['test'][0])} patches of 4 unseen scenes")
    rows = _gain_rows(scores, "random init", "mIoU {} (5 %)")
    rows += _gain_rows(probes, "bands + frozen random encoder", "linear probe mIoU, {} (5 %)")
    rows[0].update(note=note, ssl_loss=[round(h["loss"], 3) for h in history], load_average_start=load_start,
                   load_average_end=os.getloadavg()[0], wall_s=time.perf_counter() - t_start)
    return rows


def _gain_rows(scores: dict[str, list[float]], baseline: str, metric: str) -> list[dict]:
    """One row per arm: mean, spread and per-seed scores, and the gain over the baseline arm in mIoU points."""
    base = np.array(scores[baseline])
    rows = []
    for name, values in scores.items():
        v = np.array(values)
        row = {"benchmark": "unet self-supervision", "metric": metric.format(name), "value": float(v.mean()),
               "unit": "", "std": float(v.std()), "seeds": values}
        if name != baseline:
            row["gain_points"] = float(100 * (v.mean() - base.mean()))
            row["gain_per_seed"] = (100 * (v - base)).round(1).tolist()
        rows.append(row)
    return rows


def throughput_rows(workdir: Path) -> list[dict]:
    """Training patches/s (forward + backward + AdamW step) at 64 and 256, ResNet-50 and the reduced encoder."""
    import torch

    from ai4c.ml.segmentation.train import autocast, pick_device
    from ai4c.ml.segmentation.unet import UNet, UNetConfig

    _threads()
    device = pick_device("auto")
    rows = []
    for width, depth in ((64, (3, 4, 6, 3)), (16, (1, 1, 1, 1))):
        for patch, batch in ((64, 16), (256, 4)):
            model = UNet(UNetConfig(BANDS, list(range(7)), width, depth, patch)).to(device)
            optim = torch.optim.AdamW(model.parameters(), 1e-4)
            x = torch.randn(batch, 4, patch, patch, device=device)
            y = torch.randint(0, 7, (batch, patch, patch), device=device)
            steps = env("STEPS", 3)
            for i in range(steps + 1):
                if i == 1:
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    t0 = time.perf_counter()
                with autocast(device):
                    loss = torch.nn.functional.cross_entropy(model(x).float(), y)
                optim.zero_grad()
                loss.backward()
                optim.step()
            if device.type == "cuda":
                torch.cuda.synchronize()
            rate = steps * batch / (time.perf_counter() - t0)
            name = "ResNet-50" if width == 64 and depth == (3, 4, 6, 3) else f"width {width} depth {depth}"
            rows.append({"benchmark": "unet training throughput", "metric": f"{name}, patch {patch}",
                         "value": rate, "unit": f"patches/s ({device.type}, batch {batch})"})
    return rows


PREDICT = """
import sys, time, torch
from pathlib import Path
torch.set_num_threads(int(sys.argv[4]))
from ai4c.ml.segmentation.unet import UNet, UNetConfig
from ai4c.pipelines.unet import model_io
from ai4c.pipelines.unet.layout import Sample
from ai4c.pipelines.unet.predict import predict_image
model = UNet(UNetConfig(["B2", "B3", "B4", "B8"], list(range(7)), 64, (3, 4, 6, 3), 256))
path = model_io.save_model(model, Path(sys.argv[2]) / ("m." + sys.argv[3]), "onnx" if sys.argv[3] == "onnx" else "Pytorch")
loaded = model_io.load_model(path, "auto")
t0, c0 = time.perf_counter(), time.process_time()
predict_image(loaded, Sample("t", Path(sys.argv[1]), None, "t"), Path(sys.argv[2]) / "map.tif", overlap=32,
              block=4096, probabilities=False)
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def predict_rows(workdir: Path) -> list[dict]:
    """Prediction of a 4-band tile (ResNet-50 U-Net, patch 256, overlap 32) with PyTorch and onnxruntime:
    time and peak memory; a part of the tile when AI4C_BENCH_UNET_PREDICT < 10980, extrapolated by area;
    AI4C_BENCH_UNET_PREDICT_KINDS=onnx skips PyTorch (3.5x the CPU time of onnxruntime)."""
    import rasterio
    from rasterio.transform import from_origin

    side = env("PREDICT", 10980)
    tile = workdir / f"tile_{side}.tif"
    if not tile.exists():
        rng = np.random.default_rng(0)
        with rasterio.open(tile, "w", driver="GTiff", width=side, height=side, count=4, dtype="uint16",
                           crs="EPSG:32633", transform=from_origin(399960, 5400000, 10, 10), tiled=True,
                           compress="deflate") as dst:
            for b, name in enumerate(BANDS, 1):
                for r in range(0, side, 1024):
                    h = min(1024, side - r)
                    dst.write(rng.integers(200, 4000, (h, side), dtype=np.uint16), b,
                              window=((r, r + h), (0, side)))
                dst.set_band_description(b, name)
    rows = []
    scale = (10980 / side) ** 2
    for kind in env("PREDICT_KINDS", "pt,onnx").split(","):
        out = workdir / f"pred_{kind}"
        out.mkdir(exist_ok=True)
        run = measured([sys.executable, "-c", PREDICT, str(tile), str(out), kind, str(env("THREADS", 2))])
        seconds, cpu = (float(v) for v in run.stdout.strip().splitlines()[-1].split())
        label = "PyTorch" if kind == "pt" else "onnxruntime"
        rows.append({"benchmark": "unet predict", "metric": f"{label}: {side}^2 tile", "value": seconds, "unit": "s",
                     "peak_gb": run.peak_gb, "cpu_s": cpu, "load_average": os.getloadavg()[0]})
        if side < 10980:
            rows.append({"benchmark": "unet predict", "metric": f"{label}: 10980^2 extrapolated",
                         "value": seconds * scale / 60, "unit": "min (area-scaled wall)",
                         "cpu_min": cpu * scale / 60})
        rows.append({"benchmark": "unet predict", "metric": f"{label}: peak memory", "value": run.peak_gb,
                     "unit": "GB"})
    return rows


def onnx_rows(workdir: Path) -> list[dict]:
    """ONNX export of the benchmark's trained model: max |logit difference| and class agreement."""
    import onnxruntime as ort
    import torch

    from ai4c.ml.segmentation.unet import UNet, UNetConfig
    from ai4c.pipelines.unet import model_io

    blob = torch.load(workdir / "full" / "unet.pt", weights_only=True)
    model = UNet(UNetConfig.from_dict(blob["config"]))
    model.load_state_dict(blob["state_dict"])
    path = model_io.save_model(model, workdir / "unet.onnx", "onnx")
    x, _ = _patches(range(70, 72), 256)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    diffs, same, total = [], 0, 0
    for i in range(0, len(x), 8):
        with torch.no_grad():
            ref = model.eval()(torch.from_numpy(x[i:i + 8])).numpy()
        got = session.run(None, {"bands": x[i:i + 8]})[0]
        diffs.append(float(np.abs(got - ref).max()))
        same += int((got.argmax(1) == ref.argmax(1)).sum())
        total += ref.shape[0] * ref.shape[2] * ref.shape[3]
    return [{"benchmark": "unet ONNX", "metric": "max |logit difference|", "value": max(diffs), "unit": ""},
            {"benchmark": "unet ONNX", "metric": "same class", "value": 100 * same / total, "unit": "% of pixels"}]


def run(workdir: Path) -> list[dict]:
    """Every part (make bench)."""
    rows = accuracy_rows(workdir) + onnx_rows(workdir) + ssl_rows(workdir)
    return rows + throughput_rows(workdir) + predict_rows(workdir)


if __name__ == "__main__":
    part = sys.argv[1]
    rows = {"ssl": ssl_rows, "accuracy": accuracy_rows, "throughput": throughput_rows, "predict": predict_rows,
            "onnx": onnx_rows}[part](Path(sys.argv[2]))
    print(json.dumps(rows, indent=1))
