"""K-means for a few low-dimensional features (CVA's magnitude and angle) in numpy: scikit-learn's algorithm
(greedy k-means++ seeding, Lloyd iterations, the best of `n_init` runs by inertia) without importing
scikit-learn, which brings scipy.stats and pandas (~1.5 s of a command's CPU for a fit of a fraction of that).
"""

from __future__ import annotations

import math

import numpy as np


def kmeans(points: np.ndarray, k: int, *, n_init: int = 10, seed: int = 0, max_iter: int = 300,
           tol: float = 1e-4) -> np.ndarray:
    """The (k, d) centres of the lowest-inertia run of `n_init` K-means runs on (n, d) `points` (n >= k); a run
    stops when its centres move less (squared) than `tol` x the points' mean variance, as scikit-learn's."""
    rng = np.random.default_rng(seed)
    limit = tol * float(points.var(axis=0).mean())
    best, best_inertia = None, math.inf
    for _ in range(n_init):
        centres = _seeds(points, k, rng)
        for _ in range(max_iter):
            labels, _ = nearest(points, centres)
            moved = _means(points, labels, centres)
            shift = float(((moved - centres) ** 2).sum())
            centres = moved
            if shift <= limit:
                break
        inertia = float(nearest(points, centres)[1].sum())
        if inertia < best_inertia:
            best, best_inertia = centres, inertia
    return best


def nearest(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each point's nearest centre and the squared distance to it."""
    distances = np.stack([_squared_distances(points, centre) for centre in centres])
    labels = distances.argmin(axis=0)
    return labels, np.take_along_axis(distances, labels[None], axis=0)[0]


def _squared_distances(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    total = np.zeros(len(points))
    for dim in range(points.shape[1]):
        total += (points[:, dim] - centre[dim]) ** 2
    return total


def _means(points: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The mean of each centre's points (an empty centre stays where it was)."""
    k = len(centres)
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=points[:, dim], minlength=k) for dim in range(points.shape[1])],
                    axis=1)
    return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)


def _seeds(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ (Arthur & Vassilvitskii 2007, scikit-learn's variant): each next centre is the best of
    2 + log(k) candidates drawn with probability proportional to the squared distance to the chosen ones."""
    trials = 2 + int(math.log(k))
    chosen = [points[rng.integers(len(points))]]
    closest = _squared_distances(points, chosen[0])
    for _ in range(1, k):
        total = closest.sum()
        if total > 0:
            picks = np.minimum(np.searchsorted(np.cumsum(closest), rng.random(trials) * total), len(points) - 1)
        else:
            picks = rng.integers(len(points), size=trials)
        options = [np.minimum(closest, _squared_distances(points, points[i])) for i in picks]
        best = int(np.argmin([o.sum() for o in options]))
        chosen.append(points[picks[best]])
        closest = options[best]
    return np.array(chosen)
