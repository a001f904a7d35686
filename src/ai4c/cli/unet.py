"""`ai4c unet -action full|extract_data|train|predict ...` and `ai4c unet pretrain ...` (seed §5.2.1)."""

from __future__ import annotations

import argparse
import json

from ai4c.cli.app import Command


def _args(parser: argparse.ArgumentParser) -> None:
    """The seed's table 7 flags (single or double dash) plus ours; `pretrain` as an optional first word."""
    from ai4c.core.params import add_arguments
    from ai4c.pipelines.unet.params import UnetParameters

    parser.add_argument("mode", nargs="?", choices=("pretrain",), default=None,
                        help="pretrain: self-supervised pre-training (pixel clustering, pixel contrast, masked reconstruction or MoCo v2: -ssl_method)")
    add_arguments(parser, UnetParameters)


def _run(args: argparse.Namespace) -> int:
    """Check the flags, run the action, print a JSON summary."""
    from ai4c.core.errors import InvalidParameterError
    from ai4c.core.params import from_namespace
    from ai4c.pipelines.unet.params import UnetParameters

    pretrain = args.mode == "pretrain"
    p = from_namespace(UnetParameters, args).with_mode_defaults(pretrain)
    if not pretrain and p.action is None:
        raise InvalidParameterError("-action is required: full, extract_data, train or predict "
                                    "(or `ai4c unet pretrain ...`)")
    for flag, value in (("-input_dir", p.input_dir), ("-output_dir", p.output_dir), ("-bands", p.bands)):
        if value is None and not (flag == "-bands" and p.action == "predict"):
            raise InvalidParameterError(f"{flag} is required")
    if p.threads:
        import torch

        torch.set_num_threads(p.threads)
    from ai4c.pipelines.unet import run

    result = run.run("pretrain" if pretrain else p.action, p)
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
                    "full|extract_data|train|predict, or `pretrain` (self-supervised); seed §5.2.1", _args, _run)]
main = COMMANDS[0].main
