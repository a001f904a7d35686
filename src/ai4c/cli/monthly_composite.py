"""`monthlycomposite` / `ai4c monthly-composite` (the seed's AI4C_MComp.py flags)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input_dir", required=True, metavar="DIR", help="folder holding REFBOA/ and LAI/")
    parser.add_argument("--output_dir", required=True, metavar="DIR", help="where MC_<tile>_<YYYYMM>.tif go")
    parser.add_argument("--season_start", type=int, default=2017,
                        help="year the agronomic year starts (September season_start .. August +1; default 2017)")
    parser.add_argument("--tile", default="33UVP", help="Sentinel-2 tile code used in the names (default 33UVP)")
    parser.add_argument("--block", type=int, default=1024, help="block size in pixels (bounds memory)")


def _run(args: argparse.Namespace) -> int:
    from ai4c.pipelines.monthly_composite import run

    paths = run(args.input_dir, args.output_dir, args.season_start, args.tile, block=args.block)
    if not args.quiet:
        print(f"wrote {len(paths)} composites to {args.output_dir}")
    return 0


COMMANDS = [Command("monthly-composite", "12 monthly median composites of a REFBOA/LAI series",
                    _arguments, _run, script="monthlycomposite")]
main = COMMANDS[0].main
