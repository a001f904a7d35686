"""The actions of `ai4c unet`: extract_data, train, predict, full, and `pretrain` (pixel contrast or MoCo v2)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import rasterio
import torch
from rasterio.windows import Window

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.core.io import write_text_atomic
from ai4c.core.log import warn
from ai4c.core.outputs import check_writable, overwriting
from ai4c.ml.segmentation.losses import IGNORE
from ai4c.ml.segmentation.metrics import confusion, summary
from ai4c.ml.segmentation.train import TrainSettings, train
from ai4c.ml.segmentation.unet import UNet, UNetConfig
from ai4c.pipelines.unet import dataset, model_io
from ai4c.pipelines.unet.layout import Sample, discover, read_label
from ai4c.pipelines.unet.params import UnetParameters
from ai4c.pipelines.unet.plots import plot_confusion
from ai4c.pipelines.unet.predict import predict_image

METRICS = "metrics.json"


def label_lut(class_values: list[int], partial: bool) -> np.ndarray:
    """Raw label value (0-255) -> model class index; unselected values -> background (or IGNORE)."""
    lut = np.full(256, IGNORE if partial else 0, np.int16)
    for i, v in enumerate(class_values):
        lut[v] = i
    if partial:
        lut[0] = IGNORE
    return lut


def extract_data(o: UnetParameters) -> dict:
    """Cut the labelled tiles into the patch dataset."""
    return dataset.extract(o.input_dir, o.output_dir, o.bands, o.patch_size, simplified=o.simplified,
                           val_fraction=o.val_fraction, seed=o.seed)


def _check_classes(manifest: dict, selected: list[int]) -> None:
    """Every selected class must occur in the training labels."""
    present = {int(k) for k in manifest["label_counts"]["train"]}
    absent = [c for c in selected if c not in present]
    if absent:
        raise InvalidParameterError(f"-selected-classes {absent[0]} does not occur in the training labels; they "
                                    f"hold: {', '.join(str(v) for v in sorted(present))}")
    dataset.warn_unused(manifest["label_counts"]["train"], selected)


def build_model(o: UnetParameters, manifest: dict) -> tuple[UNet, dict | None]:
    """A fresh U-Net with the dataset's normalisation and, on request, a pre-trained encoder."""
    cfg = UNetConfig(bands=list(o.bands), class_values=o.class_values, width=o.width, blocks=o.depth,
                     patch_size=int(manifest["patch_size"]), band_skip=o.band_skip)
    torch.manual_seed(o.seed)
    model = UNet(cfg)
    model.set_normalisation(manifest["mean"], manifest["std"])
    backbone = model_io.resolve_pretrained(o.pretrained, o.output_dir)
    info = model_io.load_backbone_into(model, backbone, o.pretrained_decoder) if backbone else None
    return model, info


def train_action(o: UnetParameters, data_dir: Path | None = None) -> dict:
    """Train on an extracted dataset; write the model, metrics.json and confusion_matrix.png."""
    data_dir = data_dir or o.input_dir
    manifest = dataset.load_manifest(data_dir)
    if list(manifest["bands"]) != list(o.bands):
        raise InvalidParameterError(f"the dataset in {data_dir} has bands {','.join(manifest['bands'])} but -bands is "
                                    f"{','.join(o.bands)}; extract it again or use its bands")
    _check_classes(manifest, o.selected_classes)
    o.output_dir.mkdir(parents=True, exist_ok=True)
    model_path = o.output_dir / (o.model_file or model_io.default_model_file(o.model_format))
    lut = label_lut(o.class_values, o.partial_labels)
    x, y = dataset.load_split(data_dir, "train")
    xv, yv = dataset.load_split(data_dir, "val")
    model, backbone = build_model(o, manifest)
    settings = TrainSettings(epochs=o.epochs, batch_size=o.batch_size, lr=o.lr, criterion=o.criterion,
                             data_aug=o.data_aug, patience=o.patience, seed=o.seed, device=o.device,
                             schedule=o.lr_schedule, encoder_lr=o.encoder_lr, freeze_encoder=o.freeze_encoder,
                             freeze_epochs=o.freeze_epochs, l2sp=o.l2sp, encoder_bn=o.encoder_bn)
    t0 = time.perf_counter()
    result = train(model, x, lut[y], xv, lut[yv], settings, on_epoch=_log_epoch)
    model_io.save_model(model, model_path, o.model_format, {"bands": o.bands, "trained": result["best"]})
    report = {"model": str(model_path), "model_format": o.model_format, "bands": o.bands,
              "class_values": o.class_values, "partial_labels": o.partial_labels, "criterion": o.criterion,
              "pretrained": backbone, "patches": manifest["patches"], "epochs_run": len(result["history"]),
              "best_epoch": result["best"].get("epoch"), "validation": result["best"],
              "confusion_matrix": result["confusion_matrix"], "history": result["history"],
              "device": result["device"], "seconds": time.perf_counter() - t0,
              "encoder": {"width": o.width, "blocks": list(o.depth), "lr": o.encoder_lr or o.lr,
                          "frozen": o.freeze_encoder, "l2sp": o.l2sp, "batch_norm": o.encoder_bn},
              "band_skip": o.band_skip}
    plot_confusion(np.array(result["confusion_matrix"]), o.class_values, o.output_dir / "confusion_matrix.png",
                   f"validation mIoU {result['best']['miou']:.3f}")
    write_text_atomic(o.output_dir / METRICS, json.dumps(report, indent=1))
    return report


def _log_epoch(row: dict) -> None:
    from ai4c.core import progress

    if progress.is_enabled():
        print(f"epoch {row['epoch']}: loss {row['loss']:.4f}, val mIoU {row['val_miou']:.4f} "
              f"({row['patches_per_s']:.1f} patches/s)", flush=True)


def predict_action(o: UnetParameters) -> list[Path]:
    """Classify each image of -input_dir (its images/ folder when present) into -output_dir."""
    if not o.model_file:
        raise InvalidParameterError("-action predict needs -model_file PATH (a unet.pt or unet.onnx)")
    model = model_io.load_model(o.model_file, o.device)
    model_io.check_model_bands(model.config, o.bands)
    samples = discover(o.input_dir, need_labels=False)
    _check_inputs(samples, model.config.bands)
    for s in samples:
        check_writable(o.output_dir / f"{s.image.stem}.tif")
        if o.probabilities:
            check_writable(o.output_dir / f"{s.image.stem}_proba.tif")
    o.output_dir.mkdir(parents=True, exist_ok=True)
    overlap = o.overlap if o.overlap is not None else model.config.patch_size // 8
    return [predict_image(model, s, o.output_dir / f"{s.image.stem}.tif", overlap=overlap, block=o.block,
                          probabilities=o.probabilities) for s in samples]


def _check_inputs(samples: list[Sample], bands: list[str]) -> None:
    """Every image has the model's bands (checked before any output is written)."""
    from ai4c.pipelines.unet.layout import band_indexes

    for s in samples:
        with rasterio.open(s.image) as src:
            band_indexes(src, bands, s.sen12ms)


def full_action(o: UnetParameters) -> dict:
    """extract_data + train + predict the held-out (validation) part of each tile, scored against its labels."""
    manifest = extract_data(o)
    report = train_action(o, o.output_dir)
    model = model_io.load_model(o.output_dir / Path(report["model"]).name, o.device)
    pred_dir = o.output_dir / "predictions"
    pred_dir.mkdir(exist_ok=True)
    overlap = o.overlap if o.overlap is not None else o.patch_size // 8
    n = len(o.class_values)
    cm = np.zeros((n, n), np.int64)
    lut = label_lut(o.class_values, o.partial_labels)
    for region in manifest["regions"]:
        if region["split"] != "val":
            continue
        r0, c0, h, w = region["window"]
        image = Path(region["image"])
        sample = next(s for s in discover(o.input_dir, need_labels=True) if s.image == image)
        out = predict_image(model, sample, pred_dir / f"{image.stem}.tif", overlap=overlap, block=o.block,
                            probabilities=o.probabilities, window=Window(c0, r0, w, h))
        cm += _score(out, sample, Window(c0, r0, w, h), lut, model.config.class_values, o.simplified)
    report["heldout"] = {**summary(cm), "confusion_matrix": cm.tolist(), "predictions": str(pred_dir)}
    with overwriting(True):  # this run's own metrics.json, completed with the held-out scores
        write_text_atomic(o.output_dir / METRICS, json.dumps(report, indent=1))
    return report


def _score(pred_path: Path, sample: Sample, window: Window, lut: np.ndarray, values: list[int],
           simplified: bool) -> np.ndarray:
    """Confusion of a written class map against the label window it covers."""
    with rasterio.open(sample.label) as lab:
        truth = lut[read_label(lab, window, sample, simplified)]
    with rasterio.open(pred_path) as src:
        pred_codes = src.read(1)
    index = np.zeros(256, np.int64)
    index[np.array(values)] = np.arange(len(values))
    return confusion(truth, index[pred_codes], len(values), ignore=IGNORE)


def pretrain_action(o: UnetParameters) -> dict:
    """Self-supervised pre-training on the (unlabelled) images of -input_dir: backbone.pt + pretrain.json in
    -output_dir (pixel clustering, dense pixel contrast or masked reconstruction: encoder and decoder; MoCo v2:
    encoder)."""
    from ai4c.pipelines.unet.unlabelled import read_patches

    patches = read_patches(o.input_dir, o.bands, o.patch_size)
    if len(patches) < 2:
        raise InvalidProductError(f"{o.input_dir} gives fewer than 2 patches of {o.patch_size}; pre-training needs more")
    mean = patches.mean(axis=(0, 2, 3), keepdims=True)
    std = np.maximum(patches.std(axis=(0, 2, 3), keepdims=True), 1e-6)
    o.output_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    train_ssl = _pretrain_moco if o.ssl_method == "moco" else _pretrain_body
    method, state, history, settings = train_ssl((patches - mean) / std, o)
    path = model_io.save_backbone(state, o.bands, o.width, o.depth, o.output_dir / model_io.BACKBONE_FILE,
                                  {"method": method, "patches": len(patches)})
    report = {"backbone": str(path), "method": method, "patches": len(patches), "bands": o.bands,
              "history": history, "seconds": time.perf_counter() - t0,
              "settings": asdict(settings), "encoder": {"width": o.width, "blocks": list(o.depth)}}
    write_text_atomic(o.output_dir / "pretrain.json", json.dumps(report, indent=1))
    return report


def _body_config(o: UnetParameters) -> UNetConfig:
    """The U-Net whose body (encoder + decoder) a clustering, dense or masked pre-training trains."""
    return UNetConfig(bands=list(o.bands), class_values=[0, 1], width=o.width, blocks=o.depth,
                      patch_size=o.patch_size)


def _pretrain_body(z: np.ndarray, o: UnetParameters) -> tuple:
    """Pixel clustering, pixel contrast or masked band reconstruction through the U-Net body (-ssl_method); the
    state holds the encoder and the decoder."""
    from ai4c.ml.segmentation import ssl_cluster, ssl_dense, ssl_masked

    name, settings_type, pretrain = {
        "cluster": ("pixel clustering", ssl_cluster.ClusterSettings, ssl_cluster.pretrain_cluster),
        "dense": ("pixel contrast", ssl_dense.DenseSettings, ssl_dense.pretrain_dense),
        "masked": ("masked reconstruction", ssl_masked.MaskedSettings, ssl_masked.pretrain_masked)}[o.ssl_method]
    settings = settings_type(epochs=o.epochs, batch_size=o.batch_size, lr=o.lr, seed=o.seed, device=o.device)
    state, history = pretrain(z, _body_config(o), settings, on_epoch=_log_epoch_ssl)
    return name, state, history, settings


def _pretrain_moco(z: np.ndarray, o: UnetParameters) -> tuple:
    """MoCo v2 on the pooled deepest features; the state is the encoder's."""
    from ai4c.ml.segmentation.resnet import EncoderConfig
    from ai4c.ml.segmentation.ssl import PretrainSettings, pretrain

    settings = PretrainSettings(epochs=o.epochs, batch_size=o.batch_size, lr=o.lr, seed=o.seed, device=o.device,
                                crop=min(o.patch_size, 128))
    state, history = pretrain(z, EncoderConfig(len(o.bands), o.width, o.depth), settings, on_epoch=_log_epoch_ssl)
    return "MoCo v2", {"encoder": state}, history, settings


def _log_epoch_ssl(row: dict) -> None:
    from ai4c.core import progress

    if progress.is_enabled():
        print(f"epoch {row['epoch']}: loss {row['loss']:.4f} ({row['patches_per_s']:.1f} patches/s)", flush=True)


def planned_outputs(action: str, o: UnetParameters) -> list[Path]:
    """The files an action writes in -output_dir (checked before any work: existing ones need --overwrite)."""
    model = o.model_file or model_io.default_model_file(o.model_format)
    files = {"extract_data": ["train.h5", "val.h5", dataset.MANIFEST],
             "train": [model, METRICS, "confusion_matrix.png"],
             "pretrain": [model_io.BACKBONE_FILE, "pretrain.json"]}
    files["full"] = files["extract_data"] + files["train"]
    return [o.output_dir / name for name in files.get(action, [])]


def run(action: str, o: UnetParameters) -> dict | list:
    """Dispatch one action."""
    o.validate()
    for path in planned_outputs(action, o):
        check_writable(path)
    if action == "extract_data":
        return extract_data(o)
    if action == "train":
        if not (o.input_dir / "train.h5").exists() and (o.input_dir / "images").is_dir():
            discover(o.input_dir, need_labels=True)  # names missing labels first
            raise InputNotFoundError(f"{o.input_dir} is an image folder: run -action extract_data first (or -action "
                                     "full), then train on its -output_dir")
        return train_action(o)
    if action == "predict":
        return predict_action(o)
    if action == "full":
        return full_action(o)
    if action == "pretrain":
        return pretrain_action(o)
    warn(f"unknown action {action}")
    raise InvalidParameterError(f"-action {action!r} is not one of full, extract_data, train, predict")
