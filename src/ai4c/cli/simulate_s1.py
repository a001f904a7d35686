"""`ai4c simulate s1-grd`: a Sentinel-1 GRD product in the SAFE layout from a known truth."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Size, place, terrain, template."""
    parser.add_argument("--output_path", required=True, metavar="DIR", help="folder for the product and its truth")
    parser.add_argument("--size", default="256x256", help="LINESxSAMPLES (256x256 .. 16700x25800)")
    parser.add_argument("--centre", default="41.9,12.5", help="scene centre lat,lon (synthetic geometry)")
    parser.add_argument("--pass", dest="pass_direction", default="descending", help="ascending or descending")
    parser.add_argument("--terrain", default="hilly", help="flat or hilly (synthetic DEM)")
    parser.add_argument("--template", default=None, metavar="SAFE",
                        help="keep this real product's orbit, timing and geometry (full size unless --size)")
    parser.add_argument("--ipf", type=float, default=3.31, help="IPF version to imitate (< 2.9: old noise format)")
    parser.add_argument("--polarizations", default="VV", help="comma-separated, e.g. VV,VH")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--zip", action="store_true", help="write a .zip instead of a .SAFE folder")


def run(args: argparse.Namespace) -> int:
    """Parse -> simulator."""
    from ai4c.cli.app import csv_list
    from ai4c.core.errors import InvalidParameterError, check_choice
    from ai4c.simulate.s1.grd import simulate_grd

    try:
        size = tuple(int(v) for v in args.size.lower().split("x"))
        centre = tuple(float(v) for v in args.centre.split(","))
    except ValueError as err:
        raise InvalidParameterError(f"--size {args.size!r} / --centre {args.centre!r}: use 256x256 and lat,lon") from err
    if len(size) != 2 or min(size) < 16 or len(centre) != 2:
        raise InvalidParameterError(f"--size {args.size!r} must be LINESxSAMPLES >= 16x16, --centre lat,lon")
    direction = check_choice("pass", args.pass_direction, ("ascending", "descending"))
    terrain = check_choice("terrain", args.terrain, ("flat", "hilly"))
    result = simulate_grd(args.output_path, size=size if not args.template or args.size != "256x256" else None,
                          centre=centre, ascending=direction == "ascending", terrain=terrain, seed=args.seed,
                          template=args.template, ipf=args.ipf, polarizations=tuple(csv_list(args.polarizations)),
                          zip_product=args.zip)
    print(result.path)
    return 0


from ai4c.cli.app import Command  # noqa: E402

COMMANDS = [Command("s1-grd", "simulate a Sentinel-1 GRD product (SAFE) from a known truth", add_arguments, run,
                    group="simulate")]
