"""`S1-SLC-preprocess` / `ai4c s1-slc`: Sentinel-1 SLC to analysis-ready backscatter (seed table 3)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_output_path
from ai4c.core.params import add_arguments as add_parameters
from ai4c.core.params import from_namespace
from ai4c.pipelines.parameters import S1SlcParameters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """S1-GRD-preprocess's flags (same names and defaults) plus TOPSAR-Split's sub-swaths and bursts."""
    parser.add_argument("--input", required=True, metavar="P", help="S1 SLC product (IW, EW or SM): .zip or .SAFE")
    add_output_path(parser)
    add_parameters(parser, S1SlcParameters)


def run(args: argparse.Namespace) -> int:
    """Parse -> pipeline."""
    from ai4c.pipelines.s1_slc import run as run_pipeline

    path = run_pipeline(args.input, args.output_path, from_namespace(S1SlcParameters, args))
    if not args.quiet:
        print(path)
    return 0


COMMANDS = [Command("s1-slc", "Sentinel-1 SLC pre-processing (orbit, noise, calibration, deburst, multilook, "
                    "speckle, terrain correction)", add_arguments, run, script="S1-SLC-preprocess")]
main = COMMANDS[0].main
