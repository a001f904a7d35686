"""`ai4c graph show NAME` and `ai4c graph run FILE --input ... --output_path ...`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ai4c.cli.app import Command


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="service graph: s1-grd, s2-pre, s2-cd, monthly-composite, tile-classifier, aqgan")


def _show(args: argparse.Namespace) -> int:
    import ai4c.pipelines  # noqa: F401  (declares which module registers each graph)
    from ai4c.core.graph import default_graph

    print(default_graph(args.name).to_yaml(), end="")
    return 0


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="graph YAML (start from `ai4c graph show NAME`)")
    parser.add_argument("--input", action="append", required=True, metavar="PATH",
                        help="input product (repeat for services with several inputs)")
    parser.add_argument("--output_path", required=True, metavar="PATH", help="output file or folder")


def _run(args: argparse.Namespace) -> int:
    import ai4c.pipelines  # noqa: F401  (declares which module registers each graph)
    from ai4c.core.graph import Context, read_graph_file
    from ai4c.core.outputs import means_folder, output_folder

    graph = read_graph_file(args.file)
    if means_folder(args.output_path):
        output_folder(args.output_path)
    graph.run(Context(inputs=[Path(p) for p in args.input], output_path=Path(args.output_path)))
    return 0


COMMANDS = [
    Command("show", "print a service's default processing graph and its parameters as YAML", _show_arguments,
            _show, group="graph"),
    Command("run", "run a (possibly edited) processing graph", _run_arguments, _run, group="graph"),
]
