"""Verification: the exact DE-9IM relations of candidate pairs, with prepared geometries.

Three vectorised GEOS passes (shapely 2): a prepared `intersects` drops the candidates that only
meet by their MBRs; a prepared `contains_properly` settles the common "small shape deep inside a
polygon" case without a matrix; `relate` computes the full matrix of the remaining pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ai4c.linked.interlink import fastpath
from ai4c.linked.interlink.fastpath import Rings
from ai4c.linked.interlink.relations import (
    RELATIONS,
    matrices,
    properly_inside_matrices,
    relate_disjoint,
    relations_from_matrices,
    transpose,
)

_POLYGONAL = (3, 6)
_SIMPLE = (0, 1, 2, 3, 4, 5, 6)  # not GeometryCollection


@dataclass
class Verified:
    """Related pairs (source index, target index) and, per relation, which of them hold it."""

    source: np.ndarray
    target: np.ndarray
    holds: dict[str, np.ndarray]
    relate_calls: int

    @classmethod
    def empty(cls) -> Verified:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, {r: np.zeros(0, dtype=bool) for r in RELATIONS}, 0)

    def __len__(self) -> int:
        return len(self.source)


def verify(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray,
           rings_a: Rings | None = None, rings_b: Rings | None = None) -> Verified:
    """Relations between a[i] and b[j] for candidate pairs (i, j); keeps intersecting pairs only.

    `a` and `b` should be prepared (`shapely.prepare`) by the caller: they are reused across batches.
    With their `Rings`, polygon pairs are first settled by the exact numba pre-verification, and
    only the pairs it leaves open reach GEOS.
    """
    if len(i) == 0:
        return Verified.empty()
    if rings_a is None or rings_b is None:
        return _verify_geos(a, b, i, j, np.zeros(len(i), dtype=bool))
    verdict = fastpath.classify(rings_a, rings_b, i, j)
    settled = np.isin(verdict, (fastpath.A_IN_B, fastpath.B_IN_A, fastpath.CROSSING))
    open_ = verdict == fastpath.UNDECIDED
    v = verdict[settled]
    fast = Verified(i[settled], j[settled], _settled_relations(v), 0)
    rest = _verify_geos(a, b, i[open_], j[open_], fastpath.examined(rings_a, rings_b, i[open_], j[open_]))
    return Verified(np.concatenate([fast.source, rest.source]), np.concatenate([fast.target, rest.target]),
                    {r: np.concatenate([fast.holds[r], rest.holds[r]]) for r in RELATIONS},
                    rest.relate_calls)


def _settled_relations(verdict: np.ndarray) -> dict[str, np.ndarray]:
    """Relations of pairs the pre-verification settled (A inside B, B inside A, crossing)."""
    a_in_b, b_in_a = verdict == fastpath.A_IN_B, verdict == fastpath.B_IN_A
    none = np.zeros(len(verdict), dtype=bool)
    return {"equals": none, "intersects": ~none, "touches": none, "within": a_in_b, "contains": b_in_a,
            "covers": b_in_a, "coveredby": a_in_b, "crosses": none,
            "overlaps": verdict == fastpath.CROSSING}


def _verify_geos(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray,
                 direct: np.ndarray) -> Verified:
    """GEOS verification; `direct` pairs are known to touch or cross and go straight to `relate`."""
    if len(i) == 0:
        return Verified.empty()
    ga, gb = a[i], b[j]
    m = np.zeros((len(i), 9), dtype=np.uint8)
    todo = np.ones(len(i), dtype=bool)
    geos = np.flatnonzero(~direct)
    hit = np.ones(len(i), dtype=bool)
    hit[geos] = shapely.intersects(gb[geos], ga[geos])
    i, j, ga, gb, m, todo, direct = i[hit], j[hit], ga[hit], gb[hit], m[hit], todo[hit], direct[hit]
    type_a, type_b = shapely.get_type_id(ga), shapely.get_type_id(gb)
    _shortcut(m, todo, gb, ga, todo & ~direct & np.isin(type_b, _POLYGONAL) & np.isin(type_a, _SIMPLE),
              swap=True)
    _shortcut(m, todo, ga, gb, todo & ~direct & np.isin(type_a, _POLYGONAL) & np.isin(type_b, _SIMPLE),
              swap=False)
    rest = np.flatnonzero(todo)
    m[rest] = matrices(shapely.relate(ga[rest], gb[rest]))
    related = ~relate_disjoint(m)
    i, j, ga, gb, m = i[related], j[related], ga[related], gb[related], m[related]
    holds = relations_from_matrices(m, shapely.get_dimensions(ga), shapely.get_dimensions(gb))
    return Verified(i, j, holds, len(rest))


def _shortcut(m: np.ndarray, todo: np.ndarray, outer: np.ndarray, inner: np.ndarray,
              eligible: np.ndarray, *, swap: bool) -> None:
    """Fill the matrices of eligible pairs whose polygon `outer` contains `inner` properly."""
    idx = np.flatnonzero(eligible)
    if len(idx) == 0:
        return
    inside = shapely.contains_properly(outer[idx], inner[idx])
    idx = idx[inside]
    if len(idx) == 0:
        return
    filled = properly_inside_matrices(np.full(len(idx), 2), inner[idx])
    m[idx] = transpose(filled) if swap else filled
    todo[idx] = False
