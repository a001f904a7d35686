"""`S1-GRD-preprocess` / `ai4c s1-grd`: Sentinel-1 GRD to analysis-ready backscatter (seed table 2)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_output_path
from ai4c.core.params import add_arguments as add_parameters
from ai4c.core.params import from_namespace
from ai4c.pipelines.parameters import S1GrdParameters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The seed's flags (table 2) plus DEM and orbit options, built from S1GrdParameters."""
    parser.add_argument("--input", required=True, metavar="P", help="S1 GRD product: .zip or .SAFE folder")
    add_output_path(parser)
    add_parameters(parser, S1GrdParameters)


def run(args: argparse.Namespace) -> int:
    """Parse -> pipeline."""
    from ai4c.pipelines.s1_grd import run as run_pipeline

    path = run_pipeline(args.input, args.output_path, from_namespace(S1GrdParameters, args))
    if not args.quiet:
        print(path)
    return 0


COMMANDS = [Command("s1-grd", "Sentinel-1 GRD pre-processing (orbit, noise, calibration, speckle, terrain correction)",
                    add_arguments, run, script="S1-GRD-preprocess")]
main = COMMANDS[0].main
