"""ER components on small inputs whose blocks, weights and clusters are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.er.blocking import Blocks, block_filtering, block_purging, qgrams_blocking, standard_blocking
from ai4c.linked.er.clustering import (
    center_clustering,
    connected_components_clustering,
    merge_center_clustering,
    ricochet_clustering,
    unique_mapping_clustering,
)
from ai4c.linked.er.data import Entities, Task, local_name, truth_from_ids
from ai4c.linked.er.metablocking import weighted_graph
from ai4c.linked.er.registry import component
from ai4c.linked.er.workflow import run_workflow


def _task():
    first = Entities(["a", "b"], [{"name": "red apple"}, {"name": "green pear"}])
    second = Entities(["x", "y", "z"], [{"title": "apple red"}, {"title": "pear"}, {"title": "plum"}])
    return Task(first, second)


def test_token_blocking_keeps_cross_source_blocks_only():
    task = _task()
    blocks = standard_blocking(task)
    got = sorted(tuple(b.tolist()) for b in blocks.members)
    # red: {0, 2}, apple: {0, 2}, pear: {1, 3}; green and plum occur in one source only
    assert got == [(0, 2), (0, 2), (1, 3)]
    assert blocks.comparisons().tolist() == [1, 1, 1]


def test_qgrams_blocking_joins_shared_trigrams():
    task = Task(Entities(["a"], [{"n": "jonathan"}]), Entities(["b"], [{"n": "jonathon"}]))
    keys = {"jon", "ona", "nat", "ath", "tha", "han"} & {"jon", "ona", "nat", "ath", "tho", "hon"}
    assert len(qgrams_blocking(task, q=3)) == len(keys)


def test_purging_and_filtering():
    blocks = Blocks([np.arange(10), np.array([0, 1]), np.array([0, 2]), np.array([0, 3])], n1=0, clean_clean=False)
    purged = block_purging(blocks, factor=10.0)  # median comparisons 1 -> the 45-comparison block goes
    assert [len(b) for b in purged.members] == [2, 2, 2]
    # entity 0 sits in 4 blocks; ratio 0.5 keeps it in its 2 smallest only
    filtered = block_filtering(blocks, ratio=0.5)
    assert sum(0 in b for b in filtered.members) == 2
    assert all(len(b) > 1 for b in filtered.members)


def test_weights_of_a_known_graph():
    # blocks {0,1,2}, {0,1}, {1,2}: CBS(0,1)=2, CBS(0,2)=1, CBS(1,2)=2; |B0|=2 |B1|=3 |B2|=2
    blocks = Blocks([np.array([0, 1, 2]), np.array([0, 1]), np.array([1, 2])], n1=0, clean_clean=False)
    cbs = weighted_graph(blocks, 3, "CBS")
    assert dict(zip(zip(cbs.i.tolist(), cbs.j.tolist(), strict=True), cbs.weight.tolist(), strict=True)) == \
        {(0, 1): 2.0, (0, 2): 1.0, (1, 2): 2.0}
    js = weighted_graph(blocks, 3, "JS")
    assert js.weight.tolist() == pytest.approx([2 / 3, 1 / 3, 2 / 3])
    arcs = weighted_graph(blocks, 3, "ARCS")  # block comparisons 3, 1, 1
    assert arcs.weight.tolist() == pytest.approx([1 / 3 + 1, 1 / 3, 1 / 3 + 1])
    ecbs = weighted_graph(blocks, 3, "ECBS")
    assert ecbs.weight[0] == pytest.approx(2 * np.log(3 / 2) * np.log(3 / 3))


def test_clustering_algorithms_on_known_graphs():
    i, j = np.array([0, 0, 1, 3]), np.array([1, 2, 2, 4])
    sim = np.array([0.9, 0.8, 0.7, 0.95])
    pairs = connected_components_clustering(i, j, sim, 6, 0, False, threshold=0.75)
    assert sorted(zip(*[a.tolist() for a in pairs], strict=True)) == [(0, 1), (0, 2), (1, 2), (3, 4)]
    # by decreasing similarity: 3 becomes a centre with 4, 0 a centre with 1 then 2; (1, 2) changes nothing
    expected = [(0, 1), (0, 2), (1, 2), (3, 4)]
    for method in (center_clustering, merge_center_clustering, ricochet_clustering):
        got = method(i, j, sim, 6, 0, False, threshold=0.5)
        assert sorted(zip(*[a.tolist() for a in got], strict=True)) == expected, method.__name__
    # clean-clean: entity 0 of source 1 prefers 3 (0.9) over 2, and 1 takes 2
    ci, cj, cs = np.array([0, 0, 1]), np.array([2, 3, 2]), np.array([0.8, 0.9, 0.85])
    um = unique_mapping_clustering(ci, cj, cs, 4, 2, True, threshold=0.5)
    assert sorted(zip(*[a.tolist() for a in um], strict=True)) == [(0, 3), (1, 2)]
    with pytest.raises(InvalidParameterError, match="clean-clean"):
        unique_mapping_clustering(ci, cj, cs, 4, 2, False)


def test_registry_rejects_unknown_methods_and_parameters():
    with pytest.raises(InvalidParameterError, match="blocking method"):
        component("blocking", "magic")
    with pytest.raises(InvalidParameterError, match="no parameter 'q'"):
        run_workflow(_task(), {"blocking": {"method": "standard", "q": 3}, "metablocking": {"method": "none"},
                               "matching": {"method": "jaccard"}, "clustering": {"method": "unique-mapping"}})


def test_truth_ids_and_local_names():
    task = _task()
    truth, unknown = truth_from_ids(task, [("id1", "id2"), ("a", "x"), ("b", "y")])
    assert truth == {(0, 2), (1, 3)} and unknown == 1
    assert local_name("http://www.okkam.org/ontology_restaurant1.owl#name") == "name"


def test_simulated_clean_clean_resolution_with_default_workflow():
    rng = np.random.default_rng(3)
    syllables = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "qua", "ber", "dun", "fel", "gor"]
    names = list({"".join(rng.choice(syllables, 4)) + " " + "".join(rng.choice(syllables, 3))
                  for _ in range(300)})
    cities = ["athens", "patras", "larissa", "volos", "chania"]
    left = [{"name": n, "city": cities[k % 5], "phone": f"{rng.integers(10**6, 10**7)}"} for k, n in enumerate(names)]
    right, truth = [], []
    for k in rng.permutation(len(names))[:200]:
        record = dict(left[k])
        text = list(record["name"])
        pos = rng.integers(len(text))
        text[pos] = "x"  # one typo
        record["name"] = "".join(text)
        truth.append((str(k), f"r{len(right)}"))
        right.append(record)
    task = Task(Entities([str(k) for k in range(len(left))], left),
                Entities([f"r{k}" for k in range(len(right))], right))
    task.truth, _ = truth_from_ids(task, truth)
    result = run_workflow(task)
    assert result.steps[-1]["f1"] >= 0.95
    assert result.steps[0]["pair_completeness"] == pytest.approx(1.0)
