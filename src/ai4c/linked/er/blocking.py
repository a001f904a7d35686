"""Schema-agnostic blocking (JedAI's block building) and block cleaning.

A block is a sorted array of global entity numbers sharing a key; in clean-clean ER only blocks
holding entities of both sources produce comparisons.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ai4c.linked.er.data import Task
from ai4c.linked.er.registry import register


@dataclass
class Blocks:
    """Blocks of a task, with their comparison counts."""

    members: list[np.ndarray]
    n1: int
    clean_clean: bool

    def comparisons(self) -> np.ndarray:
        sizes = np.array([len(b) for b in self.members], dtype=np.int64)
        if not self.clean_clean:
            return sizes * (sizes - 1) // 2
        left = np.array([int(np.searchsorted(b, self.n1)) for b in self.members], dtype=np.int64)
        return left * (sizes - left)

    def keep(self, mask: np.ndarray) -> Blocks:
        return Blocks([b for b, k in zip(self.members, mask, strict=True) if k], self.n1, self.clean_clean)

    def __len__(self) -> int:
        return len(self.members)


def blocks_from_keys(task: Task, keys: Iterable[Iterable[str]]) -> Blocks:
    """Group entities by key; drop blocks without a comparison."""
    groups: dict[str, list[int]] = defaultdict(list)
    for entity, entity_keys in enumerate(keys):
        for key in set(entity_keys):
            groups[key].append(entity)
    blocks = Blocks([np.array(v, dtype=np.int64) for v in groups.values() if len(v) > 1],
                    task.n1, task.clean_clean)
    return blocks.keep(blocks.comparisons() > 0)


@register("blocking", "standard", "token blocking: one block per token")
def standard_blocking(task: Task) -> Blocks:
    return blocks_from_keys(task, task.token_lists)


@register("blocking", "qgrams", "q-grams blocking: one block per character q-gram of each token",
          q=(3, [2, 3, 4, 5]))
def qgrams_blocking(task: Task, q: int = 3) -> Blocks:
    return blocks_from_keys(task, ([t[k:k + q] for t in toks for k in range(max(1, len(t) - q + 1))]
                                   for toks in task.token_lists))


@register("blocking", "suffix-arrays", "suffix arrays: token suffixes of a minimum length, "
          "oversized blocks dropped", min_length=(6, [3, 4, 5, 6, 8]), max_size=(53, [20, 53, 100]))
def suffix_arrays_blocking(task: Task, min_length: int = 6, max_size: int = 53) -> Blocks:
    keys = ([t[k:] for t in toks for k in range(max(1, len(t) - min_length + 1))] for toks in task.token_lists)
    blocks = blocks_from_keys(task, keys)
    return blocks.keep(np.array([len(b) <= max_size for b in blocks.members], dtype=bool))


@register("blocking", "extended-sorted-neighborhood", "extended sorted neighbourhood: a window "
          "sliding over the sorted distinct tokens", window=(2, [2, 3, 4, 5]))
def sorted_neighborhood_blocking(task: Task, window: int = 2) -> Blocks:
    by_token: dict[str, set[int]] = defaultdict(set)
    for entity, toks in enumerate(task.token_lists):
        for t in toks:
            by_token[t].add(entity)
    ordered = sorted(by_token)
    members = []
    for k in range(max(1, len(ordered) - window + 1)):
        union = set().union(*(by_token[t] for t in ordered[k:k + window]))
        if len(union) > 1:
            members.append(np.array(sorted(union), dtype=np.int64))
    blocks = Blocks(members, task.n1, task.clean_clean)
    return blocks.keep(blocks.comparisons() > 0)


@register("blocking", "lsh-minhash", "MinHash LSH over character shingles: one block per band signature",
          bands=(32, [16, 32, 64]), rows=(2, [1, 2, 3, 4]), shingle=(3, [2, 3, 4]))
def minhash_lsh_blocking(task: Task, bands: int = 32, rows: int = 2, shingle: int = 3, seed: int = 0) -> Blocks:
    rng = np.random.default_rng(seed)
    prime = np.uint64((1 << 61) - 1)
    a = rng.integers(1, 1 << 31, bands * rows, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, bands * rows, dtype=np.uint64)
    keys = []
    for text in task.texts:
        text = " ".join(text.lower().split())
        grams = {text[k:k + shingle] for k in range(max(1, len(text) - shingle + 1))}
        hashed = np.array([zlib.crc32(g.encode()) for g in grams], dtype=np.uint64)
        signature = ((np.outer(hashed, a) + b) % prime).min(axis=0).reshape(bands, rows)
        keys.append([f"{band}:{row.tobytes().hex()}" for band, row in enumerate(signature)])
    return blocks_from_keys(task, keys)


@register("cleaning", "block-purging", "drops the largest blocks: those over a comparison budget "
          "(a multiple of the median block's comparisons)", factor=(100.0, [10.0, 50.0, 100.0, 1000.0]))
def block_purging(blocks: Blocks, factor: float = 100.0) -> Blocks:
    if len(blocks) == 0:
        return blocks
    comparisons = blocks.comparisons()
    limit = max(np.median(comparisons) * factor, 1.0)
    return blocks.keep(comparisons <= limit)


@register("cleaning", "block-filtering", "keeps each entity in the `ratio` share of its smallest blocks",
          ratio=(0.8, [0.3, 0.5, 0.65, 0.8, 1.0]))
def block_filtering(blocks: Blocks, ratio: float = 0.8) -> Blocks:
    if len(blocks) == 0:
        return blocks
    comparisons = blocks.comparisons()
    order = np.argsort(comparisons, kind="stable")
    entity = np.concatenate([blocks.members[b] for b in order])
    block = np.concatenate([np.full(len(blocks.members[b]), rank) for rank, b in enumerate(order)])
    by_entity = np.lexsort((block, entity))
    entity, block = entity[by_entity], block[by_entity]
    starts = np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]])
    counts = np.diff(np.r_[starts, len(entity)])
    position = np.arange(len(entity)) - np.repeat(starts, counts)
    limit = np.repeat(np.maximum(1, np.round(counts * ratio)).astype(np.int64), counts)
    keep = position < limit
    groups: dict[int, list[int]] = defaultdict(list)
    for e, b in zip(entity[keep].tolist(), block[keep].tolist(), strict=True):
        groups[b].append(e)
    kept = Blocks([np.array(sorted(v), dtype=np.int64) for v in groups.values() if len(v) > 1],
                  blocks.n1, blocks.clean_clean)
    return kept.keep(kept.comparisons() > 0)
