"""A numba pre-verification for polygon pairs that settles, exactly, the commonest outcomes without
GEOS: "one polygon lies in the other's interior", "disjoint" and "boundaries cross transversally".

When no edge of A meets an edge of B, each ring of either polygon lies wholly inside or wholly
outside the other, so one vertex per ring decides. Every orientation sign is taken only when
Shewchuk's error bound proves it right; a pair with any doubtful sign, touching or crossing
boundaries, or mixed ring positions is left to GEOS `relate`, so results stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import shapely

UNDECIDED, DISJOINT, A_IN_B, B_IN_A, CROSSING = 0, 1, 2, 3, 4
CROSSING_MATRIX = "212101212"
"""Two polygonal geometries whose boundaries meet only in transversal crossings: every entry of the
matrix is then fixed by the four sectors around a crossing point."""
_ERRBOUND = 3.3306690738754716e-16  # (3 + 16 eps) eps, Shewchuk's ccwerrboundA
MAX_EDGE_PAIRS = 20_000
"""Pairs with more edge pairs than this go to GEOS (its indexed algorithms win there)."""


@dataclass
class Rings:
    """Polygonal geometries as flat rings: geometry k owns rings ring_start[k]:ring_start[k+1],
    ring r owns closed coordinates coord_start[r]:coord_start[r+1]."""

    xy: np.ndarray
    coord_start: np.ndarray
    ring_start: np.ndarray
    polygonal: np.ndarray
    edges: np.ndarray

    @classmethod
    def of(cls, geoms: np.ndarray) -> Rings:
        n = len(geoms)
        kinds = shapely.get_type_id(geoms)
        polygonal = np.isin(kinds, (3, 6))
        owners = np.flatnonzero(polygonal)
        simple = np.all(kinds[owners] == 3) and not np.any(shapely.get_num_interior_rings(geoms[owners]))
        if simple:  # one ring per polygon: the coordinates are the rings
            xy, coord_ring = shapely.get_coordinates(geoms[owners], return_index=True)
            ring_owner, n_rings = owners, len(owners)
        else:
            parts, part_owner = shapely.get_parts(geoms[owners], return_index=True)
            rings, ring_part = shapely.get_rings(parts, return_index=True)
            ring_owner, n_rings = owners[part_owner[ring_part]], len(rings)
            xy, coord_ring = shapely.get_coordinates(rings, return_index=True)
        coord_start = np.searchsorted(coord_ring, np.arange(n_rings + 1)).astype(np.int64)
        ring_start = np.searchsorted(ring_owner, np.arange(n + 1)).astype(np.int64)
        cumulative = np.r_[0, np.cumsum(np.diff(coord_start) - 1)]
        edges = cumulative[ring_start[1:]] - cumulative[ring_start[:-1]]
        return cls(np.ascontiguousarray(xy, dtype=np.float64), coord_start, ring_start, polygonal, edges)


def examined(a: Rings, b: Rings, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs `classify` examines (both polygonal, small enough)."""
    return a.polygonal[i] & b.polygonal[j] & (a.edges[i] * b.edges[j] <= MAX_EDGE_PAIRS)


@numba.njit(cache=True, inline="always")
def _orient(ax, ay, bx, by, cx, cy):
    """Sign of the orientation of (a, b, c): 1, -1, or 0 when the float result cannot be trusted."""
    left = (bx - ax) * (cy - ay)
    right = (by - ay) * (cx - ax)
    det = left - right
    bound = _ERRBOUND * (abs(left) + abs(right))
    if det > bound:
        return 1
    if -det > bound:
        return -1
    return 0


@numba.njit(cache=True)
def _bbox(xy, cs, r0, r1):
    xmin, ymin, xmax, ymax = np.inf, np.inf, -np.inf, -np.inf
    for v in range(cs[r0], cs[r1]):
        xmin, xmax = min(xmin, xy[v, 0]), max(xmax, xy[v, 0])
        ymin, ymax = min(ymin, xy[v, 1]), max(ymax, xy[v, 1])
    return xmin, ymin, xmax, ymax


_APART, _CROSSING, _DOUBT = 0, 1, 2


@numba.njit(cache=True)
def _edge_contacts(axy, a_cs, a_r0, a_r1, bxy, b_cs, b_r0, b_r1):
    """_APART when no edge of A meets one of B; _CROSSING when every contact is a proven transversal
    crossing (at least one); _DOUBT when edges touch, overlap, or a sign cannot be proven."""
    axmin, aymin, axmax, aymax = _bbox(axy, a_cs, a_r0, a_r1)
    status = _APART
    for rb in range(b_r0, b_r1):
        for s in range(b_cs[rb], b_cs[rb + 1] - 1):
            sx, sy, tx, ty = bxy[s, 0], bxy[s, 1], bxy[s + 1, 0], bxy[s + 1, 1]
            fxmin, fxmax, fymin, fymax = min(sx, tx), max(sx, tx), min(sy, ty), max(sy, ty)
            if fxmax < axmin or fxmin > axmax or fymax < aymin or fymin > aymax:
                continue
            for ra in range(a_r0, a_r1):
                for p in range(a_cs[ra], a_cs[ra + 1] - 1):
                    px, py, qx, qy = axy[p, 0], axy[p, 1], axy[p + 1, 0], axy[p + 1, 1]
                    if max(px, qx) < fxmin or min(px, qx) > fxmax or max(py, qy) < fymin or min(py, qy) > fymax:
                        continue
                    o1 = _orient(px, py, qx, qy, sx, sy)
                    o2 = _orient(px, py, qx, qy, tx, ty)
                    if o1 != 0 and o1 == o2:
                        continue
                    o3 = _orient(sx, sy, tx, ty, px, py)
                    o4 = _orient(sx, sy, tx, ty, qx, qy)
                    if o3 != 0 and o3 == o4:
                        continue
                    if o1 == 0 or o2 == 0 or o3 == 0 or o4 == 0:
                        return _DOUBT
                    status = _CROSSING
    return status


@numba.njit(cache=True)
def _inside(vx, vy, xy, cs, r0, r1):
    """Even-odd position of a point off the boundary: 1 inside, 0 outside, -1 doubtful."""
    inside = False
    for r in range(r0, r1):
        for p in range(cs[r], cs[r + 1] - 1):
            py, qy = xy[p, 1], xy[p + 1, 1]
            if (py > vy) == (qy > vy):
                continue
            o = _orient(xy[p, 0], py, xy[p + 1, 0], qy, vx, vy)
            if o == 0:
                return -1
            if (o > 0) == (qy > py):
                inside = not inside
    return 1 if inside else 0


@numba.njit(cache=True)
def _ring_positions(axy, a_cs, a_r0, a_r1, bxy, b_cs, b_r0, b_r1):
    """(rings of A inside B, rings of A outside B), or (-1, -1) when doubtful."""
    n_in, n_out = 0, 0
    for ra in range(a_r0, a_r1):
        v = a_cs[ra]
        pos = _inside(axy[v, 0], axy[v, 1], bxy, b_cs, b_r0, b_r1)
        if pos < 0:
            return -1, -1
        if pos == 1:
            n_in += 1
        else:
            n_out += 1
    return n_in, n_out


@numba.njit(cache=True, parallel=True)
def _classify(i, j, axy, a_cs, a_rs, a_poly, bxy, b_cs, b_rs, b_poly, edge_limit, a_edges, b_edges):
    out = np.zeros(len(i), dtype=np.int8)
    for k in numba.prange(len(i)):
        a, b = i[k], j[k]
        if not (a_poly[a] and b_poly[b]) or a_edges[a] * b_edges[b] > edge_limit:
            continue
        contacts = _edge_contacts(axy, a_cs, a_rs[a], a_rs[a + 1], bxy, b_cs, b_rs[b], b_rs[b + 1])
        if contacts == _DOUBT:
            continue
        if contacts == _CROSSING:
            out[k] = CROSSING
            continue
        a_in, a_out = _ring_positions(axy, a_cs, a_rs[a], a_rs[a + 1], bxy, b_cs, b_rs[b], b_rs[b + 1])
        if a_in < 0:
            continue
        b_in, b_out = _ring_positions(bxy, b_cs, b_rs[b], b_rs[b + 1], axy, a_cs, a_rs[a], a_rs[a + 1])
        if b_in < 0:
            continue
        if a_out == 0 and b_in == 0:
            out[k] = A_IN_B
        elif b_out == 0 and a_in == 0:
            out[k] = B_IN_A
        elif a_in == 0 and b_in == 0:
            out[k] = DISJOINT
    return out


def classify(a: Rings, b: Rings, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per candidate pair: DISJOINT, A_IN_B (a[i] in b[j]'s interior), B_IN_A, CROSSING or UNDECIDED."""
    if len(i) == 0:
        return np.zeros(0, dtype=np.int8)
    return _classify(i.astype(np.int64), j.astype(np.int64), a.xy, a.coord_start, a.ring_start, a.polygonal,
                     b.xy, b.coord_start, b.ring_start, b.polygonal, MAX_EDGE_PAIRS, a.edges, b.edges)
