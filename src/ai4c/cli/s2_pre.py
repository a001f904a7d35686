"""`S2-preprocess` / `ai4c s2-pre`: Sentinel-2 L1C/L2A -> one analysis-ready reflectance raster (seed §4.2.3)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command, csv_list
from ai4c.cli.options import add_aoi, add_grid, add_landsea, add_output


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, metavar="PATH", help="S2 L1C or L2A product: .SAFE folder or zip")
    parser.add_argument("--bands", default="B2,B3,B4,B8", help="comma-separated bands B1..B12, B8A (default B2,B3,B4,B8)")
    add_landsea(parser)
    parser.add_argument("--cloudmask", default="None", help="L2A (SCL 3,8,9,10), L1C (MSK_CLASSI/GML) or None")
    add_aoi(parser)
    add_grid(parser, resolution=10.0, projection="UTM")
    parser.add_argument("--upsampling", default="Nearest", help="Nearest (default), Bilinear or Bicubic")
    parser.add_argument("--downsampling", default="First", help="First (default), Min, Max, Mean or Median")
    parser.add_argument("--flagdownsampling", default="First",
                        help="First (default), FlagAnd, FlagOr, FlagMedianAnd or FlagMedianOr")
    add_output(parser)


def _run(args: argparse.Namespace) -> int:
    from ai4c.pipelines.s2_pre import run

    path = run(args.input, args.output_path, output_format=args.output_format, quicklook=args.quicklook,
               bands=csv_list(args.bands), resolution=args.resolution, projection=args.projection, aoi=args.aoi,
               upsampling=args.upsampling, downsampling=args.downsampling, flagdownsampling=args.flagdownsampling,
               cloudmask=args.cloudmask, landseamask=args.landseamask, dem=args.dem)
    if not args.quiet:
        print(path)
    return 0


COMMANDS = [Command("s2-pre", "Sentinel-2 pre-processing: resample, mask clouds/land/sea, crop, reproject",
                    _arguments, _run, script="S2-preprocess")]
main = COMMANDS[0].main
