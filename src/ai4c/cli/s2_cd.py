"""`S2-CD` / `ai4c s2-cd`: change detection between two Sentinel-2 L2A products (seed §4.2.5)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_output_path
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.parameters import S2CdParameters


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input1", required=True, metavar="PATH", help="first (reference) L2A product, SAFE or zip")
    parser.add_argument("--input2", required=True, metavar="PATH", help="second L2A product of the same tile")
    add_output_path(parser, folder=True)
    add_arguments(parser, S2CdParameters)


def _run(args: argparse.Namespace) -> int:
    from ai4c.pipelines.s2_cd import run

    paths = run(args.input1, args.input2, args.output_path, from_namespace(S2CdParameters, args))
    if not args.quiet:
        print("\n".join(str(p) for p in paths))
    return 0


COMMANDS = [Command("s2-cd", "change detection between two Sentinel-2 L2A products (CVA + K-means)",
                    _arguments, _run, script="S2-CD")]
main = COMMANDS[0].main
