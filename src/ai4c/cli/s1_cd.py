"""`S1-CD` / `ai4c s1-cd`: change detection from two Sentinel-1 SLC acquisitions (seed table 5)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_output_path
from ai4c.core.params import add_arguments as add_parameters
from ai4c.core.params import from_namespace
from ai4c.pipelines.parameters import S1CdParameters


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The seed's flags (table 5) plus sub-swaths, orbits, DEM geoid and the change rule's thresholds."""
    parser.add_argument("--input1", required=True, metavar="P", help="reference S1 SLC product (.zip or .SAFE)")
    parser.add_argument("--input2", required=True, metavar="P", help="secondary S1 SLC product, a repeat pass")
    add_output_path(parser, folder=True)
    add_parameters(parser, S1CdParameters)


def run(args: argparse.Namespace) -> int:
    """Parse -> pipeline."""
    from ai4c.pipelines.s1_cd import run as run_pipeline

    folder = run_pipeline(args.input1, args.input2, args.output_path, from_namespace(S1CdParameters, args))
    if not args.quiet:
        print(folder)
    return 0


COMMANDS = [Command("s1-cd", "Sentinel-1 change detection from two SLC acquisitions (coherence, ACD, MTC, change mask)",
                    add_arguments, run, script="S1-CD")]
main = COMMANDS[0].main
