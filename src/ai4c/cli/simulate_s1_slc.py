"""`ai4c simulate s1-slc` and `ai4c simulate s1-pair`: Sentinel-1 IW or SM SLC products (SAFE) from a known
truth."""

from __future__ import annotations

import argparse


def _common(parser: argparse.ArgumentParser) -> None:
    """Place and size shared by both commands."""
    parser.add_argument("--output_path", required=True, metavar="DIR", help="folder for the product(s) and truth")
    parser.add_argument("--centre", default="41.9,12.5", help="scene centre lat,lon")
    parser.add_argument("--lines-per-burst", dest="lines_per_burst", type=int, default=200,
                        help="lines per burst (1501 in real IW products)")
    parser.add_argument("--samples", type=int, default=480, help="samples per sub-swath (~21000 in real products)")
    parser.add_argument("--bursts", type=int, default=3, help="bursts per sub-swath (9-10 in real products)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", default="IW", type=str.upper,
                        help="IW (3 sub-swaths of bursts) or SM (one stripmap swath S3 of bursts x lines-per-burst lines)")


def add_slc_arguments(parser: argparse.ArgumentParser) -> None:
    """s1-slc: scene kind, targets, pass, zip."""
    _common(parser)
    parser.add_argument("--scene", default="speckle", help="speckle (single-look clutter) or ramp (analytic, no speckle)")
    parser.add_argument("--targets", type=int, default=5, help="number of point targets")
    parser.add_argument("--pass", dest="pass_direction", default="descending", help="ascending or descending")
    parser.add_argument("--zip", action="store_true", help="write a .zip instead of a .SAFE folder")


def add_pair_arguments(parser: argparse.ArgumentParser) -> None:
    """s1-pair: baseline, misregistration, interval."""
    _common(parser)
    parser.add_argument("--baseline", type=float, default=60.0, help="across-track orbit separation (m)")
    parser.add_argument("--shift", type=float, default=0.3, help="annotated azimuth offset of the secondary (lines)")
    parser.add_argument("--timing-error", dest="timing_error", type=float, default=0.02,
                        help="unannotated azimuth timing error of the secondary (lines; ESD finds it)")
    parser.add_argument("--days", type=int, default=12, help="days between the acquisitions (a multiple of 6)")


def _centre(text: str) -> tuple[float, float]:
    """lat,lon -> floats (a bad value is an input error)."""
    from ai4c.core.errors import InvalidParameterError

    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidParameterError(f"--centre {text!r}: use lat,lon such as 41.9,12.5") from None
    return lat, lon


def _check_sizes(args: argparse.Namespace) -> None:
    """Sizes a burst layout can hold."""
    from ai4c.core.errors import InvalidParameterError

    if args.lines_per_burst < 60 or args.samples < 120 or not 2 <= args.bursts <= 12:
        raise InvalidParameterError("--lines-per-burst >= 60, --samples >= 120 and 2 <= --bursts <= 12")
    if args.mode not in ("IW", "SM"):
        raise InvalidParameterError(f"--mode {args.mode}: use IW or SM")


def run_slc(args: argparse.Namespace) -> int:
    """Parse -> simulator."""
    from ai4c.core.errors import check_choice
    from ai4c.simulate.s1.slc import make_truth
    from ai4c.simulate.s1.slc_safe import write_product

    _check_sizes(args)
    scene = check_choice("scene", args.scene, ("speckle", "ramp"))
    direction = check_choice("pass", args.pass_direction, ("ascending", "descending"))
    truth = make_truth(_centre(args.centre), lines_per_burst=args.lines_per_burst, samples=args.samples,
                       bursts=args.bursts, ascending=direction == "ascending", scene=scene, targets=args.targets,
                       mode=args.mode)
    print(write_product(args.output_path, truth, seed=args.seed, zip_product=args.zip))
    return 0


def run_pair(args: argparse.Namespace) -> int:
    """Parse -> pair simulator."""
    from ai4c.core.errors import InvalidParameterError
    from ai4c.simulate.s1.pair import make_pair, write_pair

    _check_sizes(args)
    if args.days <= 0 or args.days % 6:
        raise InvalidParameterError(f"--days {args.days} must be a positive multiple of 6")
    pair = make_pair(_centre(args.centre), lines_per_burst=args.lines_per_burst, samples=args.samples,
                     bursts=args.bursts, baseline=args.baseline, annotated_shift_lines=args.shift,
                     timing_error_lines=args.timing_error, days=args.days, mode=args.mode)
    for path in write_pair(args.output_path, pair, seed=args.seed):
        print(path)
    return 0


from ai4c.cli.app import Command  # noqa: E402

COMMANDS = [Command("s1-slc", "simulate a Sentinel-1 IW (bursts, TOPS phase) or SM SLC product (SAFE) from a known truth",
                    add_slc_arguments, run_slc, group="simulate"),
            Command("s1-pair", "simulate a coregistrable Sentinel-1 IW or SM SLC pair with known misregistration, "
                    "coherence and changes", add_pair_arguments, run_pair, group="simulate")]
