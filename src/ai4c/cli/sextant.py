"""`ai4c sextant serve`: the Sextant web map for linked geospatial data over time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.cli.app import Command


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8090, help="TCP port")
    parser.add_argument("--endpoint", action="append", default=[], metavar="URL",
                        help="SPARQL endpoint the map may query (repeatable); the first is the default")
    parser.add_argument("--any-endpoint", action="store_true",
                        help="let the page query any http(s) SPARQL endpoint through this server's proxy and read COG URLs")
    parser.add_argument("--map", type=Path, default=None, help="map document (JSON) the page opens with")
    parser.add_argument("--data", action="append", type=Path, default=[], metavar="FOLDER",
                        help="folder of files (GeoJSON, KML, GML, CSV, GeoTIFF) the map may show (repeatable; "
                             "default: the --map document's folder)")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="where uploads and saved maps are kept (default: $AI4C_SEXTANT_DIR or "
                             "~/.cache/ai4c/sextant)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for an endpoint")


def _serve(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InputNotFoundError, InvalidParameterError
    from ai4c.core.tiles import is_url
    from ai4c.linked.viewer.mapdoc import read_map
    from ai4c.services.sextant import serve
    from ai4c.services.sextant_sources import Sources, default_state_dir

    for url in args.endpoint:
        if not is_url(url):
            raise InvalidParameterError(f"--endpoint {url!r}: give an http(s) URL of a SPARQL endpoint")
    for folder in args.data:
        if not folder.is_dir():
            raise InputNotFoundError(f"--data {folder}: no such folder")
    initial = read_map(args.map) if args.map else None
    data = list(args.data) or ([args.map.resolve().parent] if args.map else [])
    sources = Sources(endpoints=args.endpoint, any_endpoint=args.any_endpoint, data_dirs=data,
                      state_dir=args.state_dir or default_state_dir(), timeout=args.timeout)
    print(f"Sextant on http://{args.host}:{args.port}/ (endpoints: {', '.join(args.endpoint) or 'none'})",
          file=sys.stderr)
    serve(sources, initial, host=args.host, port=args.port)
    return 0


COMMANDS = [Command("serve", "serve the Sextant web map (SPARQL/GeoSPARQL layers, files, time slider)",
                    _serve_args, _serve, group="sextant")]
main = COMMANDS[0].main
