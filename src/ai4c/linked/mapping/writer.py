"""Serialising quads: N-Triples/N-Quads line by line (bounded memory), Turtle/TriG via pyoxigraph."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Dataset, DefaultGraph, Quad, RdfFormat, serialize

from ai4c.core.errors import check_choice
from ai4c.core.io import atomic_path

FORMATS = ("ntriples", "nquads", "turtle", "trig")
DEDUP_LIMIT = 1_000_000  # remembered lines for duplicate removal; older ones are forgotten


def line_of(quad: Quad, with_graph: bool) -> str:
    """One N-Quads (or N-Triples) line."""
    graph = "" if not with_graph or isinstance(quad.graph_name, DefaultGraph) else f" {quad.graph_name}"
    return f"{quad.subject} {quad.predicate} {quad.object}{graph} .\n"


def write_lines(quads: Iterable[Quad], handle, with_graph: bool) -> int:
    """Stream quads as lines, dropping duplicates among the last DEDUP_LIMIT lines; returns the count."""
    seen: set[int] = set()
    count = 0
    for quad in quads:
        line = line_of(quad, with_graph)
        key = hash(line)
        if key in seen:
            continue
        if len(seen) >= DEDUP_LIMIT:
            seen.clear()
        seen.add(key)
        handle.write(line)
        count += 1
    return count


def write_quads(quads: Iterable[Quad], output: Path | str, fmt: str = "ntriples") -> int:
    """Write quads atomically to `output` in `fmt`; nothing is left behind when the stream fails."""
    fmt = check_choice("format", fmt, FORMATS)
    with atomic_path(output) as tmp:
        if fmt in ("ntriples", "nquads"):
            with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
                return write_lines(quads, handle, with_graph=fmt == "nquads")
        dataset = Dataset(q if fmt == "trig" else Quad(q.subject, q.predicate, q.object, DefaultGraph())
                          for q in quads)
        prefixes = {"geo": "http://www.opengis.net/ont/geosparql#", "xsd": "http://www.w3.org/2001/XMLSchema#",
                    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
        if fmt == "trig":
            serialize(dataset, str(tmp), RdfFormat.TRIG, prefixes=prefixes)
        else:
            serialize((q.triple for q in dataset), str(tmp), RdfFormat.TURTLE, prefixes=prefixes)
        return len(dataset)
