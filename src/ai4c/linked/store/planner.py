"""Spatial query planning: FILTER(geof:sfX(?a, ?b)) selections and joins answered by the R-tree.

A recognised filter (one topological relation between a geometry-literal variable bound by a
triple pattern and either a constant geometry or another such variable) is evaluated on the
spatial index; the qualifying literals (or subjects) are injected as a VALUES block and the filter
is removed, so pyoxigraph joins the few qualifying rows instead of testing every pair. Anything
not recognised (OPTIONAL, UNION, sub-queries, ...) runs unchanged, which stays correct.
"""

from __future__ import annotations

import re

import numpy as np

from ai4c.linked.geo.geometry import UnknownCrsError, parse_literal
from ai4c.linked.store.geof import GEOF, RELATIONS
from ai4c.linked.store.rewrite import prefixes
from ai4c.linked.store.spatial_index import SpatialIndex
from ai4c.linked.store.strdf import STRDF

_UNSAFE = re.compile(r"\b(OPTIONAL|UNION|MINUS|EXISTS|GRAPH|SERVICE|INSERT|DELETE|LOAD|CLEAR)\b", re.I)
_NAME = r"(?:<[^>\s]*>|[A-Za-z][\w-]*:[\w-]+)"
_LIT = r'"(?:[^"\\]|\\.)*"\^\^' + _NAME
_ARG = rf"(\?\w+|{_LIT})"
_FILTER = re.compile(rf"FILTER\s*\(\s*({_NAME})\s*\(\s*{_ARG}\s*,\s*{_ARG}\s*\)\s*\)", re.I)
_STRDF_RELATIONS = {"intersects": "sfIntersects", "within": "sfWithin", "contains": "sfContains",
                    "overlaps": "sfOverlaps", "touches": "sfTouches", "crosses": "sfCrosses",
                    "equals": "sfEquals", "inside": "ehInside", "covers": "ehCovers",
                    "coveredBy": "ehCoveredBy"}
_SKIP = {"sfDisjoint", "ehDisjoint", "rcc8dc"}
MAX_VALUES = 2_000_000


def _expand(name: str, pref: dict[str, str]) -> str:
    if name.startswith("<"):
        return name[1:-1]
    prefix, _, local = name.partition(":")
    return pref.get(prefix, prefix + ":") + local


def relation_of(iri: str) -> str | None:
    """The relation name of a plannable function IRI, or None."""
    if iri.startswith(GEOF) and iri[len(GEOF):] in RELATIONS and iri[len(GEOF):] not in _SKIP:
        return iri[len(GEOF):]
    if iri.startswith(STRDF):
        return _STRDF_RELATIONS.get(iri[len(STRDF):])
    return None


def _binding(query: str, var: str, pref: dict[str, str]) -> tuple[str | None, str | None] | None:
    """(subject variable or None, predicate IRI) of the triple pattern binding `var` as object."""
    matches = list(re.finditer(rf"(\S+)\s+({_NAME})\s+{re.escape(var)}(?![\w])", query))
    if len(matches) != 1:
        return None
    subject, predicate = matches[0].group(1), _expand(matches[0].group(2), pref)
    if predicate.endswith(":") or predicate in ("a",):
        return None
    return (subject if re.fullmatch(r"\?\w+", subject) else None), predicate


def _parse_constant(text: str, pref: dict[str, str]):
    value, _, datatype = text.rpartition("^^")
    literal = value[1:-1].encode().decode("unicode_escape")
    return parse_literal(literal, _expand(datatype, pref))


def plan(query: str, index: SpatialIndex) -> str:
    """The query with one recognised spatial filter replaced by index results (else unchanged)."""
    if "FILTER" not in query.upper() or _UNSAFE.search(_strip_literals(query)):
        return query
    if len(re.findall(r"\bSELECT\b", query, re.I)) > 1:
        return query
    pref = prefixes(query)
    for match in _FILTER.finditer(query):
        relation = relation_of(_expand(match.group(1), pref))
        if relation is None:
            continue
        try:
            planned = _plan_one(query, match, relation, pref, index)
        except UnknownCrsError:
            raise
        except (ValueError, TypeError):
            planned = None
        if planned is not None:
            return planned
    return query


def _strip_literals(query: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)


def _plan_one(query: str, match: re.Match, relation: str, pref: dict, index: SpatialIndex) -> str | None:
    a, b = match.group(2), match.group(3)
    if a.startswith("?") and b.startswith("?") and a != b:
        return _plan_join(query, match, relation, a, b, pref, index)
    if a.startswith("?") != b.startswith("?"):
        var, constant = (a, b) if a.startswith("?") else (b, a)
        return _plan_select(query, match, relation, var, constant, a.startswith("?"), pref, index)
    return None


def _plan_select(query, match, relation, var, constant, var_first, pref, index) -> str | None:
    bound = _binding(query, var, pref)
    geo = _parse_constant(constant, pref)
    if bound is None or geo is None:
        return None
    hits = index.select(relation, geo, bound[1], var_first)
    return inject_hits(query, match, var, bound, hits, index)


def inject_hits(query: str, match: re.Match, var: str, binding: tuple, hits, index: SpatialIndex, *,
                as_filter: bool = False) -> str:
    """The query with the selection filter `match` replaced by the index entries `hits` that satisfy
    it: a VALUES list of their subjects (when each has one literal of its predicate) or literals, or with
    `as_filter` a FILTER(... IN (...)) in its place (pyoxigraph then keeps its own join order: faster for
    a few hits when the other patterns are selective themselves). `binding`: (subject variable, predicate)
    of the pattern binding `var`."""
    subject, predicate = binding
    data = index.data()
    if subject and data.unique_subjects.get(predicate):
        var, column = subject, data.subjects
    else:
        column = data.literals
    values, namespaces = _compress(sorted({column[i] for i in hits.tolist()}))
    if as_filter:
        return _declare(f"{query[:match.start()]}FILTER({var} IN ({', '.join(values)})){query[match.end():]}",
                        namespaces)
    return _declare(_inject(query, match, _values_block([var], values)), namespaces)


def _plan_join(query, match, relation, a, b, pref, index) -> str | None:
    bound_a, bound_b = _binding(query, a, pref), _binding(query, b, pref)
    if bound_a is None or bound_b is None:
        return None
    left, right = index.join(relation, bound_a[1], bound_b[1])
    if len(left) > MAX_VALUES:
        return None
    return inject_pairs(query, match, (a, b), (bound_a, bound_b), (left, right), index)


def inject_pairs(query: str, match: re.Match, names: tuple[str, str], bindings: tuple, pairs: tuple,
                 index: SpatialIndex) -> str:
    """The query with the join filter `match` replaced by the index entry pairs that satisfy it: a VALUES
    table of the geometries' subjects (when each has one literal of its predicate) or of the literals.
    `bindings`: (subject variable, predicate) of the pattern binding each of `names`."""
    (a, b), ((subj_a, pred_a), (subj_b, pred_b)), (left, right) = names, bindings, pairs
    data = index.data()
    by_subject = (subj_a and subj_b and subj_a != subj_b and data.unique_subjects.get(pred_a)
                  and data.unique_subjects.get(pred_b))
    column = data.subjects if by_subject else data.literals
    names = (subj_a, subj_b) if by_subject else (a, b)
    names_a, names_b = _texts(column, left), _texts(column, right)
    short, namespaces = _compress(list(dict.fromkeys([*names_a, *names_b])))
    alias = dict(zip(dict.fromkeys([*names_a, *names_b]), short, strict=True))
    rows = list(dict.fromkeys(f"({alias[x]} {alias[y]})" for x, y in zip(names_a, names_b, strict=True)))
    planned = _declare(_inject(query, match, _values_block(list(names), rows)), namespaces)
    if by_subject:  # the index holds exactly these triples: drop them unless their literal is used
        for var in (a, b):
            planned = _drop_binding(planned, var)
    return planned


def _drop_binding(query: str, var: str) -> str:
    """Remove the triple pattern `?s <p> var .` when var occurs nowhere else in the query."""
    if len(re.findall(rf"{re.escape(var)}(?![\w])", query)) != 1:
        return query
    match = re.search(rf"(?<=[\s{{.])\?\w+\s+{_NAME}\s+{re.escape(var)}(?![\w])\s*(\.|(?=\}}))", query)
    return query if match is None else query[:match.start()] + query[match.end():]


_SAFE_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def _compress(terms: list[str]) -> tuple[list[str], dict[str, str]]:
    """IRIs written as prefixed names (a few times shorter: the query parses faster)."""
    namespaces: dict[str, str] = {}
    out = []
    for term in terms:
        if term.startswith("<"):
            iri = term[1:-1]
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            if cut and _SAFE_LOCAL.match(iri[cut:]):
                prefix = namespaces.setdefault(iri[:cut], f"ai4cv{len(namespaces)}")
                out.append(f"{prefix}:{iri[cut:]}")
                continue
        out.append(term)
    return out, namespaces


def _declare(query: str, namespaces: dict[str, str]) -> str:
    """Prepend the PREFIX declarations of `_compress`."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for ns, p in namespaces.items()) + query


def _values_block(names: list[str], rows: list[str]) -> str:
    """A VALUES table wrapped in a sub-select: pyoxigraph then joins it as one hashed input instead
    of re-evaluating it against each triple pattern (20x faster for thousands of rows)."""
    head = " ".join(names)
    table = f"VALUES ({head}) {{ {' '.join(rows)} }}" if len(names) > 1 else f"VALUES {head} {{ {' '.join(rows)} }}"
    return f"{{ SELECT {head} WHERE {{ {table} }} }}"


def _texts(column: list[str], idx: np.ndarray) -> list[str]:
    return [column[i] for i in idx.tolist()]


def drop_filter(query: str, match: re.Match) -> str:
    """The query without the filter `match` (and the '.' after it)."""
    before, rest = query[:match.start()].rstrip(), query[match.end():]
    dot = re.match(r"\s*\.", rest)
    # the filter may separate two triple patterns (`?g geo:asWKT ?w FILTER(...) ?g ex:p ?c`): keep them apart
    joiner = " " if before.endswith(("{", ".")) else " . "
    return before + joiner + (rest[dot.end():] if dot else rest)


def _inject(query: str, match: re.Match, block: str) -> str:
    """Remove the filter and put the VALUES block at the start of the WHERE group."""
    without = drop_filter(query, match)
    where = re.search(r"\bWHERE\s*\{", without, re.I) or re.search(r"\{", without)
    if where is None or where.start() > match.start():
        return query
    return without[:where.end()] + " " + block + " " + without[where.end():]
