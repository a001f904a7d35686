"""Comparison cleaning (meta-blocking): the blocking graph's edges weighted by how strongly two
entities co-occur in blocks (CBS, ECBS, JS, ARCS, EJS, χ²) and pruned edge- or node-centrically
(WEP, CEP, WNP, CNP, BLAST, and the reciprocal RWNP, RCNP)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ai4c.core.errors import check_choice
from ai4c.linked.er.blocking import Blocks
from ai4c.linked.er.registry import register

WEIGHTS = ("CBS", "ECBS", "JS", "ARCS", "EJS", "X2")


@dataclass
class Candidates:
    """Distinct candidate pairs (i < j, i from source 1 in clean-clean ER) with a weight each."""

    i: np.ndarray
    j: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.i)


def block_pairs(blocks: Blocks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every comparison of every block: (i, j, block number)."""
    out_i, out_j, out_b = [], [], []
    for number, members in enumerate(blocks.members):
        if blocks.clean_clean:
            split = int(np.searchsorted(members, blocks.n1))
            left, right = members[:split], members[split:]
            out_i.append(np.repeat(left, len(right)))
            out_j.append(np.tile(right, len(left)))
        else:
            a, b = np.triu_indices(len(members), k=1)
            out_i.append(members[a])
            out_j.append(members[b])
        out_b.append(np.full(len(out_i[-1]), number, dtype=np.int64))
    if not out_i:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_b)


def weighted_graph(blocks: Blocks, size: int, weighting: str = "ECBS") -> Candidates:
    """The blocking graph with edges weighted by `weighting`."""
    weighting = check_choice("weighting", weighting, WEIGHTS)
    i, j, block = block_pairs(blocks)
    code, first, inverse, cbs = np.unique(i * size + j, return_index=True, return_inverse=True,
                                          return_counts=True)
    i, j, cbs = i[first], j[first], cbs.astype(float)
    n_blocks = max(len(blocks), 1)
    per_entity = np.bincount(np.concatenate(blocks.members) if len(blocks) else np.zeros(0, np.int64),
                             minlength=size).astype(float)
    bi, bj = np.maximum(per_entity[i], 1), np.maximum(per_entity[j], 1)
    if weighting == "CBS":
        w = cbs
    elif weighting == "ECBS":
        w = cbs * np.log(n_blocks / bi) * np.log(n_blocks / bj)
    elif weighting == "JS":
        w = cbs / (bi + bj - cbs)
    elif weighting == "ARCS":
        comparisons = np.maximum(blocks.comparisons(), 1).astype(float)
        w = np.bincount(inverse, weights=1.0 / comparisons[block], minlength=len(code))
    elif weighting == "EJS":
        degree = np.bincount(np.concatenate([i, j]), minlength=size).astype(float)
        edges = max(len(code), 1)
        w = cbs / (bi + bj - cbs) * np.log(edges / degree[i]) * np.log(edges / degree[j])
    else:
        n11, n12, n21 = cbs, bi - cbs, bj - cbs
        n22 = np.maximum(n_blocks - n11 - n12 - n21, 0)
        denom = (n11 + n12) * (n21 + n22) * (n11 + n21) * (n12 + n22)
        w = np.where(denom > 0, n_blocks * (n11 * n22 - n12 * n21) ** 2 / np.where(denom > 0, denom, 1), 0)
    return Candidates(i, j, np.asarray(w, dtype=float))


def _node_mean(c: Candidates, size: int) -> np.ndarray:
    total = np.bincount(c.i, c.weight, size) + np.bincount(c.j, c.weight, size)
    degree = np.bincount(c.i, minlength=size) + np.bincount(c.j, minlength=size)
    return total / np.maximum(degree, 1)


def _node_max(c: Candidates, size: int) -> np.ndarray:
    best = np.zeros(size)
    np.maximum.at(best, c.i, c.weight)
    np.maximum.at(best, c.j, c.weight)
    return best


def _in_top_k(c: Candidates, node: np.ndarray, k: int) -> np.ndarray:
    """Whether each edge is among the k heaviest edges of its endpoint `node`."""
    order = np.lexsort((-c.weight, node))
    sorted_node = node[order]
    starts = np.flatnonzero(np.r_[True, sorted_node[1:] != sorted_node[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    inside = np.zeros(len(order), dtype=bool)
    inside[order] = rank < k
    return inside


def _subset(c: Candidates, keep: np.ndarray) -> Candidates:
    return Candidates(c.i[keep], c.j[keep], c.weight[keep])


def _cardinality(blocks: Blocks, size: int) -> int:
    """JedAI's per-node cardinality for CNP: blocks per entity, minus one."""
    assignments = sum(len(b) for b in blocks.members)
    return max(1, int(np.floor(assignments / max(size, 1))) - 1)


def _prune(blocks: Blocks, size: int, weighting: str, rule: str, ratio: float = 0.5) -> Candidates:
    c = weighted_graph(blocks, size, weighting)
    if len(c) == 0 or rule == "none":
        return c
    if rule == "WEP":
        return _subset(c, c.weight >= c.weight.mean())
    if rule == "CEP":
        budget = max(1, sum(len(b) for b in blocks.members) // 2)
        return _subset(c, np.argsort(-c.weight, kind="stable")[:budget])
    if rule in ("WNP", "RWNP"):
        mean = _node_mean(c, size)
        a, b = c.weight >= mean[c.i], c.weight >= mean[c.j]
        return _subset(c, (a & b) if rule == "RWNP" else (a | b))
    if rule in ("CNP", "RCNP"):
        k = _cardinality(blocks, size)
        a, b = _in_top_k(c, c.i, k), _in_top_k(c, c.j, k)
        return _subset(c, (a & b) if rule == "RCNP" else (a | b))
    best = _node_max(c, size) * ratio  # BLAST: local thresholds from each node's heaviest edge
    return _subset(c, c.weight >= (best[c.i] + best[c.j]) / 2)


_WEIGHT_SPACE = list(WEIGHTS)


@register("metablocking", "none", "no comparison cleaning: every distinct comparison of the blocks",
          weighting=("CBS", ["CBS"]))
def no_pruning(blocks: Blocks, size: int, weighting: str = "CBS") -> Candidates:
    return _prune(blocks, size, weighting, "none")


def _register_rule(rule: str, description: str) -> None:
    def method(blocks: Blocks, size: int, weighting: str = "ECBS") -> Candidates:
        return _prune(blocks, size, weighting, rule)
    register("metablocking", rule, description, weighting=("ECBS", _WEIGHT_SPACE))(method)


for _rule, _text in (("WEP", "weighted edge pruning: edges at or above the mean weight"),
                     ("CEP", "cardinality edge pruning: the heaviest edges, half the block assignments"),
                     ("WNP", "weighted node pruning: edges at or above either endpoint's mean weight"),
                     ("RWNP", "reciprocal WNP: at or above both endpoints' mean weights"),
                     ("CNP", "cardinality node pruning: each node's k heaviest edges (either endpoint)"),
                     ("RCNP", "reciprocal CNP: among the k heaviest of both endpoints")):
    _register_rule(_rule, _text)


@register("metablocking", "BLAST", "BLAST: χ²-weighted, an edge kept when above the mean of its "
          "endpoints' local thresholds (ratio × heaviest edge)", weighting=("X2", _WEIGHT_SPACE),
          ratio=(0.5, [0.25, 0.35, 0.5, 0.65]))
def blast(blocks: Blocks, size: int, weighting: str = "X2", ratio: float = 0.5) -> Candidates:
    return _prune(blocks, size, weighting, "BLAST", ratio)
