"""`ai4c energy powerplants|windfarms|era5|turbine-data|power-curve|training-set`: energy datasets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.cli.app import Command, csv_list
from ai4c.cli.options import add_aoi

DEFAULT_WFS_CACHE = Path.home() / ".cache" / "ai4c" / "wfs"


def _lonlat(text: str) -> tuple[float, float]:
    """'LON,LAT' -> (lon, lat)."""
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not LON,LAT") from err
    return lon, lat


def _area(text: str) -> tuple[float, float, float, float]:
    """'W,S,E,N' -> a lon/lat box."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not W,S,E,N in degrees") from err
    return west, south, east, north


def _output(parser: argparse.ArgumentParser, required: bool, what: str) -> None:
    parser.add_argument("-o", "--output", type=Path, required=required, help=what)


def _plants_args(parser: argparse.ArgumentParser) -> None:
    from ai4c.energy.vocabulary import TYPES

    parser.add_argument("--input", required=True, type=Path,
                        help="JRC-PPDB-OPEN folder (or JRC_OPEN_UNITS.csv), an OPSD or a powerplantmatching CSV")
    parser.add_argument("--registry", default="auto", choices=["auto", "jrc", "opsd", "ppm"],
                        help="registry of --input (default: recognised from its header)")
    parser.add_argument("--level", default="unit", choices=["unit", "plant"], help="one row per unit or plant")
    parser.add_argument("--type", type=csv_list, default=[], metavar="T1,T2",
                        help="generation types: " + ", ".join(TYPES))
    parser.add_argument("--country", type=csv_list, default=[], metavar="C1,C2", help="country names")
    parser.add_argument("--min-capacity", "--min_capacity", type=float, default=None, metavar="MW")
    add_aoi(parser)
    _output(parser, False, "output: .parquet (GeoParquet), .geojson, .gpkg, .fgb, .csv or .nt (GeoSPARQL)")
    parser.add_argument("--format", default=None, help="output format when the suffix does not say it")


def _plants(args: argparse.Namespace) -> int:
    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import powerplants

    frame = powerplants(args.input, registry_kind=args.registry, level=args.level, types=args.type,
                        countries=args.country, min_capacity=args.min_capacity, aoi=parse_aoi(args.aoi),
                        output=args.output, fmt=args.format)
    print(f"{len(frame)} {args.level}s, {frame['capacity_mw'].sum():.1f} MW"
          + (f" -> {args.output}" if args.output else ""), file=sys.stderr)
    if args.output is None:
        print(frame.drop(columns="geometry").to_csv(index=False), end="")
    return 0


def _farms_args(parser: argparse.ArgumentParser) -> None:
    from ai4c.pipelines.energy import EMODNET_WFS

    parser.add_argument("--source", default=EMODNET_WFS,
                        help=f"WFS 2.0 base URL or a vector file (default: EMODnet Human Activities, {EMODNET_WFS})")
    parser.add_argument("--layer", default="polygons", choices=["polygons", "points"], help="EMODnet layer")
    parser.add_argument("--type-name", default=None, help="WFS typeNames (overrides --layer)")
    parser.add_argument("--wfs-format", default="geojson", choices=["geojson", "gml"], help="WFS outputFormat")
    parser.add_argument("--page-size", type=int, default=1000, help="features per WFS page")
    parser.add_argument("--cache", type=Path, default=DEFAULT_WFS_CACHE, help="WFS response cache folder")
    parser.add_argument("--refresh", action="store_true", help="ignore cached WFS responses")
    add_aoi(parser)
    _output(parser, True, "output: .parquet, .geojson, .gpkg, .fgb, .csv or .nt")
    parser.add_argument("--format", default=None, help="output format when the suffix does not say it")


def _farms(args: argparse.Namespace) -> int:
    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import windfarms

    farms = windfarms(args.source, layer=args.layer, type_name=args.type_name, output_format=args.wfs_format,
                      aoi=parse_aoi(args.aoi), cache=args.cache, refresh=args.refresh, page_size=args.page_size,
                      output=args.output, fmt=args.format)
    print(f"{len(farms)} wind farms -> {args.output}", file=sys.stderr)
    return 0


def _era5_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="*", type=Path, help="ERA5 / ERA5-Land NetCDF or GRIB files")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--points", type=lambda t: [_lonlat(p) for p in t.split(";")], default=None,
                       metavar="LON,LAT;LON,LAT", help="sites to sample")
    where.add_argument("--sites", type=Path, default=None,
                       help="vector file: points are sampled, polygons averaged over (area-weighted)")
    parser.add_argument("--name-column", default=None, help="site names from this attribute of --sites")
    parser.add_argument("--method", default="linear", choices=["linear", "nearest"], help="point sampling")
    parser.add_argument("--resample", default=None, metavar="FREQ", help="time means, e.g. D, MS, 3h")
    _output(parser, False, "series: .nc, .parquet or .csv")
    parser.add_argument("--request", type=Path, default=None, help="write the cdsapi request JSON here")
    parser.add_argument("--variables", type=csv_list, metavar="V1,V2",
                        default=["10m_u_component_of_wind", "10m_v_component_of_wind",
                                 "100m_u_component_of_wind", "100m_v_component_of_wind", "2m_temperature",
                                 "2m_dewpoint_temperature", "surface_pressure"], help="CDS variable names")
    parser.add_argument("--start", default=None, help="request start date YYYY-MM-DD")
    parser.add_argument("--end", default=None, help="request end date YYYY-MM-DD")
    parser.add_argument("--area", type=_area, default=None, help="request area W,S,E,N in degrees (write --area=-3,54,2,59 when W is negative)")
    parser.add_argument("--retrieve", type=Path, default=None,
                        help="also run the request into this file (needs cdsapi and ~/.cdsapirc)")


def _era5(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InvalidParameterError
    from ai4c.pipelines import energy

    if args.request or args.retrieve:
        if not (args.start and args.end and args.area):
            raise InvalidParameterError("an ERA5 request needs --start, --end and --area W,S,E,N")
        request = energy.cds_request(args.variables, args.start, args.end, args.area)
        if args.request:
            energy.write_request(request, args.request)
            print(f"cdsapi request -> {args.request}", file=sys.stderr)
        if args.retrieve:
            energy.retrieve_request(request, args.retrieve)
        if not args.inputs:
            return 0
    if not args.inputs or args.output is None or not (args.points or args.sites):
        raise InvalidParameterError("give ERA5 files, --points or --sites, and -o for a series "
                                    "(or --request/--retrieve with --start/--end/--area)")
    if args.sites:
        sites = energy.sites_from_frame(energy.read_vector_file(args.sites), args.name_column)
    else:
        sites = energy.Sites([f"site{i}" for i in range(len(args.points))], points=args.points)
    series = energy.era5_series(args.inputs, sites, resample=args.resample, method=args.method)
    energy.write_series(series, args.output)
    print(f"{series.sizes['site']} sites x {series.sizes['time']} times -> {args.output}", file=sys.stderr)
    return 0


def _turbine_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, help="SCADA CSV or a folder of per-turbine CSVs")
    parser.add_argument("--rated-kw", type=float, required=True, help="rated power of one turbine (kW)")
    parser.add_argument("--rated-speed", type=float, default=13.0, help="rated wind speed (m/s)")
    parser.add_argument("--resample", default="1h", metavar="FREQ", help="farm series interval")
    parser.add_argument("--stuck-records", type=int, default=6, help="repeats that flag a frozen sensor")
    parser.add_argument("--era5", nargs="*", type=Path, default=[], help="ERA5 files to join at the farm")
    parser.add_argument("--farm", type=_lonlat, default=None, metavar="LON,LAT", help="farm location for ERA5")
    _output(parser, True, "farm series (joined with ERA5): .csv or .parquet")
    parser.add_argument("--flags", type=Path, default=None, help="also write every record with its QC flags")


def _turbine(args: argparse.Namespace) -> int:
    from ai4c.pipelines.energy import turbine_data

    flagged, series = turbine_data(args.input, rated_kw=args.rated_kw, rated_speed=args.rated_speed,
                                   frequency=args.resample, era5=args.era5, farm=args.farm,
                                   stuck_records=args.stuck_records, output=args.output, flags_output=args.flags)
    flags = ", ".join(f"{n} {int(flagged[n].sum())}" for n in ("gap", "stuck", "curtailed", "implausible", "fault"))
    print(f"{len(flagged)} records ({flags}); {len(series)} rows -> {args.output}", file=sys.stderr)
    return 0


def _curve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iec-class", default="I", choices=["I", "II", "III"], help="generic curve class")
    parser.add_argument("--turbine-data", type=Path, default=None, help="fit an empirical curve from SCADA data")
    parser.add_argument("--rated-kw", type=float, default=None, help="rated power for the fit (kW)")
    parser.add_argument("--wind", type=Path, default=None,
                        help="CSV with a wind speed column (ws100, ws10 or wind_speed) for the capacity factor")
    _output(parser, False, "curve and capacity factor as JSON")


def _curve(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from ai4c.core.errors import InvalidProductError
    from ai4c.pipelines.energy import power_curve

    wind = None
    if args.wind is not None:
        table = pd.read_csv(args.wind)
        column = next((c for c in ("ws100", "ws10", "wind_speed") if c in table.columns), None)
        if column is None:
            raise InvalidProductError(f"{args.wind} has no ws100, ws10 or wind_speed column")
        wind = table[column].to_numpy()
    result = power_curve(iec_class=args.iec_class, turbine_data_path=args.turbine_data, rated_kw=args.rated_kw,
                         wind=wind, output=args.output)
    if args.output is None:
        print(json.dumps(result, indent=2))
    elif "capacity_factor" in result:
        print(f"capacity factor {result['capacity_factor']:.3f} -> {args.output}", file=sys.stderr)
    return 0


def _training_args(parser: argparse.ArgumentParser) -> None:
    from ai4c.pipelines.energy_training import CHIP_SIZES, TrainingSetParameters

    defaults = TrainingSetParameters()
    assets = parser.add_mutually_exclusive_group(required=True)
    assets.add_argument("--plants", type=Path, help="power plants (a vector file written by energy powerplants)")
    assets.add_argument("--windfarms", type=Path, help="wind farms (a vector file written by energy windfarms)")
    parser.add_argument("--products", nargs="+", type=Path, required=True,
                        help="pre-processed S1/S2 rasters (S1-GRD-preprocess / S2-preprocess outputs)")
    parser.add_argument("--chip", type=int, default=defaults.chip, choices=CHIP_SIZES, help="chip size (pixels)")
    parser.add_argument("--negatives", type=int, default=defaults.negatives, help="negative chips per product")
    parser.add_argument("--point-radius", type=float, default=defaults.point_radius,
                        help="label radius of point assets (m)")
    parser.add_argument("--class-column", default=defaults.class_column, help="attribute giving the class")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dataset folder")
    _output(parser, True, "dataset folder")


def _training(args: argparse.Namespace) -> int:
    from ai4c.pipelines.energy import read_vector_file
    from ai4c.pipelines.energy_training import TrainingSetParameters, build

    assets = read_vector_file(args.plants or args.windfarms)
    column = args.class_column
    if column not in assets.columns:
        assets = assets.assign(**{column: "wind_farm" if args.windfarms else "power_plant"})
    params = TrainingSetParameters(chip=args.chip, negatives=args.negatives, point_radius=args.point_radius,
                                   class_column=column, seed=args.seed)
    table = build(assets, args.products, args.output, params, overwrite=args.overwrite)
    counts = table["kind"].value_counts().to_dict()
    print(f"{counts.get('positive', 0)} positive and {counts.get('negative', 0)} negative chips -> {args.output}",
          file=sys.stderr)
    return 0


COMMANDS = [
    Command("powerplants", "power plants from JRC-PPDB-OPEN / OPSD / powerplantmatching, filtered",
            _plants_args, _plants, group="energy"),
    Command("windfarms", "offshore wind farms from EMODnet's WFS (paged, cached) or a vector file",
            _farms_args, _farms, group="energy"),
    Command("era5", "ERA5 wind speed/direction and air density at sites or over polygons; cdsapi requests",
            _era5_args, _era5, group="energy"),
    Command("turbine-data", "wind turbine SCADA data: quality flags, farm series, join with ERA5",
            _turbine_args, _turbine, group="energy"),
    Command("power-curve", "generic IEC or fitted power curve and capacity factor", _curve_args, _curve,
            group="energy"),
    Command("training-set", "labelled image chips around plants or wind farms from S1/S2 products",
            _training_args, _training, group="energy"),
]
