"""`ai4c simulate s2-pair`: two L2A products of one tile with planted changes, truth beside."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output_dir", required=True, metavar="DIR", help="where the two SAFE products and truth.nc go")
    parser.add_argument("--size", type=int, default=512, help="pixels a side at 10 m (default 512; a tile is 10980)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--gain", type=float, default=1.08, help="radiometric gain of date 2 (default 1.08)")
    parser.add_argument("--offset", type=float, default=0.01, help="radiometric offset of date 2 (default 0.01)")
    parser.add_argument("--zip", action="store_true", help="write zipped products")


def _run(args: argparse.Namespace) -> int:
    from ai4c.core.errors import check_positive
    from ai4c.simulate.s2.pair import simulate_pair

    check_positive("size", args.size)
    check_positive("gain", args.gain)
    paths = simulate_pair(args.output_dir, size=args.size, seed=args.seed, gain=args.gain, offset=args.offset,
                          zip=args.zip)
    if not args.quiet:
        print("\n".join(f"{k}: {v}" for k, v in paths.items()))
    return 0


COMMANDS = [Command("s2-pair", "simulate two Sentinel-2 L2A dates with planted changes (truth saved beside)",
                    _arguments, _run, group="simulate")]
