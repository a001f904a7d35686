"""`ai4c simulate s2`: write a simulated Sentinel-2 SAFE product (L1C or L2A) with its truth beside it."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command, csv_list


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--level", default="L2A", help="L2A (default) or L1C")
    parser.add_argument("--baseline", default="05.09", help="processing baseline: 02.14, 04.00 or 05.09 (default)")
    parser.add_argument("--size", type=int, default=64, metavar="N",
                        help="pixels per side at 10 m (64 for tests ... 10980 for a full tile); 20 m: N/2, "
                             "60 m: ceil(N/6)")
    parser.add_argument("--date", default="20230625", metavar="YYYYMMDD", help="sensing date")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the truth scene")
    parser.add_argument("--output", required=True, metavar="DIR", help="folder to write the product into")
    parser.add_argument("--zip", action="store_true", help="write a .zip whose root is the .SAFE folder")
    parser.add_argument("--tile", default="33UVP", help="MGRS tile giving the UTM origin (default 33UVP)")
    parser.add_argument("--cloud_cover", "--cloud-cover", dest="cloud_cover", type=float, default=0.15, metavar="F",
                        help="fraction of the scene under opaque cloud, 0 <= F < 1 (default 0.15)")
    parser.add_argument("--bands", default=None, type=csv_list, metavar="B2,B3,...",
                        help="only these spectral bands (faster; the product is then incomplete)")


def _run(args: argparse.Namespace) -> int:
    from ai4c.simulate.s2.product import simulate_s2, truth_path

    path = simulate_s2(args.output, level=args.level, baseline=args.baseline, size=args.size, date=args.date,
                       seed=args.seed, zip=args.zip, tile=args.tile, bands=args.bands, cloud_cover=args.cloud_cover)
    print(path)
    if not args.quiet:
        print(f"truth: {truth_path(path)}")
    return 0


COMMANDS = [Command("s2", "simulate a Sentinel-2 L1C/L2A SAFE product from a known truth scene",
                    _arguments, _run, group="simulate")]
main = COMMANDS[0].main
