"""`S1-GRD-preprocess` / `ai4c s1-grd`: Sentinel-1 GRD to analysis-ready backscatter (seed table 2)."""

from __future__ import annotations

import argparse

from ai4c.cli.app import Command
from ai4c.cli.options import add_aoi, add_grid, add_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The seed's flags (table 2) plus DEM and orbit options."""
    parser.add_argument("--input", required=True, metavar="P", help="S1 GRD product: .zip or .SAFE folder")
    parser.add_argument("--calibration", default="Sigma",
                        help="Sigma (default), Gamma, Beta, SigmaDB, GammaDB or BetaDB")
    parser.add_argument("--polarization", "--polarisation", default="VV", help="VV (default), VH, HH or HV")
    parser.add_argument("--speckle", default="Lee Sigma",
                        help='"Lee Sigma" (default), Lee, "Refined Lee", Frost, "Gamma Map", Boxcar, Median or None')
    add_aoi(parser)
    add_grid(parser, resolution=None, projection="WGS84")
    parser.add_argument("--landseamask", default="None", help="Land, Sea or None (needs --dem)")
    add_output(parser)
    parser.add_argument("--dem", default=None, metavar="PATH|srtm3",
                        help="DEM: GeoTIFF/VRT, a folder of SRTM .hgt tiles, or srtm3 (download into a cache); "
                             "default: the WGS84 ellipsoid")
    parser.add_argument("--dem-geoid", "--dem_geoid", dest="dem_geoid", default="egm96",
                        help="egm96 (DEM heights above the geoid, default) or none (ellipsoid heights)")
    parser.add_argument("--orbit", default="auto", metavar="PATH|auto",
                        help="POEORB/RESORB EOF file or folder; auto = the annotation's state vectors")


def pipeline_parameters(args: argparse.Namespace) -> dict:
    """The pipeline keywords of the flags S1-GRD-preprocess and S1-SLC-preprocess share."""
    return {"calibration": args.calibration, "polarization": args.polarization, "speckle": args.speckle,
            "aoi": args.aoi, "resolution": args.resolution, "landseamask": args.landseamask,
            "projection": args.projection, "output_format": args.output_format, "dem": args.dem,
            "dem_geoid": args.dem_geoid, "orbit": args.orbit, "quicklook": args.quicklook}


def run(args: argparse.Namespace) -> int:
    """Parse -> pipeline."""
    from ai4c.pipelines.s1_grd import run as run_pipeline

    path = run_pipeline(args.input, args.output_path, **pipeline_parameters(args))
    if not args.quiet:
        print(path)
    return 0


COMMANDS = [Command("s1-grd", "Sentinel-1 GRD pre-processing (orbit, noise, calibration, speckle, terrain correction)",
                    add_arguments, run, script="S1-GRD-preprocess")]
main = COMMANDS[0].main
