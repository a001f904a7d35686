"""optical.kmeans against the generating clusters and against scikit-learn's KMeans (an independent
implementation of the same algorithm)."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.optical.kmeans import kmeans, nearest

CENTRES = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0], [5.0, 5.0]])


def _blobs(n_per: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    points = np.concatenate([rng.normal(c, spread, (n_per, 2)) for c in CENTRES])
    return points, np.repeat(np.arange(len(CENTRES)), n_per)


def _same_partition(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of points whose label in `a` maps to their label in `b` under the majority mapping."""
    mapped = np.array([np.bincount(b[a == k]).argmax() for k in range(a.max() + 1)])
    return float((mapped[a] == b).mean())


def test_separated_clusters_found_exactly():
    points, truth = _blobs(500, 0.4)
    centres = kmeans(points, 4)
    labels, distances = nearest(points, centres)
    assert _same_partition(labels, truth) == 1.0
    for k in range(4):
        np.testing.assert_allclose(centres[k], points[labels == k].mean(axis=0))  # a fixed point of Lloyd
    np.testing.assert_allclose(distances, ((points - centres[labels]) ** 2).sum(axis=1))
    assert np.allclose(sorted(map(tuple, centres.round(0))), sorted(map(tuple, CENTRES)))


def test_same_partition_and_inertia_as_scikit_learn():
    cluster = pytest.importorskip("sklearn.cluster")
    points, _ = _blobs(3000, 1.3, seed=5)  # overlapping clusters: the seeding and the restarts matter
    centres = kmeans(points, 4, n_init=10, seed=0)
    labels, distances = nearest(points, centres)
    model = cluster.KMeans(n_clusters=4, n_init=10, random_state=0).fit(points)
    assert _same_partition(labels, model.labels_) > 0.999
    assert distances.sum() == pytest.approx(model.inertia_, rel=1e-6)


def test_one_cluster_and_repeated_points():
    points = np.array([[1.0, 2.0]] * 5 + [[3.0, 2.0]] * 5)
    np.testing.assert_allclose(kmeans(points, 1), [[2.0, 2.0]])
    centres = kmeans(points, 2)
    assert sorted(centres[:, 0]) == [1.0, 3.0]
