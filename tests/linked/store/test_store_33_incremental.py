"""Derived data kept up to date from each change's delta: the entailment graph and geometry properties
after loads and deletions equal a full recompute (the CONSTRUCT rules over the whole store); reloading
known triples adds nothing; a load failing half-way is undone."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ai4c.core.errors import BadInputError
from ai4c.linked.store import GeoStore, entailment, loading

GEO = "http://www.opengis.net/ont/geosparql#"
SF = "http://www.opengis.net/ont/sf#"
EX = "http://example.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

SCHEMA = f"""<{EX}hasShape> <{RDFS}subPropertyOf> <{GEO}hasDefaultGeometry> .
<{EX}Parcel> <{RDFS}subClassOf> <{GEO}Feature> .
<{EX}owner> <{RDFS}domain> <{EX}Parcel> .
<{EX}owner> <{RDFS}range> <{EX}Person> .
"""


def _data(first: int, last: int) -> str:
    lines = []
    for i in range(first, last):
        lines += [f"<{EX}f{i}> <{EX}hasShape> <{EX}g{i}> .",
                  f"<{EX}f{i}> <{EX}owner> <{EX}person{i % 3}> .",
                  f"<{EX}g{i}> <{TYPE}> <{SF}Polygon> .",
                  f'<{EX}g{i}> <{GEO}asWKT> "POLYGON(({i} 0, {i + 1} 0, {i + 1} 1, {i} 0))"^^<{GEO}wktLiteral> .']
    lines.append(f'<{EX}line> <{GEO}asWKT> "LINESTRING(0 0, 1 1, 1 0, 0 1)"^^<{GEO}wktLiteral> .')
    return "\n".join(lines) + "\n"


def _entailed(store: GeoStore) -> set[str]:
    graph = ox.NamedNode(entailment.GRAPH)
    return {str(q.triple) for q in store.store.quads_for_pattern(None, None, None, graph)}


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_incremental_loads_and_deletions_match_a_full_recompute(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 7)  # several chunks per file
    monkeypatch.setattr(loading, "PART_QUADS", 10)  # several staging files, bulk-loaded one by one
    store = GeoStore(tmp_path / "inc")
    store.load(_write(tmp_path, "schema.nt", SCHEMA))  # a schema change: full recompute
    store.load(_write(tmp_path, "a.nt", _data(0, 10)))
    store.load(_write(tmp_path, "b.nt", _data(10, 20)))
    store.update(f"DELETE DATA {{ <{EX}f3> <{EX}owner> <{EX}person0> . <{EX}g4> <{GEO}asWKT> "
                 f'"POLYGON((4 0, 5 0, 5 1, 4 0))"^^<{GEO}wktLiteral> }}')
    store.update(f"INSERT DATA {{ <{EX}f99> <{EX}owner> <{EX}person7> }}")
    incremental = _entailed(store)
    store.refresh()  # the full recompute: CONSTRUCT rules to a fixpoint over the whole store
    assert incremental == _entailed(store)
    # spot checks against the rules themselves
    assert f"<{EX}f1> <{TYPE}> <{GEO}Feature>" in incremental  # domain of hasDefaultGeometry (via subproperty)
    assert f"<{EX}f1> <{TYPE}> <{GEO}SpatialObject>" not in incremental  # a Feature: answered at query time
    assert store.query(f"ASK {{ <{EX}f1> a <{GEO}SpatialObject> }}")
    assert f"<{EX}person7> <{TYPE}> <{EX}Person>" in incremental  # range
    assert f"<{EX}f99> <{TYPE}> <{GEO}Feature>" in incremental  # domain Parcel, subclass of Feature
    assert f"<{EX}f3> <{TYPE}> <{EX}Parcel>" not in incremental  # its only owner triple was deleted
    # geometry properties: computed at query time from the literals that remain (none stored)
    assert not any(f"<{GEO}dimension>" in t or f"<{GEO}isSimple>" in t for t in incremental)
    assert not store.query(f"ASK {{ <{EX}g4> <{GEO}dimension> ?d }}")  # its only literal was deleted
    assert store.query(f"ASK {{ <{EX}g5> <{GEO}dimension> 2 }}")
    assert store.query(f"ASK {{ <{EX}line> <{GEO}isSimple> false }}")  # the line crosses itself


def test_reloading_known_triples_adds_nothing(tmp_path):
    data = _write(tmp_path, "a.nt", SCHEMA + _data(0, 30))
    store = GeoStore(tmp_path / "s")
    added = store.load(data)
    assert added == len((SCHEMA + _data(0, 30)).strip().split("\n"))
    before = len(store)
    assert store.load(data) == 0
    assert len(store) == before


def test_a_load_failing_half_way_is_undone(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 5)
    store = GeoStore(tmp_path / "s")
    store.load(_write(tmp_path, "a.nt", _data(0, 3)))
    before = {str(q) for q in store.store}
    broken = _write(tmp_path, "b.nt", _data(3, 10) + "<http://example.org/x> <broken\n")
    with pytest.raises(BadInputError, match="line 30.*nothing of this file was loaded"):
        store.load(broken)
    assert {str(q) for q in store.store} == before  # chunks parsed before the error were never written
    assert not any((tmp_path / "s" / name).exists() for name in (loading.STAGING, loading.MARKER, loading.CHECKPOINT))


def _points(first: int, last: int) -> str:
    return "".join(f'<{EX}p{i}> <{GEO}asWKT> "POINT({i} {i % 7})"^^<{GEO}wktLiteral> .\n' for i in range(first, last))


def _inside(store: GeoStore) -> list[str]:
    query = (f"SELECT ?p WHERE {{ ?p <{GEO}asWKT> ?w FILTER(<http://www.opengis.net/def/function/geosparql/"
             f'sfWithin>(?w, "POLYGON((-0.5 -0.5, 30.5 -0.5, 30.5 3.5, -0.5 3.5, -0.5 -0.5))"^^<{GEO}wktLiteral>)) }}')
    body, _ = store.query_serialized(query, "csv")
    return sorted(body.decode().split()[1:])


def test_the_spatial_index_follows_changes_in_and_across_processes(tmp_path):
    def truth(ids):  # points (i, i mod 7) inside x <= 30, y <= 3
        return sorted(f"{EX}p{i}" for i in ids if i <= 30 and i % 7 <= 3)

    folder = tmp_path / "s"
    with GeoStore(folder) as store:
        store.load(_write(tmp_path, "a.nt", _points(0, 20)))
        assert _inside(store) == truth(range(20))  # built and saved
    with GeoStore(folder) as store:
        store.load(_write(tmp_path, "b.nt", _points(20, 40)))  # index not loaded here: the saved delta grows
    with GeoStore(folder) as store:
        assert _inside(store) == truth(range(40))  # main cache + delta
        assert store.index.builds == 0  # read from the caches, not rebuilt
        store.load(_write(tmp_path, "c.nt", _points(40, 50) + f'<{EX}p25> <{GEO}asWKT> "POINT(2 2)"^^<{GEO}wktLiteral> .\n'))
        assert f"{EX}p25" in _inside(store)  # a second geometry of p25, added to the loaded index
        store.update(f'DELETE DATA {{ <{EX}p3> <{GEO}asWKT> "POINT(3 3)"^^<{GEO}wktLiteral> }}')
        assert _inside(store) == sorted({*truth(range(50)), f"{EX}p25"} - {f"{EX}p3"})
        assert store.index.builds == 0


def test_blank_nodes_of_two_loads_stay_apart_and_entail_correctly(tmp_path):
    store = GeoStore()
    store.load(_write(tmp_path, "a.nt", f"_:b1 <{GEO}hasGeometry> <{EX}g1> .\n"))
    store.load(_write(tmp_path, "b.nt", f"_:b1 <{GEO}hasGeometry> <{EX}g2> .\n"))
    features = list(store.query(f"SELECT ?f WHERE {{ ?f a <{GEO}Feature> }}"))
    assert len(features) == 2  # two files' _:b1 are two nodes, each a Feature (domain of hasGeometry)
    store.update(f"INSERT DATA {{ _:x <{GEO}hasDefaultGeometry> <{EX}g3> }}")
    features = list(store.query(f"SELECT ?f WHERE {{ ?f a <{GEO}Feature> }}"))
    assert len(features) == 3
