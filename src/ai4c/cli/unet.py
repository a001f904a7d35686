"""`ai4c unet -action full|extract_data|train|predict ...` and `ai4c unet pretrain ...` (seed §5.2.1)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ai4c.cli.app import Command


def _args(parser: argparse.ArgumentParser) -> None:
    """The seed's table 7 flags (single or double dash) plus ours; `pretrain` as an optional first word."""
    from ai4c.pipelines.unet.params import add_arguments

    parser.add_argument("mode", nargs="?", choices=("pretrain",), default=None,
                        help="pretrain: self-supervised (MoCo v2) pre-training of the ResNet-50 backbone")
    add_arguments(parser)


def options(args: argparse.Namespace, pretrain: bool):
    """Validated Options from the parsed flags (per-mode defaults of -b, -epochs, -lr)."""
    from ai4c.pipelines.unet.params import parse_bands, parse_classes, parse_depth
    from ai4c.pipelines.unet.run import Options

    defaults = (32, 50, 0.03) if pretrain else (2, 20, 1e-4)
    return Options(
        input_dir=Path(args.input_dir), output_dir=Path(args.output_dir), bands=parse_bands(args.bands) if args.bands else [],
        selected_classes=parse_classes(args.selected_classes), patch_size=args.patch_size,
        criterion=args.criterion, pretrained=args.pretrained, data_aug=args.data_aug, simplified=args.simplified,
        batch_size=args.batch_size if args.batch_size is not None else defaults[0],
        epochs=args.epochs if args.epochs is not None else defaults[1],
        lr=args.lr if args.lr is not None else defaults[2], model_format=args.model_format,
        model_file=args.model_file, device=args.device, seed=args.seed, partial_labels=args.partial_labels,
        width=args.width, depth=parse_depth(args.depth), patience=args.patience, lr_schedule=args.lr_schedule,
        encoder_lr=args.encoder_lr, freeze_encoder=args.freeze_encoder,
        val_fraction=args.val_fraction,
        overlap=args.overlap, probabilities=args.probabilities, block=args.block)


def _run(args: argparse.Namespace) -> int:
    """Check the flags, run the action, print a JSON summary."""
    from ai4c.core.errors import InvalidParameterError

    pretrain = args.mode == "pretrain"
    if not pretrain and args.action is None:
        raise InvalidParameterError("-action is required: full, extract_data, train or predict "
                                    "(or `ai4c unet pretrain ...`)")
    for flag, value in (("-input_dir", args.input_dir), ("-output_dir", args.output_dir), ("-bands", args.bands)):
        if value is None and not (flag == "-bands" and args.action == "predict"):
            raise InvalidParameterError(f"{flag} is required")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from ai4c.pipelines.unet import run

    result = run.run("pretrain" if pretrain else args.action, options(args, pretrain))
    print(json.dumps(_summary(result), default=str))
    return 0


def _summary(result) -> dict | list:
    """What to print: paths and headline numbers, not the per-epoch history."""
    if isinstance(result, list):
        return [str(p) for p in result]
    keep = ("model", "backbone", "patches", "best_epoch", "epochs_run", "seconds", "device")
    out = {k: result[k] for k in keep if k in result}
    if "validation" in result:
        out["val_miou"] = result["validation"]["miou"]
    if "heldout" in result:
        out["heldout_miou"] = result["heldout"]["miou"]
    if "mean" in result:
        out["bands"] = result["bands"]
    return out


COMMANDS = [Command("unet", "U-Net (ResNet-50 encoder) pixel classification of S2 patches: -action "
                    "full|extract_data|train|predict, or `pretrain` (MoCo v2); seed §5.2.1", _args, _run)]
main = COMMANDS[0].main
