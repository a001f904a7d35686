"""`ai4c jedai resolve|interlink|workbench|serve`: entity resolution and geospatial interlinking."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ai4c.cli.app import Command

INTERLINK_ALGORITHMS = ("giant", "radon", "static-grid", "plane-sweep", "pbsm", "rtree", "quadtree",
                        "strtree")


def _interlink_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True,
                        help="GeoJSON/GeoPackage/Shapefile/FlatGeobuf, CSV with a WKT column, RDF with "
                             "GeoSPARQL WKT literals, or (with --store) a SPARQL SELECT binding ?id ?wkt")
    parser.add_argument("--target", required=True, help="the other side, same kinds as --source")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="links file: .nt (GeoSPARQL N-Triples, default) or .csv (source,target,relation)")
    parser.add_argument("--relations", default="all",
                        help="all, or a comma list of equals,intersects,touches,within,contains,covers,"
                             "coveredby,crosses,overlaps (disjoint is always counted, never linked)")
    parser.add_argument("--algorithm", default="giant", choices=INTERLINK_ALGORITHMS,
                        help="filtering algorithm (every one gives identical links)")
    parser.add_argument("--id-field", default=None,
                        help="attribute holding feature ids (default: GeoJSON id / feature id / 'id' column)")
    parser.add_argument("--wkt-field", default=None, help="CSV column holding WKT (default: wkt/geometry/geom)")
    parser.add_argument("--separator", default=None, help="CSV separator (default: sniffed)")
    parser.add_argument("--source-base", default="http://ai4c.eu/resource/source/",
                        help="IRI prefix of source ids in the N-Triples")
    parser.add_argument("--target-base", default="http://ai4c.eu/resource/target/",
                        help="IRI prefix of target ids in the N-Triples")
    parser.add_argument("--crs", default=None,
                        help="CRS to compare in (sides in other CRSs are reprojected); needed when they differ")
    parser.add_argument("--batch-size", type=int, default=50_000,
                        help="source features per streamed batch (memory is bounded by the batch)")
    parser.add_argument("--budget", type=int, default=None,
                        help="progressive mode: verify only the N most promising candidate pairs")
    parser.add_argument("--cell-size", type=float, default=None,
                        help="grid cell size in CRS units for grid algorithms (default: from the data)")
    parser.add_argument("--store", type=Path, default=None,
                        help="GeoSPARQL store folder for sources given as SPARQL queries")
    parser.add_argument("--stats", type=Path, default=None, help="also write the run's figures as JSON")


def _interlink(args: argparse.Namespace) -> int:
    from ai4c.core.io import write_text_atomic
    from ai4c.pipelines.jedai_interlink import InterlinkParams, run_interlink

    params = InterlinkParams(
        source=args.source, target=args.target, output=args.output, relations=args.relations,
        algorithm=args.algorithm, id_field=args.id_field, wkt_field=args.wkt_field,
        separator=args.separator, source_base=args.source_base, target_base=args.target_base,
        crs=args.crs, batch_size=args.batch_size, budget=args.budget, cell_size=args.cell_size,
        store=args.store)
    report = run_interlink(params)
    text = json.dumps(report, indent=2)
    if args.stats:
        write_text_atomic(args.stats, text + "\n")
    print(text, file=sys.stderr)
    return 0


COMMANDS = [
    Command("interlink", "JedAI-spatial: every DE-9IM relation between two geometry sources",
            _interlink_args, _interlink, group="jedai"),
]
