"""`S1-CD` / `ai4c s1-cd`: change detection from two Sentinel-1 SLC acquisitions (seed table 5)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_aoi, add_grid


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The seed's flags (table 5) plus sub-swaths, orbits, DEM geoid and the change rule's thresholds."""
    parser.add_argument("--input1", required=True, metavar="P", help="reference S1 SLC product (.zip or .SAFE)")
    parser.add_argument("--input2", required=True, metavar="P", help="secondary S1 SLC product, a repeat pass")
    parser.add_argument("--calibration", default="Sigma", help="Sigma (default), Gamma or Beta")
    parser.add_argument("--polarization", "--polarisation", default="VV", help="VV (default), VH, HH or HV")
    parser.add_argument("--landseamask", default="None", help="Land, Sea or None (needs --dem)")
    parser.add_argument("--speckle", default="Lee Sigma",
                        help='"Lee Sigma" (default), Lee, "Refined Lee", Frost, "Gamma Map", Boxcar, Median or None')
    add_aoi(parser)
    add_grid(parser, resolution=None, projection="WGS84")
    parser.add_argument("--output_format", default="GeoTIFF",
                        help="GeoTIFF (default), COG, netCDF, Zarr or any GDAL raster driver name")
    parser.add_argument("--dem", default=None, metavar="PATH|srtm3", help="DEM (default: the WGS84 ellipsoid)")
    parser.add_argument("--dem-geoid", "--dem_geoid", dest="dem_geoid", default="egm96",
                        help="egm96 (DEM heights above the geoid, default) or none")
    parser.add_argument("--output_path", required=True, metavar="DIR",
                        help="folder for coherence, backscatter_1/2, ACD, MTC and change_mask (created)")
    parser.add_argument("--swaths", default=None, metavar="IW1,IW2", help="sub-swaths to process (default all)")
    parser.add_argument("--orbit1", default="auto", metavar="PATH|auto", help="EOF file/folder for input1")
    parser.add_argument("--orbit2", default="auto", metavar="PATH|auto", help="EOF file/folder for input2")
    parser.add_argument("--bias-reduced", dest="bias_reduced", action="store_true",
                        help="bias-reduced coherence (first-order removal of the estimator's low-coherence bias)")
    parser.add_argument("--change-ratio-db", dest="ratio_db", type=float, default=3.0,
                        help="change rule: |10 log10(b2/b1)| at least this (dB, default 3)")
    parser.add_argument("--change-coherence-max", dest="coherence_max", type=float, default=0.5,
                        help="change rule: and coherence below this (default 0.5)")


def run(args: argparse.Namespace) -> int:
    """Parse -> pipeline."""
    from ai4c.pipelines.s1_cd import run as run_pipeline

    folder = run_pipeline(args.input1, args.input2, args.output_path, calibration=args.calibration,
                          polarization=args.polarization, landseamask=args.landseamask, speckle=args.speckle,
                          aoi=args.aoi, resolution=args.resolution, projection=args.projection,
                          output_format=args.output_format, dem=args.dem, dem_geoid=args.dem_geoid,
                          swaths=args.swaths, orbit1=args.orbit1, orbit2=args.orbit2, bias_reduced=args.bias_reduced,
                          ratio_db=args.ratio_db, coherence_max=args.coherence_max)
    if not args.quiet:
        print(folder)
    return 0


COMMANDS = [Command("s1-cd", "Sentinel-1 change detection from two SLC acquisitions (coherence, ACD, MTC, change mask)",
                    add_arguments, run, script="S1-CD")]
main = COMMANDS[0].main
