"""`ai4c earthqa index|ask|serve`: EO product metadata as RDF, and questions about it in plain English."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from ai4c.cli.app import Command


def _reference_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def _gazetteer_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gazetteer", default=None,
                        help="extra places: an `ai4c osm ingest` store folder, a GeoNames dump (allCountries.txt, "
                             "cities15000.txt, ...) or a vector file of named features (GeoJSON/GeoPackage/...)")


def _index_args(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--catalog", type=Path, help="the local product catalogue (ai4c catalog index)")
    source.add_argument("--stac", type=Path, help="STAC Items: a folder of Item JSON files, an ItemCollection, "
                                                  "or a search saved by `ai4c search --format stac`")
    parser.add_argument("--store", required=True, type=Path, help="GeoSPARQL store folder (created when absent)")


def _index(args: argparse.Namespace) -> int:
    from ai4c.pipelines.earthqa_index import index

    report = index(args.store, catalog=args.catalog, stac=args.stac)
    print(f"{report} into {args.store}", file=sys.stderr)
    return 0


def _ask_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help='e.g. "Sentinel-1 images of Etna in March 2018"')
    parser.add_argument("--store", required=True, type=Path, help="store indexed by `ai4c earthqa index`")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="answer format")
    parser.add_argument("--today", type=_reference_date, default=None,
                        help="reference date of relative times ('last summer'); default: today (UTC)")
    _gazetteer_option(parser)


def _ask(args: argparse.Namespace) -> int:
    from ai4c.pipelines.earthqa import Answerer, format_text, load_gazetteer

    answerer = Answerer(args.store, load_gazetteer(args.gazetteer))
    try:
        answer = answerer.ask(args.question, args.today)
    finally:
        answerer.close()
    print(json.dumps(answer, indent=2) if args.format == "json" else format_text(answer))
    return 0


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, type=Path, help="store indexed by `ai4c earthqa index`")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8021, help="TCP port")
    _gazetteer_option(parser)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ai4c.pipelines.earthqa import Answerer, load_gazetteer
    from ai4c.services.earthqa import create_app

    app = create_app(Answerer(args.store, load_gazetteer(args.gazetteer)))
    print(f"EarthQA on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


COMMANDS = [
    Command("index", "put EO product metadata (catalogue or STAC Items) into a GeoSPARQL store as RDF",
            _index_args, _index, group="earthqa"),
    Command("ask", "answer a question about EO products (prints the GeoSPARQL query and the products)",
            _ask_args, _ask, group="earthqa"),
    Command("serve", "serve the EarthQA page: question box, interpretation, results table and map",
            _serve_args, _serve, group="earthqa"),
]
