"""An ER workflow: the configured component of each step, run in order, with the time and (given
ground truth) the quality of every step. The configuration is plain data (YAML/JSON)."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.er.blocking import Blocks
from ai4c.linked.er.data import Task
from ai4c.linked.er.evaluate import block_scores, blocks_quality, pair_scores
from ai4c.linked.er.registry import STEPS, component

DEFAULT_WORKFLOW = {
    "blocking": {"method": "standard"},
    "cleaning": [{"method": "block-purging"}, {"method": "block-filtering", "ratio": 0.8}],
    "metablocking": {"method": "WNP", "weighting": "ECBS"},
    "matching": {"method": "tfidf-cosine", "analyzer": "char", "ngram": 3},
    "clustering": {"method": "unique-mapping", "threshold": 0.5},
}
"""Needs no labels: token blocking, purging + filtering, WNP over ECBS, TF-IDF cosine of character
trigrams; unique-mapping clustering for two sources, connected components for one."""


def default_workflow(clean_clean: bool) -> dict:
    config = copy.deepcopy(DEFAULT_WORKFLOW)
    if not clean_clean:
        config["clustering"] = {"method": "connected-components", "threshold": 0.6}
    return config


def _steps(config: dict) -> list[tuple[str, str, dict]]:
    """(step, method, params) in workflow order, validated against the registry."""
    unknown = sorted(set(config) - set(STEPS))
    if unknown:
        raise InvalidParameterError(f"workflow step {unknown[0]!r} is unknown; steps: {', '.join(STEPS)}")
    out = []
    for step in STEPS:
        entries = config.get(step, [] if step == "cleaning" else None)
        if entries is None:
            raise InvalidParameterError(f"the workflow needs a {step!r} step")
        for entry in entries if isinstance(entries, list) else [entries]:
            params = dict(entry)
            method = params.pop("method", None)
            if method is None:
                raise InvalidParameterError(f"workflow step {step!r} needs a 'method'")
            comp = component(step, method)
            out.append((step, comp.name, comp.configure(params)))
    return out


@dataclass
class Result:
    """Matches (global entity numbers) and the per-step report."""

    i: np.ndarray
    j: np.ndarray
    steps: list[dict] = field(default_factory=list)
    config: dict = field(default_factory=dict)

    @property
    def f1(self) -> float | None:
        return self.steps[-1].get("f1") if self.steps else None

    @property
    def seconds(self) -> float:
        return sum(s["seconds"] for s in self.steps)


def run_workflow(task: Task, config: dict | None = None) -> Result:
    """Run every step; with `task.truth`, score each one."""
    config = config or default_workflow(task.clean_clean)
    truth = task.truth_arrays() if task.truth else None
    blocks: Blocks | None = None
    candidates = None
    similarity = None
    result = Result(np.zeros(0, np.int64), np.zeros(0, np.int64), config=copy.deepcopy(config))
    for step, method, params in _steps(config):
        start = time.perf_counter()
        func = component(step, method).func
        if step == "blocking":
            blocks = func(task, **params)
        elif step == "cleaning":
            blocks = func(blocks, **params)
        elif step == "metablocking":
            candidates = func(blocks, task.size, **params)
        elif step == "matching":
            similarity = func(task, candidates, **params)
        else:
            result.i, result.j = func(candidates.i, candidates.j, similarity, task.size, task.n1,
                                      task.clean_clean, **params)
        report = {"step": step, "method": method, "params": params,
                  "seconds": round(time.perf_counter() - start, 4)}
        report.update(_figures(step, blocks, candidates, result, truth, task.size))
        result.steps.append(report)
    return result


def _figures(step, blocks, candidates, result, truth, size) -> dict:
    if step in ("blocking", "cleaning"):
        figures = {"blocks": len(blocks), "comparisons": int(blocks.comparisons().sum())}
        if truth is not None:
            figures.update(blocks_quality(blocks, truth, size))
        return figures
    if step in ("metablocking", "matching"):
        figures = {"comparisons": len(candidates)}
        if truth is not None:
            figures.update(block_scores(candidates.i, candidates.j, truth, size))
        return figures
    figures = {"matches": len(result.i)}
    if truth is not None:
        figures.update(pair_scores(result.i, result.j, truth, size))
    return figures
