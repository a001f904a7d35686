"""RML-LV: logical views (`rml:LogicalView`, `rml:viewOn`), their expression and iterable fields, and their
left/inner joins, read into `model.LogicalView`; cycles and clashing field names are mapping errors."""

from __future__ import annotations

from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.model import Field, Join, LogicalSource, LogicalView, TermMap, ViewJoin

FORMULATION_KINDS = {v.rr("CSV"): "csv", v.rr("JSONPath"): "json", v.rr("XPath"): "xml"}


def is_view(g, node) -> bool:
    """Whether a logical source node is a logical view."""
    types = {t.value for t in g.index.get(node, {}).get(v.RDF_TYPE, [])}
    return v.rr("LogicalView") in types or g.get(node, "viewOn") is not None


def parse_view(parser, node) -> LogicalSource:
    """The logical source of a view node (parsed once; a view reached again while parsing it is a cycle)."""
    from ai4c.linked.mapping.parse import MappingError, _name

    key = node.value if hasattr(node, "value") else str(node)
    if key in parser.views:
        return parser.views[key]
    if key in parser.view_stack:
        raise MappingError(f"logical view {_name(node)} depends on itself (through rml:viewOn or a join); "
                           "break the cycle")
    parser.view_stack.append(key)
    try:
        parent_node = parser.g.get(node, "viewOn", required=True)
        parent = parser.logical_source(parent_node)
        fields = [parse_field(parser, f, set()) for f in parser.g.all(node, "field")]
        joins = [parse_join(parser, j, inner) for inner, local in ((False, "leftJoin"), (True, "innerJoin"))
                 for j in parser.g.all(node, local)]
    finally:
        parser.view_stack.pop()
    view = LogicalView(key, parent, fields, joins)
    check_names(view, _name(node))
    out = LogicalSource(kind="view", view=view, natural=True)
    parser.views[key] = out
    return out


def parse_field(parser, node, visiting: set) -> Field:
    """One field and its children (a field nested in itself is a cycle)."""
    from ai4c.linked.mapping.parse import MappingError, _name

    g = parser.g
    if node in visiting:
        raise MappingError(f"field {_name(node)} contains itself; break the cycle of rml:field")
    name = g.get(node, "fieldName", required=True).value
    formulation = g.get(node, "referenceFormulation")
    iterator = g.get(node, "iterator")
    out = Field(name, "iterable" if iterator is not None or formulation is not None and
                g.get(node, "reference") is None else "expression",
                iterator=iterator.value if iterator is not None else None,
                formulation=FORMULATION_KINDS.get(formulation.value) if formulation is not None else None)
    if out.kind == "expression":
        out.expression = parser.term_map(node, "object")
        out.expression.term_type = "literal"  # a field holds values, never IRIs
    out.children = [parse_field(parser, child, visiting | {node}) for child in g.all(node, "field")]
    return out


def parse_join(parser, node, inner: bool) -> ViewJoin:
    """A rml:leftJoin / rml:innerJoin: parent view, join conditions, the parent's fields it adds."""
    g = parser.g
    parent = parser.logical_source(g.get(node, "parentLogicalView", required=True))
    conditions = [parser.join_condition(c) for c in g.all(node, "joinCondition")]
    fields = [parse_field(parser, f, set()) for f in g.all(node, "field")]
    return ViewJoin(parent, inner, conditions, fields)


def field_keys(fields: list[Field], prefix: str = "") -> list[str]:
    """The references a view record answers for these fields: name and name.# of expression fields,
    name.# of iterable fields, and their children's prefixed keys."""
    keys = []
    for f in fields:
        if f.kind == "expression":
            keys.append(prefix + f.name)
        keys.append(prefix + f.name + ".#")
        keys += field_keys(f.children, prefix + f.name + ".")
    return keys


def view_keys(view: LogicalView) -> list[str]:
    """Every key of the view's records ('#' included), joined fields last."""
    return ["#", *field_keys(view.fields), *(k for j in view.joins for k in field_keys(j.fields))]


def check_names(view: LogicalView, name: str) -> None:
    """Two fields of a view (its own or added by joins) may not share a name."""
    from ai4c.linked.mapping.parse import MappingError

    seen: set[str] = set()
    for key in view_keys(view):
        if key in seen:
            raise MappingError(f"logical view {name} has two fields named {key!r} (own or joined); rename one")
        seen.add(key)


def join_condition(parser, node) -> Join:
    """rml:child/rml:parent references, or rml:childMap/rml:parentMap expression maps."""
    from ai4c.linked.mapping.parse import MappingError, _name

    sides = []
    for local in ("child", "parent"):
        text = parser.g.get(node, local)
        if text is not None:
            sides.append((text.value, None))
            continue
        map_node = parser.g.get(node, local + "Map")
        if map_node is None:
            raise MappingError(f"join condition {_name(node)} has no rml:{local} or rml:{local}Map; add one")
        tm: TermMap = parser.term_map(map_node, "object")
        tm.term_type = "literal"
        sides.append((tm.reference, None) if tm.kind == "reference" else (None, tm))
    (child, child_map), (parent, parent_map) = sides
    return Join(child, parent, child_map, parent_map)
