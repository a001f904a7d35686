"""RDF files for the store: formats from names and extensions, streamed quads, stRDF valid-time quads."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.geo.vocab import STRDF

FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML,
           ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML, ".nq": ox.RdfFormat.N_QUADS,
           ".trig": ox.RdfFormat.TRIG, ".strdf": ox.RdfFormat.N_QUADS, ".n3": ox.RdfFormat.N3,
           ".jsonld": ox.RdfFormat.JSON_LD}
PERIOD_GRAPH = "urn:ai4c:valid-time:"
HAS_VALID_TIME = STRDF + "hasValidTime"
_STRDF_QUAD = re.compile(
    r'("(?:[^"\\]|\\.)*"\^\^<(?:http://strdf\.di\.uoa\.gr/ontology#(?:period|validTime)'
    r'|http://www\.w3\.org/2001/XMLSchema#dateTime)>)\s*\.\s*$')


def format_of(source: Path, rdf_format: str | None) -> ox.RdfFormat:
    """The RDF format from an explicit name or the file extension."""
    if rdf_format:
        names = {"ntriples": ".nt", "turtle": ".ttl", "rdfxml": ".rdf", "nquads": ".nq", "trig": ".trig",
                 "strdf": ".strdf", "n3": ".n3", "jsonld": ".jsonld"}
        key = names.get(rdf_format.lower().replace("-", "").replace("/", ""))
        if key is None:
            raise InvalidParameterError(f"rdf_format={rdf_format!r} unknown; use one of {', '.join(names)}")
        return FORMATS[key]
    suffix = source.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidParameterError(f"cannot tell the RDF format of {source.name!r} from {suffix!r}; use one "
                                    f"of {', '.join(FORMATS)} or give --format")
    return FORMATS[suffix]


def period_graph(literal_text: str) -> str:
    """The named graph IRI that holds the triples valid during one strdf:period."""
    from urllib.parse import quote

    return PERIOD_GRAPH + quote(literal_text, safe="")


def _strdf_to_nquads(text: str) -> str:
    """stRDF quads (4th element a strdf:period literal) -> N-Quads in per-period graphs, plus
    `<graph> strdf:hasValidTime "period"` triples; line numbers are kept for error messages."""
    lines = text.split("\n")
    extra: list[str] = []
    for i, line in enumerate(lines):
        match = _STRDF_QUAD.search(line)
        if not match:
            continue
        literal = match.group(1)
        value = literal[1:literal.rindex('"^^')]
        graph = period_graph(value)
        lines[i] = line[:match.start()] + f"<{graph}> ."
        extra.append(f"<{graph}> <{HAS_VALID_TIME}> {literal} .")
    return "\n".join(lines + sorted(set(extra)))


def quads(source: Path, fmt: ox.RdfFormat, graph: str | None):
    """The quads of a file, parsed as they stream (stRDF valid-time quads are rewritten first); blank nodes
    get fresh labels, so that two files' `_:b1` stay two nodes (as pyoxigraph's own load does)."""
    base = source.resolve().as_uri()
    if fmt == ox.RdfFormat.N_QUADS:
        quads = ox.parse(_strdf_to_nquads(source.read_text(encoding="utf-8")).encode(), format=fmt, base_iri=base,
                         rename_blank_nodes=True)
    else:
        quads = ox.parse(path=str(source), format=fmt, base_iri=base,
                         rename_blank_nodes=True)
    if not graph:
        return quads
    target = ox.NamedNode(graph)
    return (ox.Quad(q.subject, q.predicate, q.object, target) if q.graph_name == ox.DefaultGraph() else q
            for q in quads)
