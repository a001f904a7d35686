"""Entity clustering: from the similarity graph (pairs above a threshold) to groups of matching
entities, returned as matched pairs (cross-source pairs in clean-clean ER)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.er.registry import register

_THRESHOLDS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]


def _edges(i, j, sim, threshold):
    keep = sim >= threshold
    order = np.argsort(-sim[keep], kind="stable")
    return i[keep][order], j[keep][order], sim[keep][order]


def pairs_of_labels(labels: np.ndarray, n1: int, clean_clean: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every pair inside each cluster (label -1 = singleton), cross-source only in clean-clean ER."""
    out_i, out_j = [], []
    members = np.flatnonzero(labels >= 0)
    order = members[np.argsort(labels[members], kind="stable")]
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]]) if len(order) else order
    for lo, hi in zip(starts, np.r_[starts[1:], len(order)] if len(order) else order, strict=True):
        group = np.sort(order[lo:hi])
        if clean_clean:
            split = int(np.searchsorted(group, n1))
            a, b = np.repeat(group[:split], len(group) - split), np.tile(group[split:], split)
        else:
            x, y = np.triu_indices(len(group), k=1)
            a, b = group[x], group[y]
        out_i.append(a)
        out_j.append(b)
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


@register("clustering", "connected-components", "transitive closure of the pairs above the threshold",
          threshold=(0.5, _THRESHOLDS))
def connected_components_clustering(i, j, sim, size, n1, clean_clean, threshold=0.5):
    i, j, _ = _edges(i, j, sim, threshold)
    graph = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    counts = np.bincount(labels)
    labels = np.where(counts[labels] > 1, labels, -1)
    return pairs_of_labels(labels, n1, clean_clean)


@register("clustering", "unique-mapping", "clean-clean ER: pairs taken by decreasing similarity, each "
          "entity matched at most once", threshold=(0.5, _THRESHOLDS))
def unique_mapping_clustering(i, j, sim, size, n1, clean_clean, threshold=0.5):
    if not clean_clean:
        raise InvalidParameterError("unique-mapping clustering needs two sources (clean-clean ER); "
                                    "use connected-components, center, merge-center or ricochet")
    i, j, _ = _edges(i, j, sim, threshold)
    taken = np.zeros(size, dtype=bool)
    keep = np.zeros(len(i), dtype=bool)
    for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        if not taken[a] and not taken[b]:
            taken[a] = taken[b] = keep[k] = True
    return i[keep], j[keep]


class _Clusters:
    """Union-find over entities, with a centre per cluster."""

    def __init__(self, size: int) -> None:
        self.parent = np.arange(size)
        self.assigned = np.zeros(size, dtype=bool)
        self.center = np.zeros(size, dtype=bool)

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def join(self, member: int, center: int) -> None:
        self.parent[self.find(member)] = self.find(center)
        self.assigned[member] = self.assigned[center] = True

    def labels(self) -> np.ndarray:
        roots = np.array([self.find(x) for x in range(len(self.parent))])
        return np.where(self.assigned, roots, -1)


def _center_like(i, j, sim, size, n1, clean_clean, threshold, merge):
    i, j, _ = _edges(i, j, sim, threshold)
    clusters = _Clusters(size)
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        if not clusters.assigned[a] and not clusters.assigned[b]:
            clusters.center[a] = True
            clusters.join(b, a)
        elif clusters.center[a] and not clusters.assigned[b]:
            clusters.join(b, a)
        elif clusters.center[b] and not clusters.assigned[a]:
            clusters.join(a, b)
        elif merge and (clusters.center[a] or clusters.center[b]):
            clusters.join(a, b)  # MERGE-CENTER: a centre similar to another cluster's member merges them
    return pairs_of_labels(clusters.labels(), n1, clean_clean)


@register("clustering", "center", "CENTER: by decreasing similarity, an unassigned pair starts a "
          "cluster around a centre, other entities join a centre", threshold=(0.5, _THRESHOLDS))
def center_clustering(i, j, sim, size, n1, clean_clean, threshold=0.5):
    return _center_like(i, j, sim, size, n1, clean_clean, threshold, merge=False)


@register("clustering", "merge-center", "MERGE-CENTER: CENTER that merges clusters linked through a "
          "centre", threshold=(0.5, _THRESHOLDS))
def merge_center_clustering(i, j, sim, size, n1, clean_clean, threshold=0.5):
    return _center_like(i, j, sim, size, n1, clean_clean, threshold, merge=True)


@register("clustering", "ricochet", "Ricochet sequential rippling (dirty ER): entities by decreasing "
          "mean similarity become seeds and pull the entities closer to them than to their seed",
          threshold=(0.5, _THRESHOLDS))
def ricochet_clustering(i, j, sim, size, n1, clean_clean, threshold=0.5):
    i, j, s = _edges(i, j, sim, threshold)
    neighbours: list[dict[int, float]] = [{} for _ in range(size)]
    for a, b, w in zip(i.tolist(), j.tolist(), s.tolist(), strict=True):
        neighbours[a][b] = neighbours[b][a] = w
    mean = np.array([np.mean(list(n.values())) if n else 0.0 for n in neighbours])
    seed_of = np.full(size, -1)
    closeness = np.zeros(size)
    is_seed = np.zeros(size, dtype=bool)
    for v in np.argsort(-mean, kind="stable").tolist():
        if not neighbours[v] or is_seed[v]:
            continue
        pulled = [u for u, w in neighbours[v].items() if not is_seed[u] and w > closeness[u]]
        if not pulled:
            continue
        is_seed[v], seed_of[v], closeness[v] = True, v, 1.0
        for u in pulled:
            seed_of[u], closeness[u] = v, neighbours[v][u]
    # a seed left alone joins its most similar seed
    counts = np.bincount(seed_of[seed_of >= 0], minlength=size)
    for v in np.flatnonzero(is_seed & (counts <= 1)).tolist():
        seeds = [(w, u) for u, w in neighbours[v].items() if is_seed[u] and counts[u] > 1]
        seed_of[v] = max(seeds)[1] if seeds else -1
    return pairs_of_labels(seed_of, n1, clean_clean)
