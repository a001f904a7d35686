"""`ai4c jedai resolve|interlink|workbench|serve`: entity resolution and geospatial interlinking."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ai4c.cli.app import Command
from ai4c.pipelines.jedai_params import (
    BATCH_SIZE,
    DEFAULT_ALGORITHM,
    ER_BASE1,
    ER_BASE2,
    INTERLINK_ALGORITHMS,
    SOURCE_BASE,
    TARGET_BASE,
    TUNE_BUDGET,
)


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
    parser.add_argument("--algorithm", default=DEFAULT_ALGORITHM, choices=INTERLINK_ALGORITHMS,
                        help="filtering algorithm (every one gives identical links)")
    parser.add_argument("--id-field", default=None,
                        help="attribute holding feature ids (default: GeoJSON id / feature id / 'id' column)")
    parser.add_argument("--wkt-field", default=None, help="CSV column holding WKT (default: wkt/geometry/geom)")
    parser.add_argument("--separator", default=None, help="CSV separator (default: sniffed)")
    parser.add_argument("--source-base", default=SOURCE_BASE,
                        help="IRI prefix of source ids in the N-Triples")
    parser.add_argument("--target-base", default=TARGET_BASE,
                        help="IRI prefix of target ids in the N-Triples")
    parser.add_argument("--crs", default=None,
                        help="CRS to compare in (sides in other CRSs are reprojected); needed when they differ")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help="source features per streamed batch (memory is bounded by the batch)")
    parser.add_argument("--budget", type=int, default=None,
                        help="progressive mode: verify only the N most promising candidate pairs")
    parser.add_argument("--recall", action="store_true",
                        help="progressive mode: also verify the pairs beyond the budget (not output) to report the "
                             "recall after each chunk")
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
        crs=args.crs, batch_size=args.batch_size, budget=args.budget, recall=args.recall, cell_size=args.cell_size,
        store=args.store)
    report = run_interlink(params)
    text = json.dumps(report, indent=2)
    if args.stats:
        write_text_atomic(args.stats, text + "\n")
    print(text, file=sys.stderr)
    return 0


def _resolve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source1", required=True,
                        help="records: CSV/TSV (any separator, quoted fields), JSON/JSON lines, RDF "
                             "(.nt .ttl ...: one record per subject), or (with --store) a SPARQL SELECT "
                             "binding ?id and attribute variables")
    parser.add_argument("--source2", default=None,
                        help="second source for clean-clean ER (omit for dirty ER inside --source1)")
    parser.add_argument("--separator", default=None, help="CSV separator (default: sniffed from the header)")
    parser.add_argument("--id-column", default="id", help="column (or JSON key) holding record ids")
    parser.add_argument("--config", type=Path, default=None,
                        help="workflow YAML/JSON (step -> {method, params}); default: the documented "
                             "label-free workflow (see `ai4c jedai components`)")
    parser.add_argument("--ground-truth", type=Path, default=None,
                        help="CSV of true id1,id2 pairs: precision/recall/F1 and PC/PQ per step")
    parser.add_argument("--tune", choices=("grid", "random"), default=None,
                        help="search every step's parameters for the best F1 on --ground-truth")
    parser.add_argument("--budget", type=int, default=TUNE_BUDGET, help="workflows evaluated by --tune")
    parser.add_argument("-o", "--output", type=Path, required=True, help="matches CSV (header id1,id2)")
    parser.add_argument("--ntriples", type=Path, default=None,
                        help="owl:sameAs N-Triples (default: the output's name with .nt)")
    parser.add_argument("--base1", default=ER_BASE1,
                        help="IRI prefix of source-1 ids in the N-Triples")
    parser.add_argument("--base2", default=ER_BASE2,
                        help="IRI prefix of source-2 ids in the N-Triples")
    parser.add_argument("--store", default=None, metavar="DIR|URL",
                        help="GeoSPARQL store folder or SPARQL endpoint URL that query sources run on")
    _history_option(parser)
    parser.add_argument("--name", default=None, help="name of this run in the workbench")
    parser.add_argument("--report", type=Path, default=None, help="also write the run's report as JSON")


def _resolve(args: argparse.Namespace) -> int:
    from ai4c.core.io import write_text_atomic
    from ai4c.pipelines.jedai import ResolveParams, run_resolve

    report = run_resolve(ResolveParams(
        source1=args.source1, source2=args.source2, separator=args.separator, id_column=args.id_column,
        config=args.config, ground_truth=args.ground_truth, tune=args.tune, budget=args.budget,
        output=args.output, ntriples=args.ntriples, base1=args.base1, base2=args.base2, store=args.store,
        history=args.history, name=args.name))
    if args.report:
        write_text_atomic(args.report, json.dumps(report, indent=2) + "\n")
    _print_steps(report)
    return 0


def _print_steps(report: dict) -> None:
    """One line per step: time, comparisons or matches, and the quality figures when known."""
    for step in report["steps"]:
        figures = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("step", "method", "params"))
        print(f"{step['step']:<13} {step['method']:<22} {figures}", file=sys.stderr)
    if report.get("tuning"):
        print(f"tuned ({report['tuning']['strategy']}, {report['tuning']['trials']} workflows): "
              f"{json.dumps(report['config'])}", file=sys.stderr)
    print(f"{report['matches']} matches -> {report['output']}", file=sys.stderr)


def _components_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="listing format")


def _components(args: argparse.Namespace) -> int:
    from ai4c.linked.er.registry import REGISTRY, _load
    from ai4c.linked.er.workflow import DEFAULT_WORKFLOW

    _load()
    if args.format == "json":
        listing = {step: {name: {"description": c.description, "defaults": c.defaults, "search": c.space}
                          for name, c in comps.items()} for step, comps in REGISTRY.items()}
        print(json.dumps({"components": listing, "default_workflow": DEFAULT_WORKFLOW}, indent=2))
        return 0
    for step, comps in REGISTRY.items():
        print(f"{step}:")
        for name, comp in comps.items():
            params = ", ".join(f"{k}={v}" for k, v in comp.defaults.items())
            print(f"  {name:<30} {comp.description}" + (f" [{params}]" if params else ""))
    return 0


def _history_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", type=Path, default=None,
                        help="workbench history (default: $AI4C_JEDAI_HISTORY or "
                             "~/.local/share/ai4c/jedai-history.jsonl)")


def _workbench_args(parser: argparse.ArgumentParser) -> None:
    _history_option(parser)
    parser.add_argument("-o", "--output", type=Path, default=Path("jedai-workbench.html"),
                        help="HTML page comparing the recorded runs")


def _workbench(args: argparse.Namespace) -> int:
    from ai4c.services.jedai import write_workbench

    path, runs = write_workbench(args.history, args.output)
    print(f"{runs} runs -> {path}", file=sys.stderr)
    return 0


def _serve_args(parser: argparse.ArgumentParser) -> None:
    _history_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7300, help="TCP port")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ai4c.services.jedai import create_app

    print(f"JedAI workbench on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run(create_app(args.history), host=args.host, port=args.port, log_level="warning")
    return 0


COMMANDS = [
    Command("resolve", "JedAI entity resolution: blocking, cleaning, meta-blocking, matching, clustering",
            _resolve_args, _resolve, group="jedai"),
    Command("components", "list the ER workflow components, their parameters and the default workflow",
            _components_args, _components, group="jedai"),
    Command("workbench", "write the HTML workbench comparing recorded ER runs", _workbench_args,
            _workbench, group="jedai"),
    Command("serve", "serve the ER workbench page and its runs as JSON", _serve_args, _serve, group="jedai"),
    Command("interlink", "JedAI-spatial: every DE-9IM relation between two geometry sources",
            _interlink_args, _interlink, group="jedai"),
]
