"""Options shared by several raster commands, defined once."""

from __future__ import annotations

import argparse


def add_aoi(parser: argparse.ArgumentParser) -> None:
    """--AoI: WKT in lon/lat or a vector file."""
    parser.add_argument("--AoI", "--aoi", dest="aoi", default=None, metavar="WKT|PATH",
                        help="area of interest: WKT polygon in lon/lat or a vector file (any CRS)")


def add_output(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """--output_path, --output_format and --quicklook."""
    parser.add_argument("--output_path", required=required, metavar="PATH",
                        help="output file (or an existing folder: named after the product)")
    parser.add_argument("--output_format", default="GeoTIFF",
                        help="GeoTIFF (default), COG, netCDF, Zarr or any GDAL raster driver name")
    parser.add_argument("--quicklook", action="store_true", help="also write a PNG quick-look")


def add_grid(parser: argparse.ArgumentParser, *, resolution: float | None, projection: str) -> None:
    """--resolution (metres) and --projection."""
    parser.add_argument("--resolution", type=float, default=resolution, metavar="M",
                        help=f"pixel size in metres (default {resolution}); degrees for WGS84 by SNAP's rule")
    parser.add_argument("--projection", default=projection,
                        help=f"UTM (auto zone), WGS84, EPSG:n, PROJ or WKT (default {projection})")


def add_landsea(parser: argparse.ArgumentParser) -> None:
    """--landseamask and --dem."""
    parser.add_argument("--landseamask", default="None", help="Land, Sea or None: set that part to no data")
    parser.add_argument("--dem", default=None, metavar="PATH",
                        help="DEM for the land/sea mask: GeoTIFF/VRT or a folder of SRTM .hgt tiles")
