"""`ai4c store load|query|update|serve`: the GeoSPARQL/stSPARQL store and its SPARQL endpoint."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ai4c.cli.app import Command


def _store_option(parser: argparse.ArgumentParser, *, creates: bool = False) -> None:
    parser.add_argument("--store", required=True, type=Path,
                        help="store folder (created when absent)" if creates else
                        "store folder (made by `ai4c store load`)")
    parser.add_argument("--no_entailment", "--no-entailment", action="store_true",
                        help="no RDFS entailment graph (GeoSPARQL's RDFS entailment extension off)")
    parser.add_argument("--no_rewrite", "--no-rewrite", action="store_true",
                        help="topological triple patterns match asserted triples only (query rewrite off)")


def _open(args: argparse.Namespace, *, create: bool = False):
    """The store of --store; only `load` (create=True) makes a new one."""
    from ai4c.linked.store import GeoStore

    return GeoStore(args.store, entail=not args.no_entailment, rewrite_topology=not args.no_rewrite,
                    create=create)


def query_text(value: str) -> str:
    """A query given inline, as @FILE, or as the path of an existing .rq/.ru file."""
    path = Path(value[1:]) if value.startswith("@") else Path(value)
    if (value.startswith("@") or path.suffix in (".rq", ".ru", ".sparql")) and path.is_file():
        return path.read_text()
    return value


def _load_args(parser: argparse.ArgumentParser) -> None:
    _store_option(parser, creates=True)
    parser.add_argument("files", nargs="+", type=Path,
                        help="RDF files: .nt .ttl .rdf/.owl/.xml .nq .trig .n3 .jsonld, stRDF quads (.nq/.strdf)")
    parser.add_argument("--format", dest="rdf_format", default=None,
                        help="RDF format of every file (default: from the extension)")
    parser.add_argument("--graph", default=None, help="load triples into this named graph")


def _load(args: argparse.Namespace) -> int:
    import time

    store = _open(args, create=True)
    unparsed = 0
    for path in args.files:
        start = time.perf_counter()
        added = store.load(path, rdf_format=args.rdf_format, graph=args.graph)
        unparsed += len(store.last_change.unparsed)
        print(f"{path}: {added} quads in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    if unparsed:
        print(f"{unparsed} geometry literal(s) not parsed (stored as they are; GeoSPARQL functions are unbound "
              "on them): see the warnings above", file=sys.stderr)
    return 0


def query_arguments(parser: argparse.ArgumentParser) -> None:
    """The query text and result format, shared by `store query` and `federation query` (one definition)."""
    parser.add_argument("query", help="SPARQL query text, @FILE or a .rq file")
    parser.add_argument("--format", default="json", choices=["json", "csv", "tsv", "xml"],
                        help="result format (CONSTRUCT/DESCRIBE give N-Triples)")


def _query_args(parser: argparse.ArgumentParser) -> None:
    _store_option(parser)
    query_arguments(parser)
    parser.add_argument("--timeout", type=float, default=None, help="cancel after this many seconds")


def _query(args: argparse.Namespace) -> int:
    if args.timeout:
        body = _query_in_worker(args)
    else:
        body, _ = _open(args).query_serialized(query_text(args.query), args.format)
    sys.stdout.write(body.decode("utf-8"))
    if not body.endswith(b"\n"):
        sys.stdout.write("\n")
    return 0


def _read_only_options(args: argparse.Namespace):
    """Refresh the store's derived data and spatial index cache, close it, and describe it for
    read-only worker processes."""
    from ai4c.services.query_pool import StoreOptions

    with _open(args) as store:
        store.warm()
    return StoreOptions(args.store, entail=not args.no_entailment, rewrite_topology=not args.no_rewrite)


def _query_in_worker(args: argparse.Namespace) -> bytes:
    """Run the query in a worker process, which is killed if it overruns --timeout."""
    from ai4c.services.query_pool import QueryPool

    pool = QueryPool(_read_only_options(args), workers=1)
    try:
        body, _ = pool.query(query_text(args.query), args.format, args.timeout)
    finally:
        pool.close()
    return body


def _update_args(parser: argparse.ArgumentParser) -> None:
    _store_option(parser)
    parser.add_argument("update", help="SPARQL update text, @FILE or a .ru file")


def _update(args: argparse.Namespace) -> int:
    _open(args).update(query_text(args.update))
    return 0


def _serve_args(parser: argparse.ArgumentParser) -> None:
    _store_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7200, help="TCP port")
    parser.add_argument("--update_token", "--update-token", default=os.environ.get("AI4C_STORE_TOKEN"),
                        help="enable updates for clients sending 'Authorization: Bearer TOKEN' "
                             "(default: $AI4C_STORE_TOKEN; none: read-only)")
    parser.add_argument("--timeout", type=float, default=60.0, help="query time limit in seconds")
    parser.add_argument("--workers", type=int, default=None,
                        help="query worker processes (default: one per CPU, 2 to 4); a query over the "
                             "time limit is stopped by killing its worker. 0: threads of one process, "
                             "where a query stuck inside the engine finishes in the background")


def _serve(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InvalidParameterError
    from ai4c.services.sparql import ProcessBackend, ThreadBackend, serve

    if args.workers is not None and args.workers < 0:
        raise InvalidParameterError(f"--workers {args.workers}: give 0 or more worker processes")
    if args.workers == 0:
        backend = ThreadBackend(_open(args))
    else:
        backend = ProcessBackend(_read_only_options(args), args.workers)
    print(f"serving {args.store} ({backend.count()} quads) on http://{args.host}:{args.port}/sparql "
          f"({'updates with token' if args.update_token else 'read-only'})", file=sys.stderr)
    serve(backend, host=args.host, port=args.port, update_token=args.update_token, timeout=args.timeout)
    return 0


COMMANDS = [
    Command("load", "load RDF files into a GeoSPARQL store (each file atomically)", _load_args, _load,
            group="store"),
    Command("query", "run a GeoSPARQL/stSPARQL query", _query_args, _query, group="store"),
    Command("update", "run a SPARQL update", _update_args, _update, group="store"),
    Command("serve", "serve the store as a SPARQL 1.1 endpoint", _serve_args, _serve, group="store"),
]
main = COMMANDS[1].main
