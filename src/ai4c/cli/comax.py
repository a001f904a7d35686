"""`ai4c co-max` (one run) and `ai4c serve co-max` (REST + AI4EU gRPC services)."""

from __future__ import annotations

import argparse
import json

from ai4c.cli.app import Command


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    from ai4c.core.params import add_arguments
    from ai4c.pipelines.comax_params import CoMaxParameters

    parser.add_argument("--aoi", required=True, help="WKT polygon in lon/lat")
    parser.add_argument("--start", required=True, help="period start, ISO 8601")
    parser.add_argument("--end", required=True, help="period end, ISO 8601")
    add_arguments(parser, CoMaxParameters)


def _run(args: argparse.Namespace) -> int:
    from ai4c.core.errors import InputNotFoundError
    from ai4c.core.params import from_namespace
    from ai4c.pipelines.comax import co_max
    from ai4c.pipelines.comax_params import CoMaxParameters
    from ai4c.services.comax.rest import make_request

    p = from_namespace(CoMaxParameters, args)
    found = co_max(make_request(args.aoi, args.start, args.end, p.provider), qa_threshold=p.qa,
                   catalog=p.catalog, endpoint=p.endpoint)
    if found is None:
        raise InputNotFoundError("no valid CO pixel in the AoI and period")
    print(json.dumps(found.__dict__))
    return 0


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    from ai4c.core.params import add_arguments
    from ai4c.pipelines.comax_params import CoMaxServeParameters

    add_arguments(parser, CoMaxServeParameters)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ai4c.core.params import from_namespace
    from ai4c.pipelines.comax_params import CoMaxServeParameters
    from ai4c.services.comax.grpc_server import create_server
    from ai4c.services.comax.rest import create_app

    args = from_namespace(CoMaxServeParameters, args)
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
