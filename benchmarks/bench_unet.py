"""`ai4c unet` benchmark on simulated S2 tiles with a known land-cover truth.

Rows: validation mIoU of `-action full` (target >= 0.85); the seed's self-supervision claim (pixel-clustering,
pixel-contrast, masked or MoCo v2 pre-training on unlabelled scenes, then fine-tuning on 5 % of the labelled patches vs random init,
mean of 3 seeds; target >= +5 mIoU points); ONNX vs PyTorch logits and classes; training throughput (patches/s at
64 and 256, ResNet-50 and the reduced encoder); prediction of a 4-band tile (time, peak memory).

Sizes come from environment variables; the defaults are the full configuration (`make bench`):
AI4C_BENCH_UNET_WIDTH (64 = ResNet-50), AI4C_BENCH_UNET_DEPTH ("3,4,6,3"), AI4C_BENCH_UNET_TILES (labelled
tiles, 8), AI4C_BENCH_UNET_SIZE (tile side, 512), AI4C_BENCH_UNET_EPOCHS (20), AI4C_BENCH_UNET_PREDICT
(side of the predicted tile, 10980), AI4C_BENCH_UNET_PREDICT_KINDS ("pt,onnx"), AI4C_BENCH_UNET_SSL_* (see
`ssl_rows`, `parse_arm`, `_cluster_settings`, `_dense_settings`, `_masked_settings` and `_moco_settings`), AI4C_BENCH_UNET_THREADS.
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


def _moco_settings(seed: int = 0):
    """MoCo v2 schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*): small crops, a queue shorter than the
    data, a low temperature and mild views, so that the InfoNCE loss falls well below chance on a CPU budget."""
    from ai4c.ml.segmentation.ssl import PretrainSettings, Views

    side = env("SSL_SIDE", 32)
    return PretrainSettings(epochs=env("SSL_EPOCHS", 20), batch_size=env("SSL_BATCH", 32), lr=env("SSL_LR", 0.06),
                            temperature=env("SSL_TEMPERATURE", 0.1), queue=env("SSL_QUEUE", 512), crop=side, seed=seed,
                            views=Views(min_scale=env("SSL_MIN_SCALE", 0.4)))


def _dense_settings(seed: int = 0):
    """Pixel-contrast schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*; the `ai4c unet pretrain` defaults
    but for the epochs)."""
    from ai4c.ml.segmentation.ssl_dense import DenseSettings

    return DenseSettings(epochs=env("SSL_EPOCHS", 8), batch_size=env("SSL_BATCH", 16), lr=env("SSL_LR", 2e-3),
                         seed=seed)


def _masked_settings(seed: int = 0):
    """Masked-reconstruction schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*; the `ai4c unet pretrain`
    defaults otherwise)."""
    from ai4c.ml.segmentation.ssl_masked import MaskedSettings

    return MaskedSettings(epochs=env("SSL_EPOCHS", 30), batch_size=env("SSL_BATCH", 16), lr=env("SSL_LR", 2e-3),
                          cell=env("SSL_CELL", 8), ratio=env("SSL_RATIO", 0.5), seed=seed)


def _cluster_settings(seed: int = 0):
    """Clustering schedule of the benchmark (env AI4C_BENCH_UNET_SSL_*; 12 epochs by default, the ResNet-50 row of
    BENCHMARKS.md; the `ai4c unet pretrain` defaults otherwise)."""
    from ai4c.ml.segmentation.ssl_cluster import ClusterSettings

    return ClusterSettings(epochs=env("SSL_EPOCHS", 12), batch_size=env("SSL_BATCH", 16), lr=env("SSL_LR", 2e-3),
                           clusters=env("SSL_CLUSTERS", 32), ratio=env("SSL_RATIO", 0.0), seed=seed)


def _pretrained(method: str, unl: np.ndarray, width: int, depth: tuple, seed: int = 0
                ) -> tuple[dict, list[dict], str]:
    """Self-supervised weights ({"encoder", "decoder"?}) from standardised unlabelled patches, the loss history
    and a description of the schedule."""
    from ai4c.ml.segmentation.unet import UNetConfig

    if method == "moco":
        from ai4c.ml.segmentation.resnet import EncoderConfig
        from ai4c.ml.segmentation.ssl import pretrain

        s = _moco_settings(seed)
        state, history = pretrain(unl, EncoderConfig(len(BANDS), width, depth), s)
        chance = float(np.log(min(s.queue, len(unl) - s.batch_size)))
        return {"encoder": state}, history, (f"MoCo v2, {s.epochs} epochs, batch {s.batch_size}, lr {s.lr}, t "
                                             f"{s.temperature}, queue {s.queue}, chance ~{chance:.2f}")
    train, settings, describe = _body_methods()[method]
    s = settings(seed)
    state, history = train(unl, UNetConfig(BANDS, [0, 1], width, depth, unl.shape[-1]), s)
    return state, history, f"{describe(s)}, chance {history[-1]['chance']:.2f}"


def _body_methods() -> dict:
    """The pretexts that train the U-Net body: (pre-training function, settings of a seed, description)."""
    from ai4c.ml.segmentation.ssl_cluster import pretrain_cluster
    from ai4c.ml.segmentation.ssl_dense import pretrain_dense
    from ai4c.ml.segmentation.ssl_masked import pretrain_masked

    def schedule(s) -> str:
        return f"{s.epochs} epochs, batch {s.batch_size}, AdamW lr {s.lr}"

    return {"cluster": (pretrain_cluster, _cluster_settings,
                        lambda c: f"pixel clustering, {c.clusters} K-means clusters, {schedule(c)}, {c.ratio:.0%} of "
                                  f"{c.cell}x{c.cell} input cells blanked"),
            "masked": (pretrain_masked, _masked_settings,
                       lambda m: f"masked reconstruction, {schedule(m)}, {m.ratio:.0%} of {m.cell}x{m.cell} cells "
                                 "blanked"),
            "dense": (pretrain_dense, _dense_settings,
                      lambda d: f"pixel contrast, {schedule(d)}, t {d.temperature}, {d.pixels} pixels/patch")}


def _finetune(state: dict | None, data: dict, seed: int, pick: np.ndarray, width: int, depth: tuple, mean, std,
              arm: dict) -> tuple[float, float]:
    """(validation mIoU of the best epoch, test mIoU) of a U-Net (random init, or the pre-trained encoder and,
    when the arm asks, decoder) fine-tuned on the picked labelled patches; the same schedule, normalisation,
    early stopping and seed for every arm, the arm's options (band skip, encoder lr, freezing, L2-SP, frozen
    batch-norm statistics) on top."""
    import torch

    from ai4c.ml.segmentation.train import TrainSettings, evaluate, train
    from ai4c.ml.segmentation.unet import UNet, UNetConfig

    torch.manual_seed(seed)
    model = UNet(UNetConfig(BANDS, [0, 1, 2, 3, 4, 5, 6], width, depth, 64, band_skip=arm["band_skip"]))
    model.set_normalisation(mean.tolist(), std.tolist())
    if arm["init"] != "random":
        model.encoder.load_state_dict(state["encoder"])
    if arm["init"] == "encoder+decoder":  # the last block's input differs with the band skip: it stays random
        keep = {k: v for k, v in state["decoder"].items() if v.shape == model.decoder.state_dict()[k].shape}
        model.decoder.load_state_dict(keep, strict=False)
    s = TrainSettings(epochs=env("SSL_FT_EPOCHS", 40), batch_size=2, lr=env("SSL_FT_LR", 1e-3), data_aug=True,
                      patience=10, seed=seed, schedule="constant", **arm["options"])
    x, y = data["pool"]
    result = train(model, x[pick], y[pick].astype(np.int16), *data["val"], s)
    return result["best"]["miou"], evaluate(model, *data["test"])[0]["miou"]


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


def _cluster_readout(centres, data: dict, pick: np.ndarray, mean, std) -> float:
    """Test mIoU of the clustering pre-training's K-means clusters, each given the majority class of its pixels
    in the picked labelled patches (what the clusters alone tell about the classes; no network)."""
    from ai4c.ml.segmentation.metrics import confusion, summary
    from ai4c.ml.segmentation.ssl_cluster import cluster_labels

    def clusters(x: np.ndarray) -> np.ndarray:
        return cluster_labels(_standardise(x, mean, std), np.asarray(centres, np.float64))

    x, y = data["pool"]
    found, truth = clusters(x[pick]).ravel(), y[pick].ravel()
    known = truth < 7
    table = np.zeros((len(centres), 7), np.int64)
    np.add.at(table, (found[known], truth[known]), 1)
    xt, yt = data["test"]
    return summary(confusion(yt, table.argmax(1)[clusters(xt)], 7, ignore=255))["miou"]


TEST_SCENES, VAL_SCENES, UNLABELLED_FIRST = range(50, 54), range(60, 64), 100
DEFAULT_ARMS = "random;random skip;random skip l2sp=0.01;encoder+decoder skip;encoder skip frozen"


def parse_arm(text: str) -> dict:
    """One fine-tuning arm from its words: the start (`random`, `encoder` = the pre-trained encoder, or
    `encoder+decoder`) then options: `skip` (band skip), `frozen` (encoder frozen throughout), `freeze=N`
    (frozen N epochs), `elr=X` (encoder learning rate), `l2sp=A` (L2-SP weight), `bn` (encoder batch-norm
    statistics frozen)."""
    words = text.split()
    arm = {"name": text.strip(), "init": words[0], "band_skip": False, "options": {}}
    if arm["init"] not in ("random", "encoder", "encoder+decoder"):
        raise ValueError(f"arm {text!r} must start with random, encoder or encoder+decoder")
    keys = {"frozen": ("freeze_encoder", True), "bn": ("encoder_bn", "frozen")}
    numbers = {"freeze": ("freeze_epochs", int), "elr": ("encoder_lr", float), "l2sp": ("l2sp", float)}
    for word in words[1:]:
        key, _, value = word.partition("=")
        if word == "skip":
            arm["band_skip"] = True
        elif word in keys:
            arm["options"][keys[word][0]] = keys[word][1]
        elif key in numbers:
            arm["options"][numbers[key][0]] = numbers[key][1](value)
        else:
            raise ValueError(f"unknown option {word!r} in arm {text!r}")
    return arm


def selected(arms: dict[str, dict], pretrained: bool) -> str:
    """The arm of the highest mean validation mIoU among the random-init or the pre-trained arms (the choice
    is made on the validation scenes only; the test scenes only report it)."""
    names = [n for n, a in arms.items() if (a["init"] != "random") == pretrained]
    return max(names, key=lambda n: float(np.mean(arms[n]["val"])))


def ssl_rows(workdir: Path) -> list[dict]:
    """Random init vs self-supervised init (AI4C_BENCH_UNET_SSL_METHOD cluster (default), dense, masked or moco), fine-tuned on
    5 % of the labelled patches (same seeds, picks, normalisation, schedule and early stopping). Every arm of
    AI4C_BENCH_UNET_SSL_ARMS (`;`-separated, see `parse_arm`) is scored on the validation scenes (early stopping
    and the choice of arm) and on separate test scenes; the reported gain is the test mIoU of the best
    pre-trained arm on validation over the best random-init arm on validation."""
    _threads()
    t_start, load_start = time.perf_counter(), os.getloadavg()[0]
    method = env("SSL_METHOD", "cluster")
    width, depth = env("SSL_WIDTH", 64), tuple(int(v) for v in env("SSL_DEPTH", "3,4,6,3").split(","))
    size, n_unl = env("SSL_SIZE", 256), env("SSL_UNLABELLED", 64)
    data = ssl_data(size)
    unl, mean, std = unlabelled(method, n_unl, size, data)
    side = unl.shape[-1]
    arms = {a["name"]: {**a, "val": [], "test": []} for a in map(parse_arm, env("SSL_ARMS", DEFAULT_ARMS).split(";"))}
    probes: dict[str, list[float]] = {"bands + frozen random encoder": [], "bands + frozen pre-trained encoder": [],
                                      "bands alone": []}
    seeds, per_seed = range(env("SSL_SEEDS", 3)), env("SSL_PRETRAIN_PER_SEED", 1)
    readouts: list[float] = []
    pretrained: dict[int, tuple] = {}
    for seed in seeds:
        key = seed if per_seed else 0
        if key not in pretrained:
            t0 = time.perf_counter()
            pretrained[key] = (*_pretrained(method, unl, width, depth, key), time.perf_counter() - t0)
        state = pretrained[key][0]
        pick = label_pick(data, seed)
        if env("SSL_PROBES", 0):
            for name, encoder in zip(probes, (None, state["encoder"], "bands"), strict=True):
                probes[name].append(_probe(encoder, data, seed, pick, width, depth, mean, std))
            if "centres" in state:
                readouts.append(_cluster_readout(state["centres"], data, pick, mean, std))
        for arm in arms.values():
            val, test = _finetune(state, data, seed, pick, width, depth, mean, std, arm)
            arm["val"].append(val)
            arm["test"].append(test)
    schedule, ssl_seconds = pretrained[0][2], np.mean([p[3] for p in pretrained.values()])
    losses = "; ".join(f"{p[1][0]['loss']:.2f} -> {p[1][-1]['loss']:.2f}" for p in pretrained.values())
    best_random, best_pretrained = selected(arms, False), selected(arms, True)
    note = (f"width {width} depth {depth}; {schedule}, on {len(unl)} unlabelled {side}^2 patches of {n_unl} scenes "
            f"({'one pre-training per seed, with that seed' if per_seed else 'one pre-training, seed 0'}; "
            f"{ssl_seconds:.0f} s each, loss {losses}); fine-tuned on "
            f"{len(pick)} of {len(data['pool'][0])} labelled 64^2 patches (5 %), {env('SSL_FT_EPOCHS', 40)} epochs, "
            f"batch 2, AdamW lr {env('SSL_FT_LR', 1e-3)} constant, augmentation, early stopping (patience 10) and "
            f"arm choice on {len(data['val'][0])} validation patches of scenes {_span(VAL_SCENES)}; test "
            f"{len(data['test'][0])} patches of scenes {_span(TEST_SCENES)}; normalisation by the labelled scenes' bands; seeds "
            f"{_span(seeds)}")
    gain = 100 * (np.array(arms[best_pretrained]["test"]) - np.array(arms[best_random]["test"]))
    rows = [{"benchmark": "unet self-supervision", "metric": "selected on validation: test mIoU gain, best "
             "pre-trained arm over best random-init arm (5 %)", "value": float(gain.mean()), "unit": "points",
             "random_arm": best_random, "pretrained_arm": best_pretrained, "gain_per_seed": gain.round(1).tolist(),
             "gain_seeds_0_2": float(gain[:3].mean()), "note": note, "ssl_loss": [[round(h["loss"], 3) for h in p[1]] for p in pretrained.values()],
             "load_average_start": load_start, "load_average_end": os.getloadavg()[0],
             "wall_s": time.perf_counter() - t_start}]
    for split in ("val", "test"):
        rows += _gain_rows({n: a[split] for n, a in arms.items()}, best_random, "mIoU " + split + ", {} (5 %)")
    if probes["bands alone"]:
        rows += _gain_rows(probes, "bands + frozen random encoder", "linear probe test mIoU, {} (5 %)")
    if readouts:
        rows.append({"benchmark": "unet self-supervision", "metric": "no network: test mIoU of the pre-training's "
                     "K-means clusters, each given the majority class of its labelled pixels (5 %)",
                     "value": float(np.mean(readouts)), "unit": "", "seeds": readouts})
    return rows


def _span(r: range) -> str:
    """`first-last` of a range of scene or seed numbers, for the notes."""
    return f"{r.start}-{r.stop - 1}"


def ssl_data(size: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Labelled pool (scenes 0 to SSL_POOL - 1), test and validation 64^2 patches of the ssl part."""
    data = {"pool": _patches(range(0, env("SSL_POOL", 16)), size), "test": _patches(TEST_SCENES, size),
            "val": _patches(VAL_SCENES, size)}
    return {k: (x, y.astype(np.int16)) for k, (x, y) in data.items()}


def unlabelled(method: str, n_unl: int, size: int, data: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardised unlabelled patches (scenes 100+) and the band mean/std every arm uses: those of the
    labelled pool's images, so that the normalisation does not change with the unlabelled pool."""
    side = _moco_settings().crop if method == "moco" else 64
    unl, _ = _patches(range(UNLABELLED_FIRST, UNLABELLED_FIRST + n_unl), size, side)
    x = data["pool"][0]
    mean, std = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    return _standardise(unl, mean, std).astype(np.float32), mean, std


def _standardise(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(N, C, H, W) patches less the per-band mean, over the per-band std."""
    return (x - mean[None, :, None, None]) / std[None, :, None, None]


def label_pick(data: dict, seed: int) -> np.ndarray:
    """The 5 % of the labelled pool's patches given labels under this seed (the same for every arm)."""
    n_pool = len(data["pool"][0])
    return np.random.default_rng(seed).choice(n_pool, max(2, round(0.05 * n_pool)), replace=False)


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
