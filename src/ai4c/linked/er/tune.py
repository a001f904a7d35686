"""Automatic configuration (JedAI's grid and random search): find the workflow with the best F1
on labelled data within a budget of evaluated workflows.

A trial fixes blocking, cleaning, comparison cleaning and matching; every clustering algorithm and
threshold is then scored on that trial's similarities for free, so the budget counts trials.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from dataclasses import dataclass

import numpy as np

from ai4c.core.errors import InvalidParameterError, check_choice
from ai4c.linked.er.data import Task
from ai4c.linked.er.evaluate import pair_scores
from ai4c.linked.er.registry import REGISTRY, _load, component

CLEANING_CHOICES = (
    [],
    [{"method": "block-purging"}],
    [{"method": "block-purging"}, {"method": "block-filtering", "ratio": 0.5}],
    [{"method": "block-purging"}, {"method": "block-filtering", "ratio": 0.8}],
)
METABLOCKING_CHOICES = ({"method": "none"}, {"method": "WNP", "weighting": "ECBS"},
                        {"method": "CNP", "weighting": "ECBS"}, {"method": "BLAST", "weighting": "X2"},
                        {"method": "WEP", "weighting": "JS"}, {"method": "RCNP", "weighting": "EJS"})


@dataclass
class Trial:
    """One evaluated workflow."""

    config: dict
    f1: float
    precision: float
    recall: float
    seconds: float


def _attribute_sets(task: Task) -> list[list[str] | None]:
    """Schema-agnostic, then each attribute subset (all subsets up to 4 attributes, else singletons)."""
    names = task.first.attributes
    if task.second is not None:
        names = [n for n in names if n in set(task.second.attributes)] or names
    if len(names) <= 4:
        subsets = [list(c) for r in range(1, len(names) + 1) for c in itertools.combinations(names, r)]
    else:
        subsets = [[n] for n in names]
    return [None, *subsets]


def search_space(task: Task) -> list[dict]:
    """Every upstream configuration (blocking, cleaning, comparison cleaning, matching)."""
    _load()
    blockings = [{"method": "standard"}, {"method": "qgrams", "q": 4}, {"method": "qgrams", "q": 6},
                 {"method": "suffix-arrays", "min_length": 4, "max_size": 53},
                 {"method": "extended-sorted-neighborhood", "window": 2}, {"method": "lsh-minhash"}]
    matchings = [{"method": m, "analyzer": a, "attributes": attrs}
                 for m in ("tfidf-cosine", "jaccard") for a in ("char", "word")
                 for attrs in _attribute_sets(task)]
    return [{"blocking": b, "cleaning": c, "metablocking": mb, "matching": m}
            for b, c, mb, m in itertools.product(blockings, CLEANING_CHOICES, METABLOCKING_CHOICES, matchings)]


def _clusterings(task: Task) -> list[dict]:
    fast = ("unique-mapping", "connected-components")  # the others visit pairs one by one in Python
    methods = list(fast) if task.clean_clean else [n for n in REGISTRY["clustering"] if n != fast[0]]
    return [{"method": m, "threshold": t} for m in methods
            for t in REGISTRY["clustering"][m].space["threshold"]]


class _Stages:
    """Upstream results memoised by configuration prefix, shared by the trials."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.memo: dict[str, object] = {}

    def _cached(self, key: dict, compute):
        text = json.dumps(key, sort_keys=True)
        if text not in self.memo:
            self.memo[text] = compute()
        return self.memo[text]

    def similarities(self, config: dict):
        def blocks():
            out = _apply("blocking", config["blocking"], self.task)
            for entry in config["cleaning"]:
                out = _apply("cleaning", entry, out)
            return out

        prefix = {k: config[k] for k in ("blocking", "cleaning")}
        blocked = self._cached(prefix, blocks)
        candidates = self._cached({**prefix, "metablocking": config["metablocking"]},
                                  lambda: _apply("metablocking", config["metablocking"], blocked, self.task.size))
        return candidates, _apply("matching", config["matching"], self.task, candidates)


def _apply(step: str, entry: dict, *args):
    params = dict(entry)
    comp = component(step, params.pop("method"))
    return comp.func(*args, **comp.configure(params))


def tune(task: Task, strategy: str = "random", budget: int = 20, seed: int = 0) -> tuple[dict, list[Trial]]:
    """The best workflow found and every trial, best first."""
    strategy = check_choice("tune", strategy, ["grid", "random"])
    if budget <= 0:
        raise InvalidParameterError(f"budget={budget} must be a positive number of trials")
    if not task.truth:
        raise InvalidParameterError("tuning needs labelled pairs; give --ground-truth")
    space = search_space(task)
    if strategy == "grid":
        picks = np.unique(np.linspace(0, len(space) - 1, min(budget, len(space))).round().astype(int))
    else:
        picks = np.random.default_rng(seed).choice(len(space), min(budget, len(space)), replace=False)
    stages, truth, trials = _Stages(task), task.truth_arrays(), []
    for index in picks.tolist():
        start = time.perf_counter()
        candidates, sim = stages.similarities(space[index])
        elapsed = time.perf_counter() - start
        for clustering in _clusterings(task):
            i, j = _apply("clustering", clustering, candidates.i, candidates.j, sim, task.size, task.n1,
                          task.clean_clean)
            score = pair_scores(i, j, truth, task.size)
            config = {**copy.deepcopy(space[index]), "clustering": clustering}
            trials.append(Trial(config, score["f1"], score["precision"], score["recall"], elapsed))
    trials.sort(key=lambda t: (-t.f1, t.seconds))
    return trials[0].config, trials
