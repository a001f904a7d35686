"""`ai4c simulate s5p`: Sentinel-5P L2 CO granules in the real layout, with known plumes."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", required=True, help="folder to write the granules into")
    parser.add_argument("--count", type=int, default=3, help="number of consecutive daily granules")
    parser.add_argument("--bbox", default="5,45,15,55", help="lon0,lat0,lon1,lat1 covered by each granule")
    parser.add_argument("--date", default="20200303", help="first day, YYYYMMDD")
    parser.add_argument("--size", default="120x80", help="scanlines x ground pixels")
    parser.add_argument("--seed", type=int, default=0)


def _run(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from ai4c.core.errors import InvalidParameterError
    from ai4c.simulate.s5p import simulate_s5p

    try:
        bbox = tuple(float(v) for v in args.bbox.split(","))
        lines, pixels = (int(v) for v in args.size.lower().split("x"))
        day = dt.datetime.strptime(args.date, "%Y%m%d").replace(hour=1, minute=35, tzinfo=dt.UTC)
    except ValueError as err:
        raise InvalidParameterError("use --bbox lon0,lat0,lon1,lat1 --size LINESxPIXELS --date YYYYMMDD") from err
    if len(bbox) != 4:
        raise InvalidParameterError(f"--bbox needs 4 numbers, got {args.bbox!r}")
    Path(args.output).mkdir(parents=True, exist_ok=True)
    for i in range(args.count):
        path = simulate_s5p(args.output, bbox=bbox, start=day + dt.timedelta(days=i, minutes=101 * i),
                            orbit=12367 + 14 * i, scanlines=lines, ground_pixels=pixels, seed=args.seed + i)
        print(path)
    return 0


COMMANDS = [Command("s5p", "simulate Sentinel-5P L2 CO granules", _arguments, _run, group="simulate")]
