"""Spatial joins planned from their selective side: the triple patterns around each geometry of a join
`FILTER(geof:sfX(?a, ?b))` are evaluated first (a few rows when they name a rare tag or class), only
the geometries they allow are joined in the R-tree, and the few qualifying pairs replace the filter as a
VALUES table that pyoxigraph joins with the rest of the query.

Plain pyoxigraph evaluates such a query by testing the filter on every row of the patterns, calling
the function once per row; the spatial index alone would test every geometry pair of the two
predicates. Restricting both sides first makes a join of a rare tag with a few hundred geometries
cost a few index look-ups.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ai4c.linked.store import bulk
from ai4c.linked.store.planner import _FILTER, _expand, inject_pairs, relation_of
from ai4c.linked.store.spatial_index import SpatialIndex

SIDE_MAX = 2_000  # a side's patterns allowing more geometries than this do not restrict it
PAIRS_MAX = 20_000  # more qualifying pairs than this: the bulk path joins them as tables


def plan(query: str, index: SpatialIndex, fetch: Callable[[str], bytes]) -> str | None:
    """The join query with its spatial filter replaced by the qualifying pairs of the geometries its
    other patterns allow (`fetch` runs a plain SPARQL query, TSV out), or None when the query is not
    such a join, or its sides do not restrict it (the other plans answer it)."""
    join = _join(query)
    if join is None:
        return None
    match, relation, names, bindings, components, pref = join
    sides = [index.candidates(predicate) for _, predicate in bindings]
    restricted = False
    for k, ((subject, _), component) in enumerate(zip(bindings, components, strict=True)):
        allowed = _allowed(component, subject, pref, fetch) if component else None
        if allowed is not None:
            sides[k] = _entries_of(index, allowed, sides[k])
            restricted = True
    if not restricted:
        return None
    left, right = index.join(relation, bindings[0][1], bindings[1][1], *sides)
    if len(left) > PAIRS_MAX:
        return None
    return inject_pairs(query, match, names, bindings, (left, right), index)


def _join(query: str):
    """(filter match, relation, (?a, ?b), ((subject var, predicate IRI) binding each), (the patterns
    around each geometry subject, or None), prefixes) of a plannable join, else None."""
    shape = bulk._shape(query)
    if shape is None:
        return None
    _, _, _, patterns, relation, a, b, pref = shape
    if not (a.startswith("?") and b.startswith("?")):
        return None
    geometry = []
    for var in (a, b):
        bound = [p for p in patterns if p[2] == var and p[1] != "a"]
        if len(bound) != 1 or sum(var in p for p in patterns) != 1 or not bound[0][0].startswith("?"):
            return None
        geometry.append(bound[0])
    predicates = [bulk._iri(p[1], pref) for p in geometry]
    if None in predicates or geometry[0][0] == geometry[1][0]:
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
    if components[0] is not None and components[0] is components[1]:
        return None  # the two sides are linked by other patterns: each side alone would not restrict
    bindings = tuple((p[0], predicate) for p, predicate in zip(geometry, predicates, strict=True))
    return match, relation, (a, b), bindings, components, pref


def _allowed(patterns: list, subject: str, pref: dict[str, str], fetch) -> set[str] | None:
    """The geometry subjects (N-Triples terms) the patterns allow, or None past SIDE_MAX."""
    lines = []
    for pattern in patterns:
        terms = [t if t.startswith("?") else bulk._constant(t, pref) for t in pattern]
        if None in terms:
            return None
        lines.append(" ".join(terms) + " .")
    body = fetch(f"SELECT DISTINCT {subject} WHERE {{ {' '.join(lines)} }} LIMIT {SIDE_MAX + 1}")
    allowed = {line for line in body.decode("utf-8").split("\n")[1:] if line}
    return allowed if len(allowed) <= SIDE_MAX else None


_positions: tuple = (None, -1, {})  # the index data last seen, its version, its subject -> entries


def _entries_of(index: SpatialIndex, subjects: set[str], candidates: np.ndarray) -> np.ndarray:
    """The candidate entries whose subject is one of `subjects`."""
    global _positions
    data = index.data()
    seen, version, by_subject = _positions
    if seen is not data or version != index.version:  # (an index grows in place: its version tells)
        by_subject = {}
        for i, subject in enumerate(data.subjects):
            by_subject.setdefault(subject, []).append(i)
        _positions = (data, index.version, by_subject)
    found = [i for s in subjects for i in by_subject.get(s, ())]
    return np.intersect1d(candidates, np.asarray(found, dtype=np.int64))

