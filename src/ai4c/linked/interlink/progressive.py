"""Progressive (budgeted) interlinking, after GIA.nt's progressive mode: verify the most promising
candidate pairs first, so the first K verifications yield as many links as possible.

A candidate's promise is how much of the smaller MBR the MBR intersection covers (1 for a box inside
another, near 0 for corners that barely meet), ties broken by the smaller MBR area.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import shapely

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.interlink.engine import Links, check_relations, concat, make_filter
from ai4c.linked.interlink.fastpath import Rings
from ai4c.linked.interlink.relations import RELATIONS
from ai4c.linked.interlink.verify import verify


@dataclass
class Progress:
    """Links found after each chunk of verifications and when; with the total number of related pairs
    (measured by verifying the candidates beyond the budget too) the recall-over-time curve."""

    verified: list[int]
    links: list[int]
    seconds: list[float]
    candidates: int = 0
    total_links: int | None = None

    @property
    def recall(self) -> list[float] | None:
        """Share of all related pairs found after each chunk (None when the total was not measured)."""
        if self.total_links is None:
            return None
        return [n / self.total_links if self.total_links else 1.0 for n in self.links]

    def as_dict(self) -> dict:
        out = {"verified": self.verified, "links": self.links, "seconds": [round(s, 4) for s in self.seconds],
               "candidates": self.candidates}
        if self.total_links is not None:
            out |= {"total_links": self.total_links, "recall": [round(r, 6) for r in self.recall]}
        return out


def promise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MBR intersection area over the smaller MBR area, row-wise (degenerate boxes score by extent)."""
    w = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    tiny = np.finfo(float).eps
    area_a = np.maximum(a[:, 2] - a[:, 0], tiny) * np.maximum(a[:, 3] - a[:, 1], tiny)
    area_b = np.maximum(b[:, 2] - b[:, 0], tiny) * np.maximum(b[:, 3] - b[:, 1], tiny)
    inter = np.maximum(w, tiny) * np.maximum(h, tiny)
    return inter / np.minimum(area_a, area_b)


def progressive_interlink(source: np.ndarray, target: np.ndarray, budget: int, *,
                          algorithm: str = "giant", relations=RELATIONS, chunk: int = 10_000,
                          cell_size: float | None = None, measure_recall: bool = False) -> tuple[Links, Progress]:
    """Links from the `budget` most promising candidate pairs, and the links-over-time curve; with
    `measure_recall` the candidates beyond the budget are verified too (not returned) to give the recall."""
    if budget <= 0:
        raise InvalidParameterError(f"budget={budget!r} must be a positive number of verifications")
    relations = check_relations(relations)
    start = time.perf_counter()
    source, target = np.asarray(source, dtype=object), np.asarray(target, dtype=object)
    shapely.prepare(source)
    shapely.prepare(target)
    sb, tb = shapely.bounds(source), shapely.bounds(target)
    i, j = make_filter(algorithm, cell_size).build(tb).candidates(sb)
    score = promise(sb[i], tb[j])
    order = np.lexsort((np.minimum(_area(sb[i]), _area(tb[j])), -score))
    rest_i, rest_j = i[order[budget:]], j[order[budget:]]
    i, j = i[order[:budget]], j[order[:budget]]
    parts, curve = [], Progress([0], [0], [time.perf_counter() - start], candidates=len(order))
    rings_s, rings_t = Rings.of(source), Rings.of(target)
    for k in range(0, len(i), chunk):
        found = verify(source, target, i[k:k + chunk], j[k:k + chunk], rings_s, rings_t)
        holds = {r: found.holds[r] for r in relations}
        parts.append(Links(found.source, found.target, holds))
        curve.verified.append(min(k + chunk, len(i)))
        curve.links.append(curve.links[-1] + len(found))
        curve.seconds.append(time.perf_counter() - start)
    if measure_recall:
        beyond = sum(len(verify(source, target, rest_i[k:k + chunk], rest_j[k:k + chunk], rings_s, rings_t))
                     for k in range(0, len(rest_i), chunk))
        curve.total_links = curve.links[-1] + beyond
    return concat(parts, relations), curve


def _area(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
