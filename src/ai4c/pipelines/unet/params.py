"""The parameters of `ai4c unet` (seed table 7 plus ours), defined once: the CLI and docs/unet.md read them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ai4c.core.errors import InvalidParameterError

ACTIONS = ("full", "extract_data", "train", "predict")
MODEL_FORMATS = ("Pytorch", "onnx")
S2_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")


def parse_bool(text: str) -> bool:
    """True/False (any case), 1/0, yes/no."""
    value = str(text).strip().lower()
    if value in ("true", "1", "yes", "y"):
        return True
    if value in ("false", "0", "no", "n"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not True or False")


def model_format(text: str) -> str:
    """`Pytorch`/`pytorch`/`pt` -> Pytorch, `onnx`/`ONNX` -> onnx."""
    value = str(text).strip().lower()
    if value in ("pytorch", "pt", "torch"):
        return "Pytorch"
    if value == "onnx":
        return "onnx"
    raise argparse.ArgumentTypeError(f"{text!r} is not Pytorch or onnx")


@dataclass(frozen=True)
class Param:
    """One flag: its spellings, destination, type, default, choices and help."""

    flags: tuple[str, ...]
    dest: str
    type: Any = str
    default: Any = None
    choices: tuple | None = None
    help: str = ""
    seed: bool = False  # a flag of the seed's table 7
    required: bool = False


PARAMS = (
    Param(("-action", "--action"), "action", str, None, ACTIONS,
          "what to do: full (extract_data + train + predict on the held-out part), extract_data, train, predict "
          "(omit with `ai4c unet pretrain`)", seed=True),
    Param(("-criterion", "--criterion"), "criterion", str, "cross_entropy", ("cross_entropy", "focal_loss"),
          "training loss", seed=True),
    Param(("-pretrained", "--pretrained"), "pretrained", str, "False", None,
          "False; True (the `ai4c unet pretrain` backbone `backbone.pt` in -output_dir); or a path to a "
          "backbone: ours, or a torchgeo/SSL4EO-S12 ResNet-50 checkpoint (13 or fewer bands)", seed=True),
    Param(("-bands", "--bands"), "bands", str, None, None,
          "comma-separated S2 bands in the model's input order, e.g. B2,B3,B4,B8", seed=True, required=True),
    Param(("-selected-classes", "--selected-classes", "-selected_classes", "--selected_classes"), "selected_classes",
          str, "1", None, "comma-separated label values (1-254) to learn; other values become background 0 (255 marks no data in maps)",
          seed=True),
    Param(("-data_aug", "--data_aug"), "data_aug", parse_bool, False, None,
          "augmentation: flips, rotations, radiometric jitter", seed=True),
    Param(("-simplified", "--simplified"), "simplified", parse_bool, False, None,
          "SEN12MS: map the 17 IGBP classes to the 10 simplified (DFC2020) classes", seed=True),
    Param(("-b", "--batch-size", "-batch-size", "--batch_size", "-batch_size"), "batch_size", int, None, None,
          "batch size, 2-64 (default 2; 32 for pretrain)", seed=True),
    Param(("-epochs", "--epochs"), "epochs", int, None, None, "epochs, 1-99 (default 20; 50 for pretrain)",
          seed=True),
    Param(("-patch_size", "--patch_size"), "patch_size", int, 256, None, "patch side in pixels: 64 or 256", seed=True),
    Param(("-lr", "--lr"), "lr", float, None, None, "initial learning rate (default 0.0001; 0.03 for pretrain)",
          seed=True),
    Param(("-model_format", "--model_format"), "model_format", model_format, "Pytorch", MODEL_FORMATS,
          "format of the saved model", seed=True),
    Param(("-model_file", "--model_file"), "model_file", str, None, None,
          "train: file name written into -output_dir (default unet.pt / unet.onnx); predict: the model path",
          seed=True),
    Param(("-input_dir", "--input_dir"), "input_dir", str, None, None,
          "images/ + labels/ (or SEN12MS ROIs*/s2_*/ + lc_*/) for extract_data/full/pretrain; an extracted "
          "dataset (train.h5, val.h5) for train; images (or images/) for predict", required=True),
    Param(("-output_dir", "--output_dir"), "output_dir", str, None, None, "folder for every output",
          required=True),
    Param(("-device", "--device"), "device", str, "auto", ("auto", "cpu", "cuda"),
          "auto: CUDA (mixed precision) when present"),
    Param(("-seed", "--seed"), "seed", int, 0, None, "random seed"),
    Param(("-partial_labels", "--partial_labels"), "partial_labels", parse_bool, False, None,
          "True: label 0 means unknown and is ignored by the loss and metrics; False: 0 is a background class"),
    Param(("-width", "--width"), "width", int, 64, None,
          "encoder base width (64 = ResNet-50; smaller for quick CPU runs)"),
    Param(("-depth", "--depth"), "depth", str, "3,4,6,3", None,
          "bottleneck blocks per ResNet stage (3,4,6,3 = ResNet-50)"),
    Param(("-encoder_lr", "--encoder_lr"), "encoder_lr", float, None, None,
          "learning rate of the encoder (default -lr); about -lr/10 keeps more of a -pretrained encoder"),
    Param(("-freeze_encoder", "--freeze_encoder"), "freeze_encoder", parse_bool, False, None,
          "True: train the decoder only, the -pretrained encoder (and its batch-norm statistics) kept as they are"),
    Param(("-lr_schedule", "--lr_schedule"), "lr_schedule", str, "cosine", ("cosine", "constant"),
          "learning rate over the epochs: cosine decay from -lr to -lr/100, or constant (few steps per epoch)"),
    Param(("-patience", "--patience"), "patience", int, 5, None,
          "epochs without a better validation mIoU before early stopping"),
    Param(("-val_fraction", "--val_fraction"), "val_fraction", float, 0.2, None,
          "share of the data held out for validation, spatially apart"),
    Param(("-overlap", "--overlap"), "overlap", int, None, None,
          "predict: overlap of sliding windows in pixels (default patch_size/8)"),
    Param(("-probabilities", "--probabilities"), "probabilities", parse_bool, False, None,
          "predict: also write NAME_proba.tif (uint8 per-class probability x 255)"),
    Param(("-block", "--block"), "block", int, 4096, None, "predict: pixels per side of a processing block (memory ~60 B/pixel)"),
    Param(("-threads", "--threads"), "threads", int, 0, None, "CPU threads for torch (0: torch's default)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every flag to an argparse parser (single and double dash spellings)."""
    for p in PARAMS:
        kwargs: dict[str, Any] = {"dest": p.dest, "type": p.type, "default": p.default, "help": p.help}
        if p.choices:
            kwargs["choices"] = p.choices
            kwargs["metavar"] = "|".join(map(str, p.choices))
        parser.add_argument(*p.flags, **kwargs)


def check_range(name: str, value: float, low: float, high: float) -> float:
    """`value` within [low, high] or raise naming the range."""
    if not low <= value <= high:
        raise InvalidParameterError(f"{name}={value} is outside {low:g}-{high:g}")
    return value


def parse_classes(text: str) -> list[int]:
    """`1,3,5` -> [1, 3, 5]; each 1-254 (255 is the maps' no-data value), no repeats."""
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise InvalidParameterError(f"-selected-classes {text!r} must be comma-separated integers 1-254") from None
    if not values or any(not 1 <= v <= 254 for v in values) or len(set(values)) != len(values):
        raise InvalidParameterError(f"-selected-classes {text!r} must be distinct integers 1-254")
    return values


def parse_bands(text: str | None) -> list[str]:
    """`B2,B03,b8a` -> ['B2', 'B3', 'B8A'], each a Sentinel-2 band."""
    from ai4c.ml.segmentation.backbone import canonical_band

    bands = [canonical_band(b) for b in str(text or "").split(",") if b.strip()]
    bad = [b for b in bands if b not in S2_BANDS]
    if not bands or bad or len(set(bands)) != len(bands):
        raise InvalidParameterError(f"-bands {text!r}: give distinct Sentinel-2 bands from {', '.join(S2_BANDS)}")
    return bands


def parse_depth(text: str) -> tuple[int, int, int, int]:
    """`3,4,6,3` -> (3, 4, 6, 3)."""
    try:
        blocks = tuple(int(v) for v in str(text).split(","))
    except ValueError:
        blocks = ()
    if len(blocks) != 4 or min(blocks) < 1:
        raise InvalidParameterError(f"-depth {text!r} must be four positive integers like 3,4,6,3")
    return blocks  # type: ignore[return-value]


def table() -> str:
    """Markdown table of the flags (for docs/unet.md)."""
    rows = ["| flag | values | default | meaning |", "|---|---|---|---|"]
    for p in PARAMS:
        values = "|".join(map(str, p.choices)) if p.choices else ("True/False" if p.type is parse_bool else
                                                                   p.type.__name__)
        default = "required" if p.required else ("—" if p.default is None else str(p.default))
        mark = " (seed)" if p.seed else ""
        rows.append(f"| `{', '.join(p.flags[:2])}`{mark} | {values.replace('|', ' / ')} | {default} | {p.help} |")
    return "\n".join(rows)
