"""`monthlycomposite` / `ai4c monthly-composite` (the seed's AI4C_MComp.py flags)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.parameters import MonthlyCompositeParameters


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input_dir", required=True, metavar="DIR", help="folder holding REFBOA/ and LAI/")
    parser.add_argument("--output_dir", required=True, metavar="DIR",
                        help="where MC_<tile>_<YYYYMM>.tif go (created when missing)")
    add_arguments(parser, MonthlyCompositeParameters)


def _run(args: argparse.Namespace) -> int:
    from ai4c.pipelines.monthly_composite import run

    p = from_namespace(MonthlyCompositeParameters, args)
    paths = run(args.input_dir, args.output_dir, p.season_start, p.tile, block=p.block)
    if not args.quiet:
        print(f"wrote {len(paths)} composites to {args.output_dir}")
    return 0


COMMANDS = [Command("monthly-composite", "12 monthly median composites of a REFBOA/LAI series",
                    _arguments, _run, script="monthlycomposite")]
main = COMMANDS[0].main
