"""Spatial joins and selections planned from their selective side: the triple patterns around each
geometry of a `FILTER(geof:sfX(?a, ?b))` are evaluated first (a few rows when they name a rare tag or
class), only the geometries they allow are joined in the R-tree (or kept of a selection's hits), and the
few qualifying pairs (geometries) replace the filter as a VALUES table that pyoxigraph joins with the
rest of the query.

Plain pyoxigraph evaluates such a query by testing the filter on every row of the patterns, calling
the function once per row; the spatial index alone would test every geometry pair of the two
predicates. Restricting both sides first makes a join of a rare tag with a few hundred geometries
cost a few index look-ups.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ai4c.linked.store import bulk
from ai4c.linked.store.planner import (
    _FILTER,
    _expand,
    _parse_constant,
    drop_filter,
    inject_hits,
    inject_pairs,
    relation_of,
)
from ai4c.linked.store.spatial_index import SpatialIndex

SIDE_MAX = 2_000  # a side's patterns allowing more geometries than this do not restrict it
FILTER_COMPARISONS = 200_000  # a restricted selection whose hits x allowed geometries are at most so many is
# a FILTER IN (compared on each row of the other patterns, in pyoxigraph's own join order), not a VALUES table
PAIRS_MAX = 20_000  # more qualifying pairs than this: the bulk path joins them as tables


def plan(query: str, index: SpatialIndex, fetch: Callable[[str], bytes]) -> str | None:
    """The query with its spatial filter replaced by the qualifying geometries (a selection) or pairs
    (a join) among those its other patterns allow (`fetch` runs a plain SPARQL query, TSV out), or None
    when the query is not of that shape, or its patterns do not restrict it (other plans answer it)."""
    shape = _spatial_shape(query)
    if shape is None:
        return None
    match, relation, args, bindings, components, pref = shape
    if len(bindings) == 1:
        return _plan_selection(query, index, fetch, shape)
    sides = [index.candidates(predicate) for _, predicate in bindings]
    restricted = False
    for k, ((subject, _), component) in enumerate(zip(bindings, components, strict=True)):
        allowed = _allowed(component, subject, pref, fetch, SIDE_MAX) if component else None
        if allowed is not None:
            sides[k] = _entries_of(index, allowed, sides[k], bindings[k][1])
            restricted = True
    if not restricted:
        return None
    left, right = index.join(relation, bindings[0][1], bindings[1][1], *sides)
    if len(left) > PAIRS_MAX:
        return None
    return inject_pairs(query, match, args, bindings, (left, right), index)


def _plan_selection(query: str, index: SpatialIndex, fetch, shape) -> str | None:
    """A selection restricted to the geometries its other patterns allow, when they allow fewer than
    the index finds (probed up to about twice as many: a probe costs what the hits would)."""
    match, relation, (a, b), (binding,), (component,), pref = shape
    var_first = a.startswith("?")
    constant = _parse_constant(b if var_first else a, pref)
    if constant is None:
        return None
    hits = index.select(relation, constant, binding[1], var_first)
    if len(hits) == len(index.candidates(binding[1])) and _all_indexed(index, binding[1]):
        return drop_filter(query, match)  # every geometry of the predicate qualifies: nothing to test
    if component is None:
        return None
    allowed = _allowed(component, binding[0], pref, fetch, min(SIDE_MAX, 2 * len(hits) + 16))
    if allowed is None:
        return None
    hits = _entries_of(index, allowed, hits, binding[1])
    return inject_hits(query, match, a if var_first else b, binding, hits, index,
                       as_filter=len(hits) * len(allowed) <= FILTER_COMPARISONS)


def _all_indexed(index: SpatialIndex, predicate: str) -> bool:
    """Whether every quad of `predicate`, in every graph, is a distinct triple of the spatial index
    (so a valid geometry: none unparsed, no other datatype); pyoxigraph counts without decoding terms."""
    count = 0
    for pattern in ("{ ?s <%s> ?o }", "{ GRAPH ?g { ?s <%s> ?o } }"):
        solution = next(iter(index.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {pattern % predicate}")))
        count += int(solution[0].value)
    return count == len(index.candidates(predicate))


def _spatial_shape(query: str):
    """(filter match, relation, (arg, arg), ((subject var, predicate IRI) binding each variable argument),
    (the patterns around each geometry subject, or None), prefixes) of a plannable selection or join."""
    shape = bulk._shape(query)
    if shape is None:
        return None
    _, _, _, patterns, relation, a, b, pref = shape
    variables = [v for v in (a, b) if v.startswith("?")]
    geometry = []
    for var in variables:
        bound = [p for p in patterns if p[2] == var and p[1] != "a"]
        if len(bound) != 1 or sum(var in p for p in patterns) != 1 or not bound[0][0].startswith("?"):
            return None
        geometry.append(bound[0])
    predicates = [bulk._iri(p[1], pref) for p in geometry]
    if None in predicates or len({p[0] for p in geometry}) != len(geometry):
        return None
    match = next((m for m in _FILTER.finditer(query) if (m.group(2), m.group(3)) == (a, b)
                  and relation_of(_expand(m.group(1), pref)) == relation), None)
    if match is None:
        return None
    groups = bulk._components([p for p in patterns if p not in geometry])
    components = []
    for subject, _, _ in geometry:
        around = [g for g in groups if any(subject in p for p in g)]
        components.append(around[0] if around else None)
    if len(components) == 2 and components[0] is not None and components[0] is components[1]:
        return None  # the two sides are linked by other patterns: each side alone would not restrict
    bindings = tuple((p[0], predicate) for p, predicate in zip(geometry, predicates, strict=True))
    return match, relation, (a, b), bindings, components, pref


def _allowed(patterns: list, subject: str, pref: dict[str, str], fetch, most: int) -> set[str] | None:
    """The geometry subjects (N-Triples terms) the patterns allow, or None when more than `most`."""
    where = bulk.bgp_text(patterns, pref)
    if where is None:
        return None
    body = fetch(f"SELECT DISTINCT {subject} WHERE {{ {where} }} LIMIT {most + 1}")
    allowed = {line for line in body.decode("utf-8").split("\n")[1:] if line}
    return allowed if len(allowed) <= most else None


def _entries_of(index: SpatialIndex, subjects: set[str], candidates: np.ndarray, predicate: str) -> np.ndarray:
    """The candidate entries (a selection's hits, or all entries of `predicate`) whose subject is one
    of `subjects`: a few hits are looked at one by one, a predicate's entries through the index's map of
    their subjects."""
    subject_array = index.data().subject_array
    if len(candidates) <= 4 * len(subjects) + 1_000:
        return candidates[np.fromiter((s in subjects for s in subject_array[candidates]), dtype=bool,
                                      count=len(candidates))]
    by_subject = index.entries_by_subject(predicate)
    picked = np.asarray([i for s in subjects for i in by_subject.get(s, ())], dtype=np.int64)
    return np.intersect1d(candidates, picked)
