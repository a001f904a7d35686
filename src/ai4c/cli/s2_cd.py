"""`S2-CD` / `ai4c s2-cd`: change detection between two Sentinel-2 L2A products (seed §4.2.5)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_aoi, add_grid


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input1", required=True, metavar="PATH", help="first (reference) L2A product, SAFE or zip")
    parser.add_argument("--input2", required=True, metavar="PATH", help="second L2A product of the same tile")
    parser.add_argument("--bands", default="B2,B3,B4,B8", help="bands used for the changes (default B2,B3,B4,B8)")
    add_aoi(parser)
    add_grid(parser, resolution=10.0, projection="WGS84")
    parser.add_argument("--numberClasses", type=int, default=4, help="number of change classes (default 4)")
    parser.add_argument("--referenceVector", default=None,
                        help="reference vector of the angle, one number per band (default 1,0,0,...)")
    parser.add_argument("--levelConfidence", type=float, default=99.99,
                        help="confidence level in percent of the chi-squared change test (0 < v < 100; default 99.99)")
    parser.add_argument("--normalisation", default="irmad", choices=["irmad", "trim"],
                        help="how no-change pixels are found for the relative radiometric correction")
    parser.add_argument("--output_format", default="GeoTIFF",
                        help="GeoTIFF (default), COG, netCDF, Zarr or any GDAL raster driver name")
    parser.add_argument("--output_path", required=True, metavar="DIR",
                        help="output folder for CVA, S2-CD, the polar scatter PNG and the STAC Items")


def _run(args: argparse.Namespace) -> int:
    from ai4c.pipelines.s2_cd import run

    paths = run(args.input1, args.input2, args.output_path, bands=args.bands, aoi=args.aoi,
                resolution=args.resolution, projection=args.projection, number_classes=args.numberClasses,
                reference_vector=args.referenceVector, level_confidence=args.levelConfidence,
                output_format=args.output_format, normalisation=args.normalisation)
    if not args.quiet:
        print("\n".join(str(p) for p in paths))
    return 0


COMMANDS = [Command("s2-cd", "change detection between two Sentinel-2 L2A products (CVA + K-means)",
                    _arguments, _run, script="S2-CD")]
main = COMMANDS[0].main
