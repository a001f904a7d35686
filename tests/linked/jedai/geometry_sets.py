"""Geometry sets for interlinking tests: every kind of shape, with touching and identical ones."""

from __future__ import annotations

import numpy as np
import shapely


def mixed_geometries(seed: int, n: int, extent: float = 100.0) -> np.ndarray:
    """Points, lines, polygons with holes, multi-geometries, on a coarse lattice so shapes touch."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x, y = (rng.integers(0, int(extent), 2)).astype(float)
        w, h = rng.integers(1, 8, 2).astype(float)
        kind = k % 7
        if kind == 0:
            out.append(shapely.Point(x, y))
        elif kind == 1:
            out.append(shapely.LineString([(x, y), (x + w, y + h), (x + w, y)]))
        elif kind == 2:
            out.append(shapely.box(x, y, x + w, y + h))
        elif kind == 3:
            hole = shapely.box(x + w / 4, y + h / 4, x + 3 * w / 4, y + 3 * h / 4)
            out.append(shapely.box(x, y, x + w, y + h).difference(hole))
        elif kind == 4:
            out.append(shapely.MultiPoint([(x, y), (x + w, y + h)]))
        elif kind == 5:
            out.append(shapely.MultiPolygon([shapely.box(x, y, x + w, y + h),
                                             shapely.box(x + w + 1, y, x + 2 * w + 1, y + h)]))
        else:
            out.append(shapely.Point(x, y).buffer(w, quad_segs=4))
    return np.asarray(out, dtype=object)


def brute_force(a: np.ndarray, b: np.ndarray) -> dict[str, set[tuple[int, int]]]:
    """Every relation over every pair, from shapely's own named predicates (GEOS), pair by pair."""
    names = {"equals": shapely.equals, "intersects": shapely.intersects, "touches": shapely.touches,
             "within": shapely.within, "contains": shapely.contains, "covers": shapely.covers,
             "coveredby": shapely.covered_by, "crosses": shapely.crosses, "overlaps": shapely.overlaps,
             "disjoint": shapely.disjoint}
    ia, ib = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
    ia, ib = ia.ravel(), ib.ravel()
    truth = {}
    for name, predicate in names.items():
        holds = predicate(a[ia], b[ib])
        truth[name] = set(zip(ia[holds].tolist(), ib[holds].tolist(), strict=True))
    return truth
