"""The parameters of `ai4c unet` (seed table 7 plus ours), defined once as `UnetParameters` with
`core.params.param`: the CLI builds its flags from it, the pipeline runs on it and docs/unet.md prints it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai4c.core.errors import InvalidParameterError
from ai4c.core.params import at_least, param, positive, specs, within

ACTIONS = ("full", "extract_data", "train", "predict")
MODEL_FORMATS = ("Pytorch", "onnx")
S2_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
SSL_METHODS = ("cluster", "dense", "masked", "moco")
_BODY_PRETRAIN = {"batch_size": 16, "epochs": 30, "lr": 2e-3}  # the U-Net-body pretexts (AdamW)
PRETRAIN_DEFAULTS = {**dict.fromkeys(("cluster", "dense", "masked"), _BODY_PRETRAIN),  # `ai4c unet pretrain`
                     "moco": {"batch_size": 32, "epochs": 50, "lr": 0.03}}              # MoCo v2 (SGD)
TRAIN_DEFAULTS = {"batch_size": 2, "epochs": 20, "lr": 1e-4}       # the seed's table 7


def true_false(text: Any) -> bool:
    """The seed's `True`/`False` values (any case; 1/0 and yes/no too)."""
    value = str(text).strip().lower()
    if value in ("true", "1", "yes", "y"):
        return True
    if value in ("false", "0", "no", "n"):
        return False
    raise ValueError(f"{text!r} is not True or False")


def model_format(text: Any) -> str:
    """`Pytorch`/`pytorch`/`pt` -> Pytorch, `onnx`/`ONNX` -> onnx."""
    value = str(text).strip().lower()
    if value in ("pytorch", "pt", "torch"):
        return "Pytorch"
    if value == "onnx":
        return "onnx"
    raise ValueError(f"{text!r} is not Pytorch or onnx")


def parse_classes(name: str, text: Any) -> list[int]:
    """`1,3,5` -> [1, 3, 5]; each 1-254 (255 is the maps' no-data value), no repeats."""
    if isinstance(text, list):
        return text
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise InvalidParameterError(f"-selected-classes {text!r} must be comma-separated integers 1-254") from None
    if not values or any(not 1 <= v <= 254 for v in values) or len(set(values)) != len(values):
        raise InvalidParameterError(f"-selected-classes {text!r} must be distinct integers 1-254")
    return values


def parse_bands(name: str, text: Any) -> list[str]:
    """`B2,B03,b8a` -> ['B2', 'B3', 'B8A'], each a Sentinel-2 band."""
    from ai4c.ml.segmentation.backbone import canonical_band

    if isinstance(text, list):
        text = ",".join(text)
    bands = [canonical_band(b) for b in str(text or "").split(",") if b.strip()]
    bad = [b for b in bands if b not in S2_BANDS]
    if not bands or bad or len(set(bands)) != len(bands):
        raise InvalidParameterError(f"-bands {text!r}: give distinct Sentinel-2 bands from {', '.join(S2_BANDS)}")
    return bands


def parse_depth(name: str, text: Any) -> tuple[int, int, int, int]:
    """`3,4,6,3` -> (3, 4, 6, 3)."""
    if isinstance(text, tuple):
        return text
    try:
        blocks = tuple(int(v) for v in str(text).split(","))
    except ValueError:
        blocks = ()
    if len(blocks) != 4 or min(blocks) < 1:
        raise InvalidParameterError(f"-depth {text!r} must be four positive integers like 3,4,6,3")
    return blocks  # type: ignore[return-value]


def patch_side(name: str, value: int) -> int:
    """64 or 256 (the seed's patch sizes)."""
    if value not in (64, 256):
        raise InvalidParameterError(f"-patch_size {value} must be 64 or 256")
    return value


def encoder_width(name: str, value: int) -> int:
    """A multiple of 4 (64 = ResNet-50)."""
    if value < 4 or value % 4:
        raise InvalidParameterError(f"-width {value} must be a multiple of 4 (64 = ResNet-50)")
    return value


def _flags(name: str, *more: str) -> tuple[str, ...]:
    """The seed's single-dash spelling first, then the double dash, then any others."""
    return (f"-{name}", f"--{name}", *more)


@dataclass(frozen=True)
class UnetParameters:
    """One `ai4c unet` run: the seed's table 7 flags (marked `seed` in the docs) and ours."""

    action: str = param(None, "what to do: full (extract_data + train + predict on the held-out part), extract_data, "
                        "train, predict (omit with `ai4c unet pretrain`) [seed]", choices=ACTIONS,
                        flags=_flags("action"))
    criterion: str = param("cross_entropy", "training loss [seed]", choices=("cross_entropy", "focal_loss"),
                           flags=_flags("criterion"))
    pretrained: str = param("False", "False; True (the `ai4c unet pretrain` backbone `backbone.pt` in -output_dir); "
                            "or a path to a backbone: ours, or a torchgeo/SSL4EO-S12 ResNet-50 checkpoint (13 or "
                            "fewer bands) [seed]", flags=_flags("pretrained"))
    bands: list = param(None, "comma-separated S2 bands in the model's input order, e.g. B2,B3,B4,B8 (required "
                        "except for predict) [seed]", kind=str, flags=_flags("bands"), check=parse_bands)
    selected_classes: list = param("1", "comma-separated label values (1-254) to learn; other values become "
                                   "background 0 (255 marks no data in maps) [seed]", kind=str,
                                   flags=_flags("selected-classes", "-selected_classes", "--selected_classes"),
                                   check=parse_classes)
    data_aug: bool = param(False, "augmentation: flips, rotations, radiometric jitter (True/False) [seed]",
                           kind=true_false, flags=_flags("data_aug"), metavar="True|False")
    simplified: bool = param(False, "SEN12MS: map the 17 IGBP classes to the 10 simplified (DFC2020) classes "
                             "(True/False) [seed]", kind=true_false, flags=_flags("simplified"), metavar="True|False")
    batch_size: int = param(None, "batch size, 2-64 (default 2; pretrain: 16 dense/masked/cluster, 32 moco) [seed]", kind=int,
                            flags=("-b", "--batch-size", "-batch-size", "--batch_size", "-batch_size"),
                            check=within(2, 64))
    epochs: int = param(None, "epochs, 1-99 (default 20; pretrain: 30 dense/masked/cluster, 50 moco) [seed]", kind=int, flags=_flags("epochs"),
                        check=within(1, 99))
    patch_size: int = param(256, "patch side in pixels: 64 or 256 [seed]", flags=_flags("patch_size"),
                            check=patch_side)
    lr: float = param(None, "initial learning rate (default 0.0001; pretrain: 0.002 dense/masked/cluster, 0.03 moco) [seed]", kind=float,
                      flags=_flags("lr"), check=positive)
    model_format: str = param("Pytorch", "format of the saved model: Pytorch or onnx [seed]", kind=model_format,
                              flags=_flags("model_format"), metavar="Pytorch|onnx")
    model_file: str = param(None, "train: file name written into -output_dir (default unet.pt / unet.onnx); "
                            "predict: the model path [seed]", flags=_flags("model_file"))
    input_dir: Path = param(None, "images/ + labels/ (or SEN12MS ROIs*/s2_*/ + lc_*/) for extract_data/full/"
                            "pretrain; an extracted dataset (train.h5, val.h5) for train; images (or images/) for "
                            "predict (required)", kind=Path, flags=_flags("input_dir"))
    output_dir: Path = param(None, "folder for every output (required)", kind=Path, flags=_flags("output_dir"))
    device: str = param("auto", "auto: CUDA (mixed precision training) when present", choices=("auto", "cpu", "cuda"),
                        flags=_flags("device"))
    seed: int = param(0, "random seed", flags=_flags("seed"))
    partial_labels: bool = param(False, "True: label 0 means unknown and is ignored by the loss and metrics; "
                                 "False: 0 is a background class", kind=true_false, flags=_flags("partial_labels"),
                                 metavar="True|False")
    width: int = param(64, "encoder base width (64 = ResNet-50; smaller for quick CPU runs)", flags=_flags("width"),
                       check=encoder_width)
    depth: tuple = param("3,4,6,3", "bottleneck blocks per ResNet stage (3,4,6,3 = ResNet-50)", kind=str,
                         flags=_flags("depth"), check=parse_depth)
    encoder_lr: float = param(None, "learning rate of the encoder (default -lr); about -lr/10 keeps more of a "
                              "-pretrained encoder", kind=float, flags=_flags("encoder_lr"), check=positive)
    pretrained_decoder: bool = param(False, "True: the decoder of a -pretrained backbone (cluster, dense or masked "
                                     "pre-training) is loaded too, the tensors whose shape fits; False: its encoder "
                                     "only", kind=true_false, flags=_flags("pretrained_decoder"), metavar="True|False")
    freeze_encoder: bool = param(False, "True: train the decoder only, the -pretrained encoder (and its batch-norm "
                                 "statistics) kept as they are", kind=true_false, flags=_flags("freeze_encoder"),
                                 metavar="True|False")
    freeze_epochs: int = param(0, "the -pretrained encoder frozen for the first epochs only (the decoder learns "
                               "first, then everything: linear-probe-then-fine-tune)", flags=_flags("freeze_epochs"),
                               check=at_least(0))
    band_skip: bool = param(False, "True: the standardised bands also enter the decoder's last (full-resolution) "
                            "block, a skip connection from the input itself", kind=true_false,
                            flags=_flags("band_skip"), metavar="True|False")
    l2sp: float = param(0.0, "L2-SP weight: fine-tuning penalised by this x the squared distance of the encoder from "
                        "its -pretrained weights (0: off)", flags=_flags("l2sp"), check=at_least(0))
    encoder_bn: str = param("train", "frozen: the encoder's batch-norm statistics stay those of the -pretrained "
                            "backbone while its weights are fine-tuned; train: updated as usual",
                            choices=("train", "frozen"), flags=_flags("encoder_bn"))
    lr_schedule: str = param("cosine", "learning rate over the epochs: cosine decay from -lr to -lr/100, or constant "
                             "(few steps per epoch)", choices=("cosine", "constant"), flags=_flags("lr_schedule"))
    patience: int = param(5, "epochs without a better validation mIoU before early stopping", flags=_flags("patience"),
                          check=at_least(1))
    val_fraction: float = param(0.2, "share of the data held out for validation, spatially apart",
                                flags=_flags("val_fraction"), check=within(0.01, 0.9))
    overlap: int = param(None, "predict: overlap of sliding windows in pixels (default patch_size/8)", kind=int,
                         flags=_flags("overlap"), check=at_least(0))
    probabilities: bool = param(False, "predict: also write NAME_proba.tif (uint8 per-class probability x 255)",
                                kind=true_false, flags=_flags("probabilities"), metavar="True|False")
    block: int = param(4096, "predict: pixels per side of a processing block (memory ~60 B/pixel)",
                       flags=_flags("block"))
    ssl_method: str = param("cluster", "pretrain: cluster (predict the K-means cluster of every pixel's spectrum), "
                            "dense (pixel contrast between two views), masked (reconstruct "
                            "the bands of blanked 8x8 cells), all three training encoder and decoder; or moco (MoCo "
                            "v2, image level, encoder only)", choices=SSL_METHODS,
                            flags=_flags("ssl_method"))
    threads: int = param(0, "CPU threads for torch (0: torch's default)", flags=_flags("threads"), check=at_least(0))

    def __post_init__(self) -> None:
        """Text given for the list parameters (the declared defaults too) becomes their parsed form."""
        for name, parse in (("bands", parse_bands), ("selected_classes", parse_classes), ("depth", parse_depth)):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, parse(name, value))

    def with_mode_defaults(self, pretrain: bool) -> UnetParameters:
        """-b, -epochs and -lr filled with the defaults of training or of `pretrain` where not given."""
        defaults = PRETRAIN_DEFAULTS[self.ssl_method] if pretrain else TRAIN_DEFAULTS
        return dataclasses.replace(self, **{k: v for k, v in defaults.items() if getattr(self, k) is None})

    def validate(self) -> UnetParameters:
        """The rules between parameters (each value alone was checked when it was set)."""
        import torch

        from ai4c.core.log import warn

        if self.overlap is not None and not self.overlap < self.patch_size:
            raise InvalidParameterError(f"-overlap {self.overlap} must be 0..patch_size-1")
        if self.block < self.patch_size:
            raise InvalidParameterError(f"-block {self.block} must be at least the patch size")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise InvalidParameterError("-device cuda but no CUDA device is available; use -device auto or cpu")
        if str(self.pretrained).strip().lower() in ("false", "0", "no"):
            if self.freeze_encoder:
                warn("-freeze_encoder True without -pretrained keeps a random encoder: only the decoder learns")
            if self.l2sp > 0 or self.encoder_bn == "frozen":
                warn("-l2sp and -encoder_bn frozen without -pretrained hold the encoder near its random start")
        return self

    @property
    def class_values(self) -> list[int]:
        """Model output index -> label value: background 0 first unless labels are partial."""
        return list(self.selected_classes) if self.partial_labels else [0, *self.selected_classes]


def table() -> str:
    """Markdown table of the flags (for docs/unet.md)."""
    rows = ["| flag | values | default | meaning |", "|---|---|---|---|"]
    for fld, spec in specs(UnetParameters).values():
        values = " / ".join(spec.choices) if spec.choices else (spec.metavar or spec.kind.__name__).replace("|", " / ")
        default = "—" if fld.default is None else str(fld.default)
        rows.append(f"| `{', '.join(spec.flags[:2])}` | {values} | {default} | {spec.help} |")
    return "\n".join(rows)
