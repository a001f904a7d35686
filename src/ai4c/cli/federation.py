"""`ai4c federation summarize|query|serve`: one SPARQL endpoint over many sources (Semagrow-like)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.cli.app import Command
from ai4c.cli.store import query_arguments, query_text


def _federation_options(parser: argparse.ArgumentParser) -> None:
    """The options `query` and `serve` share: --sources and the FederationParameters flags (one definition)."""
    from ai4c.core.params import add_arguments
    from ai4c.pipelines.federation_params import FederationParameters

    parser.add_argument("--sources", required=True, type=Path,
                        help="sources.yaml: 'sources:' list of {name, endpoint: URL | mapping: FILE, "
                             "summary?: FILE, vocabulary?: FILE, geosparql?: bool}")
    add_arguments(parser, FederationParameters)


def _federation(args: argparse.Namespace, client):
    from ai4c.core.params import from_namespace
    from ai4c.pipelines.federation_params import FederationParameters
    from ai4c.services.federation import federation

    return federation(args.sources, from_namespace(FederationParameters, args), client)


def _summarize_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", action="append", required=True, help="SPARQL endpoint URL (repeatable)")
    parser.add_argument("--name", action="append", default=None, help="name of each endpoint (default: its URL)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="VoID/SEVOD Turtle file to write")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request time limit, seconds")


def _summarize(args: argparse.Namespace) -> int:
    import httpx

    from ai4c.core.errors import InvalidParameterError
    from ai4c.core.io import write_text_atomic
    from ai4c.linked.federation import EndpointSource, summarize
    from ai4c.linked.federation.summary import to_turtle

    names = args.name or args.endpoint
    if len(names) != len(args.endpoint):
        raise InvalidParameterError("give one --name per --endpoint (or none)")
    with httpx.Client() as client:
        summaries = [summarize(EndpointSource(name=n, url=u, client=client, timeout=args.timeout), u)
                     for n, u in zip(names, args.endpoint, strict=True)]
    write_text_atomic(args.output, to_turtle(summaries))
    for s in summaries:
        print(f"{s.name}: {s.triples} triples, {len(s.predicates)} predicates, {len(s.classes)} classes, "
              f"extent {s.extent}, time {s.time_extent}", file=sys.stderr)
    return 0


def _query_args(parser: argparse.ArgumentParser) -> None:
    _federation_options(parser)
    query_arguments(parser)
    parser.add_argument("--explain", action="store_true", help="print the plan (sources per pattern, order, "
                                                              "estimated and actual cardinalities, requests)")


def _query(args: argparse.Namespace) -> int:
    from ai4c.services.federation import source_client

    with source_client() as client:
        body, _, plan = _federation(args, client).query(query_text(args.query), args.format)
    sys.stdout.write(body.decode("utf-8"))
    if not body.endswith(b"\n"):
        sys.stdout.write("\n")
    if args.explain:
        print(plan.text(), file=sys.stderr)
    elif plan.partial:
        print("warning: partial answer: " + "; ".join(plan.failures), file=sys.stderr)
    return 0


def _serve_args(parser: argparse.ArgumentParser) -> None:
    _federation_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7300, help="TCP port")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ai4c.services.federation import create_app, source_client

    with source_client() as client:
        federation = _federation(args, client)
        print(f"federating {', '.join(s.name for s in federation.sources)} on "
              f"http://{args.host}:{args.port}/sparql (read-only)", file=sys.stderr)
        uvicorn.run(create_app(federation), host=args.host, port=args.port, log_level="warning")
    return 0


COMMANDS = [
    Command("summarize", "gather VoID/SEVOD statistics of SPARQL endpoints", _summarize_args, _summarize,
            group="federation"),
    Command("query", "answer a SPARQL query over federated sources", _query_args, _query, group="federation"),
    Command("serve", "serve federated sources as one read-only SPARQL endpoint", _serve_args, _serve,
            group="federation"),
]
