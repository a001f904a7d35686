"""ER accuracy on the shared pyJedAI benchmarks (skipped when absent); ground truth from the files."""

from __future__ import annotations

from tests.conftest import shared

from ai4c.linked.er.data import Entities, Task, truth_from_ids
from ai4c.linked.er.tune import tune
from ai4c.linked.er.workflow import run_workflow
from ai4c.products.records import read_pairs, read_records


def _task(folder, first, second=None, truth="gtclean.csv"):
    base = shared("linked", "pyjedai-er-benchmarks", "data", *folder)
    task = Task(Entities(*read_records(base / first)),
                Entities(*read_records(base / second)) if second else None)
    task.truth, _ = truth_from_ids(task, read_pairs(base / truth))
    return task


def test_dblp_acm_default_workflow_f1():
    task = _task(("ccer", "D4"), "dblpclean.csv", "acmclean.csv")
    assert len(task.truth) > 2000
    result = run_workflow(task)
    assert result.steps[-1]["f1"] >= 0.95


def test_restaurants_dirty_default_workflow_f1():
    task = _task(("test", "der"), "restaurantProfiles.csv", truth="duplicates.csv")
    assert len(task.truth) == 112
    result = run_workflow(task)
    assert result.steps[-1]["f1"] >= 0.90


def test_abt_buy_sample_tuned_beats_default():
    task = _task(("test", "ccer"), "abt_100.csv", "buy_100.csv", truth="gt_100.csv")
    default = run_workflow(task).steps[-1]["f1"]
    best, trials = tune(task, "random", budget=4, seed=1)
    tuned = run_workflow(task, best).steps[-1]["f1"]
    assert tuned == trials[0].f1 >= default
    assert tuned >= 0.75
