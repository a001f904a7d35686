"""`ai4c energy powerplants|windfarms|era5|turbine-data|power-curve|training-set`: energy datasets.

Flags come from the parameter classes in ai4c.pipelines.energy_parameters (one definition of each default,
choice and help); inputs and outputs are declared here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.cli.app import Command
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines import energy_parameters as P

DEFAULT_WFS_CACHE = Path.home() / ".cache" / "ai4c" / "wfs"


def lonlat(name: str, text: str) -> tuple[float, float]:
    """'LON,LAT' -> (lon, lat), or a one-line error."""
    from ai4c.core.errors import InvalidParameterError

    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError as err:
        raise InvalidParameterError(f"{name} {text!r} is not LON,LAT in degrees") from err
    return lon, lat


def output(parser: argparse.ArgumentParser, required: bool, what: str) -> None:
    parser.add_argument("-o", "--output", type=Path, required=required, help=what)


def _plants_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path,
                        help="JRC-PPDB-OPEN folder (or JRC_OPEN_UNITS.csv), an OPSD or a powerplantmatching CSV")
    add_arguments(parser, P.PowerplantsParameters)
    output(parser, False, "output: .parquet (GeoParquet), .geojson, .gpkg, .fgb, .csv or .nt (GeoSPARQL); "
           "without it the table is printed as CSV")


def _plants(args: argparse.Namespace) -> int:
    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import powerplants

    p = from_namespace(P.PowerplantsParameters, args)
    frame = powerplants(args.input, registry_kind=p.registry, level=p.level, types=P.names_list(p.type),
                        countries=P.names_list(p.country), min_capacity=p.min_capacity or None,
                        aoi=parse_aoi(p.aoi), output=args.output, fmt=p.format)
    print(f"{len(frame)} {p.level}s, {frame['capacity_mw'].sum():.1f} MW"
          + (f" -> {args.output}" if args.output else ""), file=sys.stderr)
    if args.output is None:
        print(frame.drop(columns="geometry").to_csv(index=False), end="")
    return 0


def _farms_args(parser: argparse.ArgumentParser) -> None:
    add_arguments(parser, P.WindfarmsParameters)
    parser.add_argument("--cache", type=Path, default=DEFAULT_WFS_CACHE, help="WFS response cache folder")
    output(parser, True, "output: .parquet, .geojson, .gpkg, .fgb, .csv or .nt")


def _farms(args: argparse.Namespace) -> int:
    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import windfarms

    p = from_namespace(P.WindfarmsParameters, args)
    farms = windfarms(p.source, layer=p.layer, type_name=p.type_name, output_format=p.wfs_format,
                      aoi=parse_aoi(p.aoi), cache=args.cache, refresh=p.refresh, page_size=p.page_size,
                      output=args.output, fmt=p.format)
    print(f"{len(farms)} wind farms -> {args.output}", file=sys.stderr)
    return 0


def _era5_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="*", type=Path, help="ERA5 / ERA5-Land NetCDF or GRIB files")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--points", default=None, metavar="LON,LAT;LON,LAT", help="sites to sample")
    where.add_argument("--sites", type=Path, default=None,
                       help="vector file: points are sampled, polygons averaged over (area-weighted)")
    add_arguments(parser, P.Era5Parameters)
    output(parser, False, "series: .nc, .parquet or .csv")
    parser.add_argument("--request", type=Path, default=None, help="write the cdsapi request JSON here")
    parser.add_argument("--retrieve", type=Path, default=None,
                        help="also run the request into this file (needs cdsapi and ~/.cdsapirc)")


def _era5(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InvalidParameterError
    from ai4c.pipelines import energy

    p = from_namespace(P.Era5Parameters, args)
    if args.request or args.retrieve:
        if not (p.start and p.end and p.area):
            raise InvalidParameterError("an ERA5 request needs --start, --end and --area W,S,E,N")
        try:
            area = tuple(float(v) for v in p.area.split(","))
        except ValueError as err:
            raise InvalidParameterError(f"--area {p.area!r} is not W,S,E,N in degrees") from err
        if len(area) != 4:
            raise InvalidParameterError(f"--area {p.area!r} is not W,S,E,N in degrees")
        request = energy.cds_request(P.names_list(p.variables), p.start, p.end, area)
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
        sites = energy.sites_from_frame(energy.read_vector_file(args.sites), p.name_column)
    else:
        points = [lonlat("--points", t) for t in args.points.split(";") if t.strip()]
        sites = energy.Sites([f"site{i}" for i in range(len(points))], points=points)
    series = energy.era5_series(args.inputs, sites, resample=p.resample, method=p.method)
    energy.write_series(series, args.output)
    print(f"{series.sizes['site']} sites x {series.sizes['time']} times -> {args.output}", file=sys.stderr)
    return 0


def _turbine_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, help="SCADA CSV or a folder of per-turbine CSVs")
    add_arguments(parser, P.TurbineParameters)
    parser.add_argument("--era5", nargs="*", type=Path, default=[], help="ERA5 files to join at the farm")
    output(parser, True, "farm series (joined with ERA5): .csv or .parquet")
    parser.add_argument("--flags", type=Path, default=None, help="also write every record with its QC flags")


def _turbine(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InvalidParameterError
    from ai4c.pipelines.energy import turbine_data

    p = from_namespace(P.TurbineParameters, args)
    if p.rated_kw is None:
        raise InvalidParameterError("give the turbine's rated power with --rated_kw (kW)")
    flagged, series = turbine_data(args.input, rated_kw=p.rated_kw, rated_speed=p.rated_speed,
                                   frequency=p.resample, era5=args.era5,
                                   farm=lonlat("--farm", p.farm) if p.farm else None,
                                   stuck_records=p.stuck_records, output=args.output, flags_output=args.flags)
    flags = ", ".join(f"{n} {int(flagged[n].sum())}" for n in ("gap", "stuck", "curtailed", "implausible", "fault"))
    print(f"{len(flagged)} records ({flags}); {len(series)} rows -> {args.output}", file=sys.stderr)
    return 0


def _curve_args(parser: argparse.ArgumentParser) -> None:
    add_arguments(parser, P.PowerCurveParameters)
    parser.add_argument("--turbine_data", "--turbine-data", type=Path, default=None,
                        help="fit an empirical curve from SCADA data")
    parser.add_argument("--wind", type=Path, default=None,
                        help="CSV with a wind speed column (ws100, ws10 or wind_speed) for the capacity factor")
    output(parser, False, "curve and capacity factor as JSON (printed without it)")


def _curve(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from ai4c.core.errors import InvalidProductError
    from ai4c.pipelines.energy import power_curve

    p = from_namespace(P.PowerCurveParameters, args)
    wind = None
    if args.wind is not None:
        table = pd.read_csv(args.wind)
        column = next((c for c in ("ws100", "ws10", "wind_speed") if c in table.columns), None)
        if column is None:
            raise InvalidProductError(f"{args.wind} has no ws100, ws10 or wind_speed column")
        wind = table[column].to_numpy()
    result = power_curve(iec_class=p.iec_class, turbine_data_path=args.turbine_data, rated_kw=p.rated_kw,
                         wind=wind, output=args.output)
    if args.output is None:
        print(json.dumps(result, indent=2))
    elif "capacity_factor" in result:
        print(f"capacity factor {result['capacity_factor']:.3f} -> {args.output}", file=sys.stderr)
    return 0


def _training_args(parser: argparse.ArgumentParser) -> None:
    assets = parser.add_mutually_exclusive_group(required=True)
    assets.add_argument("--plants", type=Path, help="power plants (a vector file written by energy powerplants)")
    assets.add_argument("--windfarms", type=Path, help="wind farms (a vector file written by energy windfarms)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--products", nargs="+", type=Path,
                        help="pre-processed S1/S2 rasters (S1-GRD-preprocess / S2-preprocess outputs)")
    source.add_argument("--catalog", type=Path,
                        help="local catalogue (ai4c catalog index) searched for products over the assets; each "
                             "found product is pre-processed (S1: Sigma0, S2: B2,B3,B4,B8; UTM, 10 m)")
    parser.add_argument("--collection", default="SENTINEL-1", choices=["SENTINEL-1", "SENTINEL-2"],
                        help="catalogue collection searched with --catalog")
    parser.add_argument("--start", default=None, help="catalogue search period start YYYY-MM-DD")
    parser.add_argument("--end", default=None, help="catalogue search period end YYYY-MM-DD")
    parser.add_argument("--max_products", "--max-products", type=int, default=20,
                        help="at most this many catalogue products")
    add_arguments(parser, P.TrainingSetParameters)
    output(parser, True, "dataset folder")


def _training(args: argparse.Namespace) -> int:
    from ai4c.pipelines.energy import read_vector_file
    from ai4c.pipelines.energy_training import build

    p = from_namespace(P.TrainingSetParameters, args)
    assets = read_vector_file(args.plants or args.windfarms)
    if p.class_column not in assets.columns:
        assets = assets.assign(**{p.class_column: "wind_farm" if args.windfarms else "power_plant"})
    overwrite = bool(getattr(args, "overwrite", False))
    if args.catalog is None:
        table = build(assets, args.products, args.output, p, overwrite=overwrite)
    else:
        table = build_from_catalog(assets, args, p, overwrite)
    counts = table["kind"].value_counts().to_dict()
    print(f"{counts.get('positive', 0)} positive and {counts.get('negative', 0)} negative chips -> {args.output}",
          file=sys.stderr)
    return 0


def build_from_catalog(assets, args: argparse.Namespace, p, overwrite: bool):
    """Search the catalogue, pre-process what it found beside the output, cut chips, keep the rasters in the set."""
    import shutil
    import tempfile

    from ai4c.core.errors import InvalidParameterError
    from ai4c.pipelines.energy_products import preprocess, search_products
    from ai4c.pipelines.energy_training import build

    if not (args.start and args.end):
        raise InvalidParameterError("--catalog needs the period: --start YYYY-MM-DD --end YYYY-MM-DD")
    found = search_products(assets, args.catalog, args.start, args.end, args.collection, args.max_products)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{args.output.name}.", suffix=".products", dir=args.output.parent))
    try:
        rasters = preprocess(found, assets, scratch)
        return build(assets, rasters, args.output, p, overwrite=overwrite, products_folder=scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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
