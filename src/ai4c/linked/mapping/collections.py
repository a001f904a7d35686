"""RML-CC: the triples of RDF collections (rdf:List) and containers (rdf:Bag, rdf:Seq, rdf:Alt) that gather
maps make from the values of their term maps."""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import BlankNode, NamedNode

from ai4c.linked.mapping import vocab as v

FIRST, REST, NIL = NamedNode(v.RDF_FIRST), NamedNode(v.RDF_REST), NamedNode(v.RDF_NIL)
TYPE = NamedNode(v.RDF_TYPE)
KINDS = ("List", "Bag", "Seq", "Alt")


def structure(head, members: list, kind: str) -> Iterator[tuple]:
    """(s, p, o) triples of a collection or container whose first node is `head`."""
    if kind == "List":
        cells = [head] + [BlankNode() for _ in members[1:]]
        for i, member in enumerate(members):
            yield cells[i], FIRST, member
            yield cells[i], REST, cells[i + 1] if i + 1 < len(members) else NIL
        return
    yield head, TYPE, NamedNode(v.RDF + kind)
    for i, member in enumerate(members, start=1):
        yield head, NamedNode(f"{v.RDF}_{i}"), member
