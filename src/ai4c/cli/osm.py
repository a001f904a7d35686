"""`ai4c osm ingest|export|serve`: OSM extracts -> the security feature model -> a GeoParquet store -> OGC API
Features."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.cli.app import Command, csv_list
from ai4c.core.params import add_arguments, from_namespace
from ai4c.pipelines.osm_params import OsmExportParameters, OsmIngestParameters, OsmServeParameters


def _ingest_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, metavar="FILE|DIR",
                        help="an .osm.pbf or .osm (XML) extract, or a folder of extracts")
    add_arguments(parser, OsmIngestParameters)
    parser.add_argument("--store", required=True, type=Path, metavar="DIR",
                        help="feature store folder to create (an existing store is replaced atomically)")


def _ingest(args: argparse.Namespace) -> int:
    from ai4c.pipelines.osm_ingest import ingest

    p = from_namespace(OsmIngestParameters, args)
    report = ingest(args.input, args.store, p.model, p.aoi)
    if not args.quiet:
        print(report.table(), file=sys.stderr)
        print(f"{sum(report.features.values())} features from {report.objects_read} OSM objects in "
              f"{report.seconds:.1f} s -> {args.store} (report: {args.store / 'report.json'})", file=sys.stderr)
    return 0


def _export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, type=Path, metavar="DIR", help="feature store folder")
    parser.add_argument("--class", dest="classes", required=True, type=csv_list, metavar="airport[,hospital...]",
                        help="classes to export (comma-separated)")
    add_arguments(parser, OsmExportParameters)
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="file to write")


def _export(args: argparse.Namespace) -> int:
    from ai4c.pipelines.osm_export import export

    p = from_namespace(OsmExportParameters, args)
    count = export(args.store, args.classes, args.output, p.format, p.aoi, p.filter)
    if not args.quiet:
        unit = "statements" if p.format == "ntriples" else "features"
        print(f"wrote {count} {unit} to {args.output}", file=sys.stderr)
    return 0


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, type=Path, metavar="DIR", help="feature store folder")
    add_arguments(parser, OsmServeParameters)


def _serve(args: argparse.Namespace) -> int:
    from ai4c.products.feature_store import FeatureStore
    from ai4c.services.osm_features import serve

    p = from_namespace(OsmServeParameters, args)
    FeatureStore(args.store)  # a clear error before the server starts
    print(f"serving {args.store} on http://{p.host}:{p.port}/ (OGC API Features; API at /api; "
          f"{p.workers} processes)", file=sys.stderr)
    serve(args.store, host=p.host, port=p.port, workers=p.workers, cache_mb=p.cache_mb)
    return 0


COMMANDS = [
    Command("ingest", "OSM extract(s) -> feature model classes -> GeoParquet feature store", _ingest_args, _ingest,
            group="osm"),
    Command("export", "features of some classes in an AoI -> GeoJSON/GeoPackage/GeoParquet/FlatGeobuf/ntriples",
            _export_args, _export, group="osm"),
    Command("serve", "serve a feature store as OGC API Features with a web page", _serve_args, _serve, group="osm"),
]
