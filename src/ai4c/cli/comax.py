"""`ai4c co-max` (one run) and `ai4c serve co-max` (REST + AI4EU gRPC services)."""

from __future__ import annotations

import argparse
import json

from ai4c.cli.app import Command


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", default="local", help="catalogue provider of the data broker")
    parser.add_argument("--catalog", default=None, help="local catalogue file (provider local)")
    parser.add_argument("--endpoint", default=None, help="override the provider's endpoint URL")
    parser.add_argument("--qa", type=float, default=0.5, help="keep pixels with qa_value above this (default 0.5)")


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--aoi", required=True, help="WKT polygon in lon/lat")
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    _common(parser)


def _run(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InputNotFoundError
    from ai4c.pipelines.comax import co_max
    from ai4c.services.comax.rest import make_request

    found = co_max(make_request(args.aoi, args.start, args.end, args.provider), qa_threshold=args.qa,
                   catalog=args.catalog, endpoint=args.endpoint)
    if found is None:
        raise InputNotFoundError("no valid CO pixel in the AoI and period")
    print(json.dumps(found.__dict__))
    return 0


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rest_port", "--rest-port", type=int, default=8000, help="REST port (0 = no REST)")
    parser.add_argument("--grpc_port", "--grpc-port", type=int, default=8061, help="gRPC port (0 = no gRPC)")
    _common(parser)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ai4c.services.comax.grpc_server import create_server
    from ai4c.services.comax.rest import create_app

    overrides = {"catalog": args.catalog, "endpoint": args.endpoint}
    server = None
    if args.grpc_port:
        server, port = create_server(args.grpc_port, host=args.host, provider=args.provider, qa_threshold=args.qa,
                                     **overrides)
        server.start()
        print(f"gRPC DataBroker + COMaxAnalyzer on {args.host}:{port}")
    try:
        if args.rest_port:
            uvicorn.run(create_app(args.provider, args.qa, **overrides), host=args.host, port=args.rest_port,
                        log_level="warning")
        elif server is not None:
            server.wait_for_termination()
    finally:
        if server is not None:
            server.stop(grace=2)
    return 0


COMMANDS = [
    Command("co-max", "maximum S5P CO column over an AoI and period (broker + analyzer)", _run_arguments, _run),
    Command("co-max", "serve the CO-max analyzer over REST and gRPC (AI4EU Experiments)", _serve_arguments, _serve,
            group="serve"),
]
