"""`ai4c osm ingest|export|serve`: OSM extracts -> the security feature model -> a GeoParquet store -> OGC API
Features."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.cli.app import Command, csv_list
from ai4c.cli.options import add_aoi
from ai4c.pipelines.osm_params import DEFAULT_CACHE_MB, DEFAULT_PORT, DEFAULT_WORKERS, EXPORT_FORMATS


def _ingest_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, metavar="FILE|DIR",
                        help="an .osm.pbf or .osm (XML) extract, or a folder of extracts")
    parser.add_argument("--model", type=Path, default=None, metavar="model.yaml",
                        help="feature model (default: the shipped security model; see docs/osm-features.md)")
    add_aoi(parser)
    parser.add_argument("--store", required=True, type=Path, metavar="DIR",
                        help="feature store folder to create (an existing store is replaced atomically)")


def _ingest(args: argparse.Namespace) -> int:
    from ai4c.pipelines.osm_ingest import ingest

    report = ingest(args.input, args.store, args.model, args.aoi)
    if not args.quiet:
        print(report.table(), file=sys.stderr)
        print(f"{sum(report.features.values())} features from {report.objects_read} OSM objects in "
              f"{report.seconds:.1f} s -> {args.store} (report: {args.store / 'report.json'})", file=sys.stderr)
    return 0


def _export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, type=Path, metavar="DIR", help="feature store folder")
    parser.add_argument("--class", dest="classes", required=True, type=csv_list, metavar="airport[,hospital...]",
                        help="classes to export (comma-separated)")
    add_aoi(parser)
    parser.add_argument("--format", default="GeoJSON", metavar="|".join(EXPORT_FORMATS),
                        help="output format (default GeoJSON); ntriples writes GeoSPARQL RDF for `ai4c store load`")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="file to write")


def _export(args: argparse.Namespace) -> int:
    from ai4c.pipelines.osm_export import export

    count = export(args.store, args.classes, args.output, args.format, args.aoi)
    if not args.quiet:
        unit = "statements" if args.format.lower() == "ntriples" else "features"
        print(f"wrote {count} {unit} to {args.output}", file=sys.stderr)
    return 0


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, type=Path, metavar="DIR", help="feature store folder")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"service processes (default {DEFAULT_WORKERS})")
    parser.add_argument("--cache-mb", type=int, default=DEFAULT_CACHE_MB,
                        help=f"decoded data each process keeps in memory, MiB (default {DEFAULT_CACHE_MB}; 0: none)")


def _serve(args: argparse.Namespace) -> int:
    from ai4c.products.feature_store import FeatureStore
    from ai4c.services.osm_features import serve

    FeatureStore(args.store)  # a clear error before the server starts
    print(f"serving {args.store} on http://{args.host}:{args.port}/ (OGC API Features; API at /api; "
          f"{args.workers} processes)", file=sys.stderr)
    serve(args.store, host=args.host, port=args.port, workers=args.workers, cache_mb=args.cache_mb)
    return 0


COMMANDS = [
    Command("ingest", "OSM extract(s) -> feature model classes -> GeoParquet feature store", _ingest_args, _ingest,
            group="osm"),
    Command("export", "features of some classes in an AoI -> GeoJSON/GeoPackage/GeoParquet/FlatGeobuf/ntriples",
            _export_args, _export, group="osm"),
    Command("serve", "serve a feature store as OGC API Features with a web page", _serve_args, _serve, group="osm"),
]
