"""`S1-SLC-preprocess` / `ai4c s1-slc`: Sentinel-1 SLC to analysis-ready backscatter (seed table 3)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.s1_grd import add_arguments as add_grd_arguments
from ai4c.cli.s1_grd import pipeline_parameters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The S1-GRD-preprocess flags (same names and defaults) plus TOPSAR-Split's sub-swaths and bursts."""
    add_grd_arguments(parser)
    for action in parser._actions:
        if action.dest == "input":
            action.help = "S1 SLC product (IW, EW or SM): .zip or .SAFE folder"
    parser.add_argument("--swaths", default=None, metavar="IW1,IW2",
                        help="sub-swaths to process (TOPSAR-Split; default all)")
    parser.add_argument("--bursts", default=None, metavar="N,N",
                        help="burst numbers (1-based) to keep in every sub-swath (default all)")


def run(args: argparse.Namespace) -> int:
    """Parse -> pipeline."""
    from ai4c.pipelines.s1_slc import run as run_pipeline

    path = run_pipeline(args.input, args.output_path, **pipeline_parameters(args), swaths=args.swaths,
                        bursts=args.bursts)
    if not args.quiet:
        print(path)
    return 0


COMMANDS = [Command("s1-slc", "Sentinel-1 SLC pre-processing (orbit, noise, calibration, deburst, multilook, "
                    "speckle, terrain correction)", add_arguments, run, script="S1-SLC-preprocess")]
main = COMMANDS[0].main
