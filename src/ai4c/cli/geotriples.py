"""`geotriples generate_mapping ...` and `geotriples dump_rdf ...` (also `ai4c geotriples ...`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ai4c.cli.app import Command, add_common_options, run_guarded


def _generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, metavar="MAPPING.ttl", help="mapping file to write")
    parser.add_argument("-b", "--base", dest="base_iri", default="http://example.com/", metavar="BASE_IRI",
                        help="base IRI of the generated resources (default http://example.com/)")
    parser.add_argument("-rml", "--rml", dest="rml", action="store_true",
                        help="write an RML mapping (default: R2RML, the source given at dump time by -sh)")
    parser.add_argument("input", metavar="INPUT",
                        help="Shapefile, GeoJSON, GeoPackage, KML, GML/XML, CSV, JSON or "
                             "postgresql://user@host:port/db?table=NAME")


def _generate(args: argparse.Namespace) -> int:
    from ai4c.linked.mapping.generate import generate_mapping

    path = generate_mapping(args.input, args.output, base_iri=args.base_iri, rml=args.rml)
    if not args.quiet:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _dump_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="RDF file to write")
    parser.add_argument("-f", "--format", default="ntriples", metavar="ntriples|turtle|nquads|trig|rdfxml",
                        help="output syntax (default ntriples; also N-TRIPLES, TTL, RDF/XML, ...); "
                             "ntriples/nquads stream with bounded memory")
    parser.add_argument("-b", "--base", dest="base_iri", default=None, metavar="BASE",
                        help="base IRI for relative IRIs (default: the mapping's @base, else http://example.com/)")
    parser.add_argument("-sh", "--source", dest="source", default=None, metavar="INPUT",
                        help="input that replaces every logical source of the mapping (a file or "
                             "postgresql://... URL); relative rml:source paths resolve against the mapping's folder")
    parser.add_argument("-s", "--srid", default=None, metavar="EPSG",
                        help="EPSG code of geometries whose source names no CRS (default: CRS84)")
    parser.add_argument("-rml", "--rml", dest="rml", action="store_true",
                        help="accepted for GeoTriples compatibility: R2RML and RML are recognised automatically")
    parser.add_argument("mapping", metavar="mapping.ttl", help="R2RML or RML mapping (Turtle)")


def _dump(args: argparse.Namespace) -> int:
    from ai4c.linked.mapping import dump_rdf

    count = dump_rdf(args.mapping, args.output, args.format, base_iri=args.base_iri, source=args.source,
                     srid=args.srid)
    if not args.quiet:
        print(f"wrote {count} statements to {args.output}", file=sys.stderr)
    return 0


COMMANDS = [
    Command("generate_mapping", "write an editable R2RML/RML mapping (GeoSPARQL vocabulary) for a geodata input",
            _generate_arguments, _generate, group="geotriples"),
    Command("dump_rdf", "execute an R2RML/RML mapping into RDF (N-Triples, N-Quads, Turtle)",
            _dump_arguments, _dump, group="geotriples"),
]


def main(argv: Sequence[str] | None = None) -> int:
    """The `geotriples` script: GeoTriples' own subcommands."""
    parser = argparse.ArgumentParser(prog="geotriples", description="Geodata -> RDF with R2RML/RML mappings.")
    sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(p)
        add_common_options(p)
        p.set_defaults(_run=command.run)
    args = parser.parse_args(argv)
    code = run_guarded(args._run, args)
    if argv is None:
        sys.exit(code)
    return code
