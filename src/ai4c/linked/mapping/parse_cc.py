"""RML-CC: gather maps (`rml:gather`, `rml:gatherAs`, `rml:strategy`, `rml:allowEmptyListAndContainer`)."""

from __future__ import annotations

from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.collections import KINDS
from ai4c.linked.mapping.model import Gather, TermMap


def parse_gather(parser, node) -> Gather | None:
    """The gather map of a term map node; None when it gathers nothing."""
    from ai4c.linked.mapping.parse import MappingError, _name

    g = parser.g
    items = g.get(node, "gather")
    if items is None:
        return None
    kind_node = g.get(node, "gatherAs")
    kind = kind_node.value.rsplit("#", 1)[-1] if kind_node is not None else ""
    if kind not in KINDS:
        raise MappingError(f"gather map {_name(node)} has rml:gatherAs {kind or 'missing'}; use rdf:List, "
                           "rdf:Bag, rdf:Seq or rdf:Alt")
    strategy = g.get(node, "strategy")
    allow = g.get(node, "allowEmptyListAndContainer")
    members = [member(parser, m) for m in g.list(items)]
    return Gather(members, kind, strategy is not None and strategy.value == v.rr("cartesianProduct"),
                  allow is not None and allow.value.lower() in ("true", "1"))


def member(parser, node) -> TermMap:
    """A term map of a gather list: a term map, or a referencing object map (the parent's subjects)."""
    from ai4c.linked.mapping.parse import _name

    parent = parser.g.get(node, "parentTriplesMap")
    if parent is None:
        return parser.term_map(node, "object")
    return TermMap(kind="parent", term_type="iri", quoted=parser.ref_object(node, parent), node=_name(node))
