"""Interlinking runs: index the target, stream source batches through filter + verification.

The target (the smaller or reused side) is indexed once and prepared; each source batch is filtered
against it and verified, so memory is bounded by the batch, not the source. Counts, the filter's
precision and the time of each phase are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely

from ai4c.core.errors import InvalidParameterError, check_choice
from ai4c.linked.interlink.fastpath import Rings
from ai4c.linked.interlink.filters import ALGORITHMS, Filter
from ai4c.linked.interlink.relations import RELATIONS
from ai4c.linked.interlink.verify import Verified, verify


@dataclass
class Links:
    """Related pairs of one batch: global source and target positions and the relations they hold."""

    source: np.ndarray
    target: np.ndarray
    holds: dict[str, np.ndarray]

    def pairs(self, relation: str) -> tuple[np.ndarray, np.ndarray]:
        keep = self.holds[relation]
        return self.source[keep], self.target[keep]


@dataclass
class InterlinkStats:
    """What a run did: sizes, candidate pairs, relation counts and seconds per phase."""

    algorithm: str
    sources: int = 0
    targets: int = 0
    candidates: int = 0
    intersecting: int = 0
    relate_calls: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RELATIONS, 0))
    seconds: dict[str, float] = field(default_factory=lambda: {"index": 0.0, "filter": 0.0,
                                                               "verify": 0.0})

    @property
    def filter_precision(self) -> float:
        """Share of the filter's candidate pairs that really intersect."""
        return self.intersecting / self.candidates if self.candidates else 1.0

    def as_dict(self) -> dict:
        counts = {"disjoint": self.sources * self.targets - self.intersecting, **self.counts}
        return {"algorithm": self.algorithm, "sources": self.sources, "targets": self.targets,
                "candidate_pairs": self.candidates, "intersecting_pairs": self.intersecting,
                "relate_calls": self.relate_calls, "filter_precision": round(self.filter_precision, 6),
                "counts": counts, "seconds": {k: round(v, 4) for k, v in self.seconds.items()}}


def make_filter(algorithm: str, cell_size: float | None = None) -> Filter:
    """The registered filter of that name."""
    name = check_choice("algorithm", algorithm, list(ALGORITHMS))
    if cell_size is not None and not cell_size > 0:
        raise InvalidParameterError(f"cell_size={cell_size!r} must be > 0")
    return ALGORITHMS[name](cell_size=cell_size)


def check_relations(relations: Iterable[str]) -> tuple[str, ...]:
    """Validated relation names ('all' expands to every relation linked)."""
    names = [r.strip().lower().replace("_", "") for r in relations if r.strip()]
    if not names or names == ["all"]:
        return RELATIONS
    return tuple(check_choice("relation", r, [*RELATIONS, "disjoint"]) for r in names
                 if r != "disjoint")


class Interlinker:
    """Relations between streamed source geometries and an indexed, prepared target."""

    def __init__(self, target: np.ndarray, algorithm: str = "giant", *,
                 relations: Iterable[str] = RELATIONS, cell_size: float | None = None) -> None:
        self.relations = check_relations(relations)
        self.target = np.asarray(target, dtype=object)
        self.stats = InterlinkStats(algorithm, targets=len(self.target))
        start = time.perf_counter()
        shapely.prepare(self.target)
        self.target_rings = Rings.of(self.target)
        self.filter = make_filter(algorithm, cell_size).build(shapely.bounds(self.target))
        self.stats.seconds["index"] = time.perf_counter() - start

    def link_batch(self, source: np.ndarray, offset: int = 0) -> Links:
        """Filter and verify one source batch; indices in the result are offset to global ones."""
        return self._account(*self._link(source, offset))

    def _link(self, source: np.ndarray, offset: int) -> tuple:
        """Filter and verify one batch, without touching the running statistics."""
        source = np.asarray(source, dtype=object)
        start = time.perf_counter()
        i, j = self.filter.candidates(shapely.bounds(source))
        filtered = time.perf_counter()
        shapely.prepare(source)
        found = verify(source, self.target, i, j, Rings.of(source), self.target_rings)
        done = time.perf_counter()
        return len(source), len(i), found, filtered - start, done - filtered, offset

    def _account(self, n: int, candidates: int, found: Verified, t_filter: float, t_verify: float,
                 offset: int) -> Links:
        s = self.stats
        s.sources += n
        s.candidates += candidates
        s.intersecting += len(found)
        s.relate_calls += found.relate_calls
        for name in RELATIONS:
            s.counts[name] += int(found.holds[name].sum())
        s.seconds["filter"] += t_filter
        s.seconds["verify"] += t_verify
        return self._links(found, offset)

    def _links(self, found: Verified, offset: int) -> Links:
        holds = {r: found.holds[r] for r in self.relations}
        any_kept = np.zeros(len(found), dtype=bool)
        for mask in holds.values():
            any_kept |= mask
        return Links(found.source[any_kept] + offset, found.target[any_kept],
                     {r: m[any_kept] for r, m in holds.items()})

    def run(self, batches: Iterable[np.ndarray],
            on_batch: Callable[[int], None] | None = None) -> Iterator[Links]:
        """Links of each batch in order (one thread: GEOS prepared geometries build their lazy
        indexes on first use, which is not thread-safe; scale out with `distributed` instead)."""
        offsets = _Offsets()
        for batch in batches:
            links = self.link_batch(batch, offsets.next(len(batch)))
            if on_batch is not None:
                on_batch(len(batch))
            yield links


class _Offsets:
    """Running start position of consecutive batches."""

    def __init__(self) -> None:
        self.position = 0

    def next(self, size: int) -> int:
        start, self.position = self.position, self.position + size
        return start


def interlink(source: np.ndarray, target: np.ndarray, algorithm: str = "giant", *,
              relations: Iterable[str] = RELATIONS, batch_size: int = 50_000,
              cell_size: float | None = None) -> tuple[Links, InterlinkStats]:
    """All links between two in-memory geometry arrays (one call; see `Interlinker` to stream)."""
    linker = Interlinker(target, algorithm, relations=relations, cell_size=cell_size)
    source = np.asarray(source, dtype=object)
    batches = (source[k:k + batch_size] for k in range(0, len(source), batch_size))
    return concat(list(linker.run(batches)), linker.relations), linker.stats


def concat(parts: list[Links], relations: Iterable[str]) -> Links:
    """One Links from many."""
    none = np.zeros(0, dtype=np.int64)
    if not parts:
        return Links(none, none, {r: np.zeros(0, dtype=bool) for r in relations})
    return Links(np.concatenate([p.source for p in parts]), np.concatenate([p.target for p in parts]),
                 {r: np.concatenate([p.holds[r] for p in parts]) for r in relations})
