"""Loads at scale: staged then bulk-written, all or nothing (a write failing half-way and a kill both
leave the old content), blank nodes keep their links to what they derive, FROM picks graphs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ai4c.core.errors import BadInputError
from ai4c.linked.store import GeoStore, entailment, loading

GEO = "http://www.opengis.net/ont/geosparql#"
EX = "http://example.org/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _features(first: int, last: int) -> str:
    return "".join(f"<{EX}f{i}> <{GEO}hasGeometry> <{EX}g{i}> .\n"
                   f'<{EX}g{i}> <{GEO}asWKT> "POINT({i} 1)"^^<{GEO}wktLiteral> .\n' for i in range(first, last))


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def _content(store: GeoStore) -> set[str]:
    return {str(q) for q in store.store}


def _leftovers(folder) -> list[str]:
    return [name for name in (loading.STAGING, loading.MARKER, loading.CHECKPOINT) if (folder / name).exists()]


def test_a_write_failing_half_way_leaves_the_old_content(tmp_path, monkeypatch):
    folder = tmp_path / "s"
    store = GeoStore(folder)
    store.load(_write(tmp_path, "a.nt", _features(0, 5)))
    before = _content(store)
    real_bulk = loading._bulk

    def half_then_fail(target, path, blank_nodes):
        real_bulk(target, path, blank_nodes)  # the data quads are in, their consequences not yet
        raise OSError("disk full")

    monkeypatch.setattr(loading, "_bulk", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        store.load(_write(tmp_path, "b.nt", _features(5, 10)))
    assert _content(store) == before
    assert _leftovers(folder) == []
    monkeypatch.undo()
    assert store.load(_write(tmp_path, "b.nt", _features(5, 10))) == 10  # the store works on


def test_a_new_store_written_in_parts_is_compacted_within_the_load(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 4)
    monkeypatch.setattr(loading, "PART_QUADS", 4)
    compacted = []

    def compact_then_fail(target):
        target.optimize()  # the real compaction, then a failure before the commit point
        compacted.append(len(target))
        raise OSError("disk full")

    monkeypatch.setattr(loading, "_compact", compact_then_fail)
    folder = tmp_path / "s"
    store = GeoStore(folder)
    before = _content(store)
    with pytest.raises(OSError, match="disk full"):
        store.load(_write(tmp_path, "a.nt", _features(0, 10)))
    assert compacted and compacted[0] > 20  # it ran once the 20 data quads and their consequences were in
    assert _content(store) == before and _leftovers(folder) == []
    monkeypatch.undo()
    assert store.load(_write(tmp_path, "a.nt", _features(0, 10))) == 20
    assert {f"<{EX}g{i}>" for i in range(10)} <= {str(q.subject) for q in store.store}


def test_opening_after_a_kill_mid_load_restores_the_checkpoint(tmp_path):
    folder = tmp_path / "s"
    store = GeoStore(folder)
    store.load(_write(tmp_path, "a.nt", _features(0, 5)))
    before = _content(store)
    store.store.backup(str(folder / loading.CHECKPOINT))  # the state a killed load leaves: checkpoint,
    (folder / loading.MARKER).write_text("x")  # marker, and part of the new quads written
    store.store.bulk_load(_features(5, 8).encode(), format=ox.RdfFormat.N_TRIPLES)
    store.close()
    with pytest.raises(Exception, match="interrupted load"):
        GeoStore(folder, read_only=True)
    with GeoStore(folder) as reopened:
        assert _content(reopened) == before
    assert _leftovers(folder) == []


def test_blank_nodes_keep_their_links_to_derived_quads(tmp_path):
    store = GeoStore()
    store.load(_write(tmp_path, "b.nt", f"_:f <{GEO}hasGeometry> _:g .\n"
                                        f'_:g <{GEO}asWKT> "POINT(1 2)"^^<{GEO}wktLiteral> .\n'))
    rows = list(store.query(f"SELECT ?f ?g WHERE {{ ?f a <{GEO}Feature> ; <{GEO}hasGeometry> ?g . "
                            f"?g a <{GEO}Geometry> ; <{GEO}hasSerialization> ?w }}"))
    assert len(rows) == 1
    assert all(isinstance(rows[0][v], ox.BlankNode) for v in ("f", "g"))


def test_consequences_the_same_file_asserts_are_not_entailed_twice(tmp_path):
    store = GeoStore()
    text = _features(0, 3) + f"<{EX}f1> <{TYPE}> <{GEO}Feature> .\n" + \
        f'<{EX}g2> <{GEO}dimension> "0"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    store.load(_write(tmp_path, "a.nt", text))
    graph = ox.NamedNode(entailment.GRAPH)
    assert ox.Quad(ox.NamedNode(f"{EX}f1"), ox.NamedNode(TYPE), ox.NamedNode(f"{GEO}Feature"), graph) not in store.store
    assert ox.Quad(ox.NamedNode(f"{EX}f0"), ox.NamedNode(TYPE), ox.NamedNode(f"{GEO}Feature"), graph) in store.store
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}g2> <{GEO}dimension> ?d }}"
    assert int(next(iter(store.query(count)))["n"].value) == 1


def test_from_picks_the_named_graphs(tmp_path):
    store = GeoStore()
    store.load(_write(tmp_path, "a.nt", _features(0, 2)), graph=f"{EX}one")
    store.load(_write(tmp_path, "b.nt", _features(2, 5)), graph=f"{EX}two")

    def count(dataset: str) -> int:
        query = f"SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?g <{GEO}asWKT> ?w }}"
        return int(next(iter(store.query(query)))["n"].value)

    assert count(f"FROM <{EX}one>") == 2
    assert count(f"FROM <{EX}two>") == 3
    assert count("") == 5


def test_a_load_of_many_chunks_brings_the_index_up_to_date_without_a_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 4)
    monkeypatch.setattr(loading, "PART_QUADS", 4)  # several parts: compacted once
    store = GeoStore(tmp_path / "s")
    builds = store.index.builds
    store.load(_write(tmp_path, "a.nt", _features(0, 10)))
    assert store.index.exists() and len(store.index.data().geoms) == 10 and store.index.builds == builds
    query = (f"SELECT ?g WHERE {{ ?g <{GEO}asWKT> ?w FILTER(<http://www.opengis.net/def/function/geosparql/"
             f'sfWithin>(?w, "POLYGON((2.5 0, 6.5 0, 6.5 2, 2.5 2, 2.5 0))"^^<{GEO}wktLiteral>)) }}')
    body, _ = store.query_serialized(query, "csv")
    assert sorted(body.decode().split()[1:]) == sorted(f"{EX}g{i}" for i in (3, 4, 5, 6))


def test_a_recovery_killed_half_way_completes_at_the_next_opening(tmp_path):
    folder = tmp_path / "s"
    store = GeoStore(folder)
    store.load(_write(tmp_path, "a.nt", _features(0, 5)))
    before = _content(store)
    store.store.backup(str(folder / loading.CHECKPOINT))
    store.close()
    (folder / loading.MARKER).write_text("x")
    (folder / "oxigraph").rename(folder / "oxigraph-interrupted")  # killed after moving the live copy away
    with GeoStore(folder) as reopened:
        assert _content(reopened) == before
    assert _leftovers(folder) == [] and not (folder / "oxigraph-interrupted").exists()


def test_a_triple_repeated_chunks_apart_is_indexed_once(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 3)
    store = GeoStore(tmp_path / "s")
    store.load(_write(tmp_path, "a.nt", _features(0, 4) + _features(0, 2)))
    assert sorted(store.index.data().subjects) == sorted(f"<{EX}g{i}>" for i in range(4))


def _mixed(first: int, last: int) -> str:
    """Features with a class, a name (a literal with spaces and a dot), a geometry and its WKT."""
    return "".join(f"<{EX}f{i}> <{TYPE}> <{EX}Building> .\n<{EX}f{i}> <{EX}name> \"building {i}. A b\" .\n"
                   for i in range(first, last)) + _features(first, last)


@pytest.mark.parametrize("graph", [None, f"{EX}one"])
def test_ntriples_into_a_new_store_go_in_as_they_are_with_what_they_derive(tmp_path, monkeypatch, graph):
    text = _mixed(0, 12) + f"# other spacing\n\n<{EX}f99>\t<{GEO}hasGeometry>   <{EX}g99>\t.\r\n"
    calls = []
    monkeypatch.setattr(loading, "CHUNK", 5)
    monkeypatch.setattr(loading, "stage", lambda *a, **k: calls.append(1))  # the general path is not taken
    direct = GeoStore(tmp_path / "direct")
    assert direct.load(_write(tmp_path, "a.nt", text), graph=graph) == 4 * 12 + 1
    assert calls == []
    monkeypatch.undo()
    general = GeoStore()
    general.load(_write(tmp_path, "a.ttl", text), graph=graph)  # Turtle: parsed quad by quad
    assert _content(direct) == _content(general)
    entailed = {q for q in _content(direct) if entailment.GRAPH in q}
    assert f"<{EX}f3> <{TYPE}> <{GEO}Feature> <{entailment.GRAPH}>" in entailed  # domain of hasGeometry
    assert f"<{EX}g3> <{TYPE}> <{GEO}Geometry> <{entailment.GRAPH}>" in entailed  # range of hasGeometry
    assert f"<{EX}f99> <{TYPE}> <{GEO}Feature> <{entailment.GRAPH}>" in entailed
    assert sorted(direct.index.data().subjects) == sorted(f"<{EX}g{i}>" for i in range(12))
    direct.refresh()  # the full recompute gives the same entailment graph
    assert {q for q in _content(direct) if entailment.GRAPH in q} == entailed


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_syntax_error_the_bulk_loader_finds_leaves_the_new_store_empty(tmp_path, monkeypatch, on_disk):
    monkeypatch.setattr(loading, "CHUNK", 7)
    monkeypatch.setattr(loading, "PART_QUADS", 10)  # the file is bulk-loaded in parts of 14 lines
    folder = tmp_path / "s"
    store = GeoStore(folder if on_disk else None)
    before = _content(store)
    broken = _mixed(0, 50) + f'<{EX}a> <{EX}p> "a \\q" .\n'  # read as S P O, refused by the N-Triples parser
    with pytest.raises(BadInputError, match="malformed N-Triples.*line 201.*nothing of this file was loaded"):
        store.load(_write(tmp_path, "b.nt", broken))
    assert _content(store) == before
    if on_disk:
        assert _leftovers(folder) == []
        store.close()
        with GeoStore(folder) as reopened:
            assert _content(reopened) == before
