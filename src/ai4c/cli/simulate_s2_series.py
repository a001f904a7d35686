"""`ai4c simulate s2-series`: a year of S2 acquisitions over known crop fields (REFBOA/LAI, optional SAFE)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command


def _args(parser: argparse.ArgumentParser) -> None:
    """Flags of the series simulator."""
    parser.add_argument("--output_dir", required=True, metavar="DIR",
                        help="where REFBOA/, LAI/, truth/ (and SAFE/ with --safe) go")
    parser.add_argument("--size", type=int, default=128, help="pixels a side at 10 m (default 128)")
    parser.add_argument("--field", type=int, default=24, help="mean field side in pixels (default 24)")
    parser.add_argument("--season_start", type=int, default=2017, help="agronomic year start (default 2017)")
    parser.add_argument("--tile", default="33UVP", help="Sentinel-2 tile whose grid is used (default 33UVP)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--safe", action="store_true", help="also write every acquisition as an L2A SAFE product")
    parser.add_argument("--safe_every", type=int, default=1, help="with --safe: only every n-th acquisition")


def _run(args: argparse.Namespace) -> int:
    """Simulate and print a summary."""
    from ai4c.core.errors import InvalidParameterError
    from ai4c.simulate.s2.series import simulate_series

    if args.safe_every < 1:
        raise InvalidParameterError(f"safe_every={args.safe_every} must be >= 1")
    summary = simulate_series(args.output_dir, size=args.size, seed=args.seed, season_start=args.season_start,
                              tile=args.tile, field=args.field, safe=args.safe, safe_every=args.safe_every)
    print(f"{len(summary['dates'])} acquisitions of {summary['tile']} ({summary['fields']} fields) in "
          f"{args.output_dir}; truth in {args.output_dir}/truth")
    return 0


COMMANDS = [Command("s2-series", "simulate a year of Sentinel-2 acquisitions over known crop fields (truth beside)",
                    _args, _run, group="simulate")]
