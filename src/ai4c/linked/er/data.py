"""Entity collections for entity resolution: ids and attribute-value records, one or two sources.

Clean-clean ER links two duplicate-free sources (entity k of source 2 is numbered n1 + k);
dirty ER finds duplicates inside one source. Text is schema-agnostic: every value of a record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of a text."""
    return _TOKEN.findall(text.lower())


@dataclass
class Entities:
    """Records of one source: ids (strings) and attribute -> value dicts, in source order."""

    ids: list[str]
    records: list[dict[str, str]]
    name: str = "source"

    def __len__(self) -> int:
        return len(self.ids)

    def text(self, attributes: list[str] | None = None) -> list[str]:
        """Each record's values joined (only `attributes`, compared by local name, when given)."""
        wanted = None if attributes is None else {local_name(a) for a in attributes}
        return [" ".join(str(v) for k, v in r.items() if v and (wanted is None or local_name(k) in wanted))
                for r in self.records]

    @property
    def attributes(self) -> list[str]:
        """Attribute local names, in first-seen order."""
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(local_name(k) for k in record))
        return list(seen)


def local_name(attribute: str) -> str:
    """An attribute's name without its namespace (`http://x.org/onto#name` -> `name`), so two
    sources' RDF predicates or prefixed columns line up."""
    return re.split(r"[#/]", attribute.rstrip("/#"))[-1]


@dataclass
class Task:
    """An ER task: one source (dirty) or two (clean-clean), with optional ground-truth pairs."""

    first: Entities
    second: Entities | None = None
    truth: set[tuple[int, int]] = field(default_factory=set)

    @property
    def clean_clean(self) -> bool:
        return self.second is not None

    @property
    def n1(self) -> int:
        return len(self.first)

    @property
    def size(self) -> int:
        return self.n1 + (len(self.second) if self.second is not None else 0)

    @cached_property
    def texts(self) -> list[str]:
        """Schema-agnostic text of every entity, in global numbering."""
        return self.first.text() + (self.second.text() if self.second is not None else [])

    def texts_of(self, attributes: list[str]) -> list[str]:
        return self.first.text(attributes) + (self.second.text(attributes) if self.second else [])

    @cached_property
    def token_lists(self) -> list[list[str]]:
        return [tokens(t) for t in self.texts]

    def record(self, k: int) -> dict[str, str]:
        return self.first.records[k] if k < self.n1 else self.second.records[k - self.n1]

    def entity_id(self, k: int) -> str:
        return self.first.ids[k] if k < self.n1 else self.second.ids[k - self.n1]

    def pair_ids(self, i: np.ndarray, j: np.ndarray) -> list[tuple[str, str]]:
        return [(self.entity_id(a), self.entity_id(b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)]

    def truth_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.truth:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pairs = np.array(sorted(self.truth), dtype=np.int64)
        return pairs[:, 0], pairs[:, 1]


def truth_from_ids(task: Task, id_pairs: list[tuple[str, str]]) -> tuple[set[tuple[int, int]], int]:
    """Ground-truth id pairs as global index pairs (i < j for dirty ER); also how many matched nothing."""
    first = {v: k for k, v in enumerate(task.first.ids)}
    second = {v: k + task.n1 for k, v in enumerate(task.second.ids)} if task.second else first
    pairs, unknown = set(), 0
    for a, b in id_pairs:
        if a in first and b in second:
            i, j = first[a], second[b]
        elif not task.clean_clean and b in first and a in second:
            i, j = first[b], second[a]
        else:
            unknown += 1
            continue
        if i != j:
            pairs.add((min(i, j), max(i, j)) if not task.clean_clean else (i, j))
    return pairs, unknown
