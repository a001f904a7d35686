"""Quality of each step against ground truth: pair completeness/quality of candidates, and
precision, recall and F1 of the matches."""

from __future__ import annotations

import numpy as np


def _codes(i: np.ndarray, j: np.ndarray, size: int) -> np.ndarray:
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return np.unique(lo.astype(np.int64) * size + hi)


def pair_scores(i: np.ndarray, j: np.ndarray, truth: tuple[np.ndarray, np.ndarray], size: int) -> dict:
    """Precision (pair quality), recall (pair completeness) and F1 of a pair set."""
    found = _codes(i, j, size)
    true = _codes(*truth, size)
    hits = int(np.isin(found, true, assume_unique=True).sum())
    precision = hits / len(found) if len(found) else 0.0
    recall = hits / len(true) if len(true) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": int(len(found)), "true_positives": hits, "precision": round(precision, 6),
            "recall": round(recall, 6), "f1": round(f1, 6)}


def block_scores(i: np.ndarray, j: np.ndarray, truth: tuple[np.ndarray, np.ndarray], size: int) -> dict:
    """Blocking's figures: comparisons, pair completeness (PC) and pair quality (PQ)."""
    scores = pair_scores(i, j, truth, size)
    return {"comparisons": scores["pairs"], "pair_completeness": scores["recall"],
            "pair_quality": scores["precision"]}


def blocks_quality(blocks, truth: tuple[np.ndarray, np.ndarray], size: int) -> dict:
    """PC (share of true pairs sharing a block) and PQ (true pairs found per aggregate comparison),
    as JedAI reports them for blocks, without enumerating the comparisons."""
    membership: list[set[int]] = [set() for _ in range(size)]
    for number, members in enumerate(blocks.members):
        for entity in members.tolist():
            membership[entity].add(number)
    hits = sum(1 for a, b in zip(*truth, strict=True) if membership[a] & membership[b])
    comparisons = int(blocks.comparisons().sum())
    return {"pair_completeness": round(hits / max(len(truth[0]), 1), 6),
            "pair_quality": round(hits / comparisons, 6) if comparisons else 0.0}
