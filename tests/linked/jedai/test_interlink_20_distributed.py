"""The dask.distributed tiled run gives exactly the serial links."""

from __future__ import annotations

import pytest
from tests.linked.jedai.geometry_sets import mixed_geometries

from ai4c.linked.interlink import RELATIONS, interlink


def test_distributed_tiles_give_identical_links():
    distributed = pytest.importorskip("distributed")
    from ai4c.linked.interlink.distributed import distributed_interlink

    a, b = mixed_geometries(3, 300), mixed_geometries(4, 200)
    serial, _ = interlink(a, b, "giant")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        tiled = distributed_interlink(client, a, b, "strtree", tiles=4)
    for relation in RELATIONS:
        s1, t1 = serial.pairs(relation)
        s2, t2 = tiled.pairs(relation)
        assert sorted(zip(s1.tolist(), t1.tolist(), strict=True)) == sorted(zip(s2.tolist(), t2.tolist(), strict=True)), relation
    assert len(serial.source) > 100
