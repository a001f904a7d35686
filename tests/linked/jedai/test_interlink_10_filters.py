"""Filtering and verification against brute force over every pair, for every algorithm."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from tests.linked.jedai.geometry_sets import brute_force, mixed_geometries

from ai4c.linked.interlink import ALGORITHMS, RELATIONS, interlink, progressive_interlink
from ai4c.linked.interlink.engine import Interlinker
from ai4c.linked.interlink.trees import hilbert_index
from ai4c.pipelines.jedai_params import INTERLINK_ALGORITHMS


@pytest.fixture(scope="module")
def layers():
    a = mixed_geometries(1, 210)
    b = mixed_geometries(2, 140)
    b[:12] = a[:12]  # identical shapes of every kind
    b[12] = shapely.box(*a[16].bounds)  # a box touching/equal to a polygon's MBR
    return a, b, brute_force(a, b)


def _found(links, relation):
    s, t = links.pairs(relation)
    return set(zip(s.tolist(), t.tolist(), strict=True))


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_every_algorithm_matches_brute_force_de9im(layers, algorithm):
    a, b, truth = layers
    links, stats = interlink(a, b, algorithm, batch_size=64)
    for relation in RELATIONS:
        assert _found(links, relation) == truth[relation], relation
    assert stats.as_dict()["counts"]["disjoint"] == len(truth["disjoint"])
    assert stats.intersecting == len(truth["intersects"])
    assert stats.candidates >= stats.intersecting
    assert all(truth[r] for r in ("equals", "touches", "within", "contains", "crosses", "overlaps"))


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_candidates_are_exactly_the_intersecting_mbrs(algorithm):
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 50, (400, 2))
    boxes = np.column_stack([xy, xy + rng.exponential(1.5, (400, 2))])
    boxes[:20, 2:] = boxes[:20, :2]  # points
    a, b = boxes[:250], boxes[250:]
    a[30] = b[7]  # identical MBRs; b[8] touches a[31] along an edge
    a[31] = [b[8, 2], b[8, 1], b[8, 2] + 1, b[8, 3]]
    truth = {(p, q) for p in range(len(a)) for q in range(len(b))
             if a[p, 0] <= b[q, 2] and b[q, 0] <= a[p, 2] and a[p, 1] <= b[q, 3] and b[q, 1] <= a[p, 3]}
    i, j = ALGORITHMS[algorithm]().build(b).candidates(a)
    pairs = list(zip(i.tolist(), j.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == truth


def test_relation_subset_and_disjoint_sources():
    a = np.array([shapely.box(0, 0, 1, 1), shapely.box(50, 50, 51, 51)], dtype=object)
    b = np.array([shapely.box(0.2, 0.2, 0.5, 0.5), shapely.box(1, 0, 2, 1)], dtype=object)
    links, stats = interlink(a, b, "giant", relations=["contains", "touches"])
    assert set(links.holds) == {"contains", "touches"}
    assert _found(links, "contains") == {(0, 0)}
    assert _found(links, "touches") == {(0, 1)}
    assert stats.as_dict()["counts"]["disjoint"] == 2


def test_streamed_batches_give_global_indices(layers):
    a, b, truth = layers
    linker = Interlinker(b, "rtree")
    parts = list(linker.run(a[k:k + 50] for k in range(0, len(a), 50)))
    got = set()
    for part in parts:
        got |= _found(part, "intersects")
    assert got == truth["intersects"]


def test_progressive_verifies_most_promising_first(layers):
    a, b, truth = layers
    full, _ = progressive_interlink(a, b, budget=10**9, chunk=100)
    assert _found(full, "intersects") == truth["intersects"]
    links, curve = progressive_interlink(a, b, budget=200, chunk=50)
    assert curve.verified[-1] == 200
    assert _found(links, "intersects") <= truth["intersects"]
    assert np.all(np.diff(curve.links) >= 0)
    # the first quarter of the candidates holds a larger share of links than the candidates overall
    _, stats = interlink(a, b)
    assert curve.links[1] / curve.verified[1] > stats.intersecting / stats.candidates
    # recall over time against the brute-force truth: the related pairs of the layers
    _, measured = progressive_interlink(a, b, budget=200, chunk=50, measure_recall=True)
    assert measured.total_links == len(truth["intersects"]) and measured.candidates == stats.candidates
    assert measured.recall[-1] == len(_found(links, "intersects")) / len(truth["intersects"])
    assert np.all(np.diff(measured.recall) >= 0) and measured.recall[0] == 0


def test_hilbert_index_is_a_bijection_on_a_small_grid():
    x, y = np.meshgrid(np.arange(8), np.arange(8))
    d = hilbert_index(x.ravel(), y.ravel(), order=3)
    assert sorted(d.tolist()) == list(range(64))
    # consecutive curve positions are grid neighbours
    order = np.argsort(d)
    steps = np.abs(np.diff(x.ravel()[order])) + np.abs(np.diff(y.ravel()[order]))
    assert np.all(steps == 1)


def test_numba_pre_verification_agrees_with_geos_on_float_polygons():
    from ai4c.linked.interlink import fastpath

    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 60, (160, 2))
    rings = shapely.buffer(shapely.points(centres), rng.uniform(1, 6, 160), quad_segs=5)
    holes = shapely.buffer(shapely.points(centres[:40]), 0.5)
    rings[:40] = shapely.difference(rings[:40], holes)  # polygons with holes
    rings[40:60] = [shapely.MultiPolygon([g, shapely.box(x + 8, y, x + 9, y + 1)])
                    for g, (x, y) in zip(rings[40:60], centres[40:60], strict=True)]
    boxes = shapely.box(*np.column_stack([centres[::2] - 0.3, centres[::2] + rng.uniform(0.1, 9, (80, 2))]).T)
    a, b = rings, np.concatenate([boxes, rings[:30]])
    i, j = ALGORITHMS["strtree"]().build(shapely.bounds(b)).candidates(shapely.bounds(a))
    verdict = fastpath.classify(fastpath.Rings.of(a), fastpath.Rings.of(b), i, j)
    ga, gb = a[i], b[j]
    assert np.all(shapely.disjoint(ga, gb)[verdict == fastpath.DISJOINT])
    assert np.all(shapely.contains_properly(gb, ga)[verdict == fastpath.A_IN_B])
    assert np.all(shapely.contains_properly(ga, gb)[verdict == fastpath.B_IN_A])
    crossing = verdict == fastpath.CROSSING
    assert set(shapely.relate(ga[crossing], gb[crossing]).tolist()) <= {fastpath.CROSSING_MATRIX}
    assert all(np.count_nonzero(verdict == v) > 5 for v in (fastpath.DISJOINT, fastpath.A_IN_B, fastpath.B_IN_A,
                                                             fastpath.CROSSING))
    identical = (i >= 0) & (j >= 80) & (i == j - 80)
    assert np.all(verdict[identical] == fastpath.UNDECIDED)  # identical shapes: boundaries touch, GEOS decides
    links, _ = interlink(a, b, "giant")
    truth = brute_force(a, b)
    for relation in RELATIONS:
        assert _found(links, relation) == truth[relation], relation


def test_grid_filters_without_the_dense_table_give_the_same_pairs(monkeypatch):
    from ai4c.linked.interlink import gridjoin

    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 40, (300, 2))
    boxes = np.column_stack([xy, xy + rng.exponential(1.0, (300, 2))])
    a, b = boxes[:180], boxes[180:]
    dense = {name: ALGORITHMS[name]().build(b).candidates(a) for name in ("giant", "static-grid")}
    monkeypatch.setattr(gridjoin, "MAX_DENSE_CELLS", 0)
    for name, (i, j) in dense.items():
        f = ALGORITHMS[name]().build(b)
        assert f.dense is None
        i2, j2 = f.candidates(a)
        assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == sorted(zip(i2.tolist(), j2.tolist(), strict=True))


def test_cli_algorithm_choices_are_the_engine_algorithms():
    # the CLI's light list (kept free of the engine's imports) must name exactly the implemented filters
    assert INTERLINK_ALGORITHMS == tuple(ALGORITHMS)
