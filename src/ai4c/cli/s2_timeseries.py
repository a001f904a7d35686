"""`ai4c s2-timeseries`: a folder of L2A products -> REFBOA/ and LAI/ for monthlycomposite."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.parameters import S2TimeseriesParameters


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input_dir", required=True, metavar="DIR", help="folder of Sentinel-2 L2A products (SAFE or zip)")
    parser.add_argument("--output_dir", required=True, metavar="DIR", help="where REFBOA/ and LAI/ are written")
    add_arguments(parser, S2TimeseriesParameters)


def _run(args: argparse.Namespace) -> int:
    from ai4c.pipelines.s2_timeseries import run

    paths = run(args.input_dir, args.output_dir, resolution=from_namespace(S2TimeseriesParameters, args).resolution)
    if not args.quiet:
        print(f"wrote {len(paths) // 2} acquisitions to {args.output_dir}")
    return 0


COMMANDS = [Command("s2-timeseries", "L2A products -> the REFBOA/LAI layout of monthlycomposite", _arguments, _run)]
main = COMMANDS[0].main
