"""`ai4c simulate cams`: CAMS-EU, EAC4, ERA5 and static NetCDF files from a known high-resolution truth."""

from __future__ import annotations

import argparse
import json

from ai4c.cli.app import Command


def _simulate_args(parser: argparse.ArgumentParser) -> None:
    """Simulator flags."""
    parser.add_argument("--output", required=True, metavar="DIR", help="folder for the NetCDF files")
    parser.add_argument("--start-date", dest="start_date", default="2021010100", metavar="YYYYMMDDHH")
    parser.add_argument("--hours", type=int, default=48, help="number of hourly steps")
    parser.add_argument("--layout", choices=("old", "new"), default="old",
                        help="old (time) or new data-store layout (valid_time, number, expver)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the static fields and the weather")
    parser.add_argument("--size", default="128x192", metavar="NYxNX", help="high-resolution grid size (0.1 deg)")
    parser.add_argument("--bbox_origin", "--bbox-origin", dest="origin", default="2.0,44.0", metavar="LON,LAT",
                        help="south-west corner")


def _simulate(args: argparse.Namespace) -> int:
    """Write simulated CAMS-EU, EAC4, ERA5 and static files."""
    from ai4c.core.errors import InvalidParameterError, check_positive
    from ai4c.products.cams import parse_date
    from ai4c.simulate.cams import Domain, simulate_cams

    parse_date(args.start_date, "--start-date")
    check_positive("--hours", args.hours)
    try:
        ny, nx = (int(v) for v in args.size.lower().split("x"))
        lon0, lat0 = (float(v) for v in args.origin.split(","))
    except ValueError as err:
        raise InvalidParameterError(f"--size {args.size!r} / --bbox-origin {args.origin!r} must look like "
                                    "128x192 and 2.0,44.0") from err
    if ny % 8 or nx % 8 or ny < 64 or nx < 64:
        raise InvalidParameterError(f"--size {args.size} must be multiples of 8, at least 64x64")
    paths = simulate_cams(args.output, args.start_date, args.hours, layout=args.layout, seed=args.seed,
                          domain=Domain(lon0, lat0, nx, ny))
    print(json.dumps({k: str(v) for k, v in paths.items()}))
    return 0


COMMANDS = [
    Command("cams", "Simulate CAMS-EU, EAC4, ERA5 and static NetCDF files from a known high-resolution truth",
            _simulate_args, _simulate, group="simulate"),
]
