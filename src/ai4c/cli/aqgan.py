"""aqgan-preproc, aqgan-train, aqgan-generate, aqgan-evaluate (also `ai4c aqgan ...`)."""

from __future__ import annotations

import argparse
import json
import sys

from ai4c.cli.app import Command
from ai4c.core.params import add_arguments
from ai4c.pipelines.parameters import AqganParameters

DATASETS = ("cams-eu", "eac4", "era5", "static")


def _dates(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """--start-date, --end-date, --config (AqganParameters)."""
    add_arguments(parser, AqganParameters, only=("config", "start_date", "end_date"),
                  required=("config", "start_date", "end_date") if required else (),
                  defaults={"config": None, "start_date": None, "end_date": None})


def _model(parser: argparse.ArgumentParser) -> None:
    """--model srgan plus the period."""
    parser.add_argument("--model", default="srgan", help="type of super-resolution model (only srgan)")
    _dates(parser)


def _load(args: argparse.Namespace):
    """Validated config and period (errors before anything is written)."""
    from ai4c.core.errors import check_choice
    from ai4c.pipelines.aqgan_config import load_config
    from ai4c.products.cams import parse_period

    if getattr(args, "model", None) is not None:
        check_choice("--model", args.model, ["srgan"])
    start, end = parse_period(args.start_date, args.end_date)
    return load_config(args.config), start, end


def _preproc_args(parser: argparse.ArgumentParser) -> None:
    """Preprocessing flags."""
    _dates(parser, required=False)
    parser.add_argument("--dataset", choices=DATASETS, help="which input to preprocess")
    parser.add_argument("--print_config", "--print-config", dest="print_config", action="store_true",
                        help="print the documented example config.yaml and exit")


def _preproc(args: argparse.Namespace) -> int:
    """Regrid, normalise and tile one dataset into chunked Zarr."""
    from ai4c.core.errors import InvalidParameterError

    if args.print_config:
        from ai4c.pipelines.aqgan_config import example_text

        sys.stdout.write(example_text())
        return 0
    missing = [f for f in ("start_date", "end_date", "config", "dataset") if getattr(args, f) is None]
    if missing:
        raise InvalidParameterError(f"aqgan-preproc needs --{' --'.join(m.replace('_', '-') for m in missing)} "
                                    "(or --print-config)")
    from ai4c.pipelines import aqgan

    cfg, start, end = _load(args)
    print(aqgan.preproc(cfg, args.dataset, start, end))
    return 0


def _train_args(parser: argparse.ArgumentParser) -> None:
    """Training flags."""
    _model(parser)
    add_arguments(parser, AqganParameters, only=("resume",))


def _train(args: argparse.Namespace) -> int:
    """Train the SR-GAN."""
    from ai4c.pipelines import aqgan

    cfg, start, end = _load(args)
    result = aqgan.train(cfg, start, end, resume=args.resume)
    last = result["history"][-1] if result["history"] else {}
    print(json.dumps({"checkpoint": result["checkpoint"], "metrics_log": result["metrics_log"], "last_epoch": last}))
    return 0


def _generate(args: argparse.Namespace) -> int:
    """Generate high-resolution ensembles."""
    from ai4c.pipelines import aqgan

    cfg, start, end = _load(args)
    print(json.dumps(aqgan.generate(cfg, start, end)))
    return 0


def _evaluate_args(parser: argparse.ArgumentParser) -> None:
    """Evaluation flags (--model accepted for symmetry)."""
    parser.add_argument("--model", default="srgan", help="type of super-resolution model (only srgan)")
    _dates(parser)


def _evaluate(args: argparse.Namespace) -> int:
    """Score the generated ensembles."""
    from ai4c.pipelines import aqgan

    cfg, start, end = _load(args)
    report = aqgan.evaluate(cfg, start, end)
    summary = {n: report[n]["ratios_to_bicubic"] for n in cfg.variables["output"]}
    print(json.dumps({"json": report["json"], "ratios_to_bicubic": summary}))
    return 0


COMMANDS = [
    Command("preproc", "Preprocess CAMS-EU/EAC4/ERA5/static NetCDF into normalised paired tiles (Zarr)",
            _preproc_args, _preproc, group="aqgan", script="aqgan-preproc"),
    Command("train", "Train the SR-GAN (WGAN-GP, noise input, static fields) on a period",
            _train_args, _train, group="aqgan", script="aqgan-train"),
    Command("generate", "Generate high-resolution ensembles (CF NetCDF + CSV at points) with a trained SR-GAN",
            _model, _generate, group="aqgan", script="aqgan-generate"),
    Command("evaluate", "Score generated ensembles: RMSE, MAE, CRPS, rank histogram, LSD vs bilinear/bicubic",
            _evaluate_args, _evaluate, group="aqgan", script="aqgan-evaluate"),
]
preproc_main, train_main, generate_main, evaluate_main = (c.main for c in COMMANDS[:4])
main = preproc_main
