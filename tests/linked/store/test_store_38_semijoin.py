"""Spatial joins planned from their selective sides (semijoin.py) give exactly the pairs the geometry
says, follow changes of the data, and leave other shapes to the other plans."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ai4c.linked.geo.geometry import Geo
from ai4c.linked.store import GeoStore, bulk, semijoin
from ai4c.linked.store.rewrite import rewrite

PREFIXES = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX ex: <http://example.org/>
"""
EX = "http://example.org/"


def _join(relation: str, left: str, right: str, key_left: str, key_right: str) -> str:
    """Geographica's join shape: two tagged feature kinds, one filter between their geometries."""
    return PREFIXES + f"""SELECT ?s1 ?s2 WHERE {{
  ?s1 ex:{left}Geometry ?g1 . ?g1 ex:{left}WKT ?w1 . ?s1 ex:hasTag ?t1 . ?t1 ex:key "{key_left}" .
  ?s2 ex:{right}Geometry ?g2 . ?g2 ex:{right}WKT ?w2 . ?s2 ex:hasTag ?t2 . ?t2 ex:key "{key_right}" .
  FILTER(geof:{relation}(?w1, ?w2)) }}"""


@pytest.fixture()
def store(tmp_path):
    """A 4x4 grid of unit cells and 200 points; every feature tagged "all", every 8th cell and every
    16th point also "rare"."""
    rng = np.random.default_rng(5)
    xy = np.round(rng.uniform(0.05, 3.95, size=(200, 2)), 5)
    xy[np.isclose(xy % 1, 0)] += 0.01  # no point on a cell edge
    lines = []
    for i, (x, y) in enumerate(xy):
        lines += [f"ex:p{i} ex:pointGeometry ex:pg{i} .",
                  f'ex:pg{i} ex:pointWKT "POINT({x} {y})"^^geo:wktLiteral .', f"ex:p{i} ex:hasTag ex:all ."]
        lines += [f"ex:p{i} ex:hasTag ex:rare ."] if i % 16 == 0 else []
    for cx in range(4):
        for cy in range(4):
            wkt = f"POLYGON(({cx} {cy}, {cx + 1} {cy}, {cx + 1} {cy + 1}, {cx} {cy + 1}, {cx} {cy}))"
            lines += [f"ex:c{cx}{cy} ex:cellGeometry ex:cg{cx}{cy} .", f"ex:c{cx}{cy} ex:hasTag ex:all .",
                      f'ex:cg{cx}{cy} ex:cellWKT "{wkt}"^^geo:wktLiteral .']
            lines += [f"ex:c{cx}{cy} ex:hasTag ex:rare ."] if (4 * cx + cy) % 8 == 0 else []
    lines += ['ex:all ex:key "all" .', 'ex:rare ex:key "rare" .']
    path = tmp_path / "data.ttl"
    path.write_text(PREFIXES.replace("PREFIX ", "@prefix ").replace(">\n", "> .\n") + "\n".join(lines) + "\n")
    geo_store = GeoStore(tmp_path / "store")
    geo_store.load(path)
    geo_store.xy = xy
    return geo_store


def _pairs(store: GeoStore, query: str) -> set[tuple[str, str]]:
    body, _ = store.query_serialized(query, "tsv")
    return {tuple(t[1:-1].removeprefix(EX) for t in line.split("\t")) for line in body.decode().splitlines()[1:]}


def _unplanned(store: GeoStore, query: str) -> set[tuple[str, str]]:
    """The pairs as pyoxigraph finds them calling the function on every row (no index, no plan)."""
    return {(r["s1"].value.removeprefix(EX), r["s2"].value.removeprefix(EX)) for r in store.query_resolved(query)}


def _rare(kind: str) -> set[str]:
    if kind == "p":
        return {f"p{i}" for i in range(200) if i % 16 == 0}
    return {f"c{cx}{cy}" for cx in range(4) for cy in range(4) if (4 * cx + cy) % 8 == 0}


def _cells() -> set[str]:
    return {f"c{cx}{cy}" for cx in range(4) for cy in range(4)}


def _cell_of(store: GeoStore, i: int) -> str:
    x, y = store.xy[i]
    return f"c{int(x)}{int(y)}"


def _touching(a: str, b: str) -> bool:
    """Unit cells touch when they share an edge or a corner (not themselves)."""
    return max(abs(int(a[1]) - int(b[1])), abs(int(a[2]) - int(b[2]))) == 1


def test_rare_points_within_all_cells(store):
    query = _join("sfWithin", "point", "cell", "rare", "all")
    assert semijoin.plan(rewrite(query), store.index, _fetch(store)) is not None  # this plan takes it
    truth = {(p, _cell_of(store, int(p[1:]))) for p in _rare("p")}
    assert _pairs(store, query) == truth
    assert _unplanned(store, query) == truth


def test_touching_cells_from_the_rare_side(store):
    query = _join("sfTouches", "cell", "cell", "all", "rare")
    truth = {(a, b) for a in _cells() for b in _rare("c") if _touching(a, b)}
    assert len(truth) >= 5
    assert semijoin.plan(rewrite(query), store.index, _fetch(store)) is not None
    assert _pairs(store, query) == truth == _unplanned(store, query)


def test_intersecting_cells_include_themselves(store):
    query = _join("sfIntersects", "cell", "cell", "rare", "all")
    truth = {(a, b) for a in _rare("c") for b in _cells() if a == b or _touching(a, b)}
    assert semijoin.plan(rewrite(query), store.index, _fetch(store)) is not None
    assert _pairs(store, query) == truth == _unplanned(store, query)


@pytest.mark.parametrize("comparisons", [semijoin.FILTER_COMPARISONS, 0])  # FILTER IN, VALUES table
def test_rare_points_in_a_polygon_from_the_rare_side(store, monkeypatch, comparisons):
    monkeypatch.setattr(semijoin, "FILTER_COMPARISONS", comparisons)
    query = PREFIXES + """SELECT ?s1 WHERE { ?s1 ex:pointGeometry ?g1 . ?g1 ex:pointWKT ?w1 .
      ?s1 ex:hasTag ?t1 . ?t1 ex:key "rare" .
      FILTER(geof:sfWithin(?w1, "POLYGON((0 0, 2.5 0, 2.5 2.5, 0 2.5, 0 0))"^^geo:wktLiteral)) }"""
    planned = semijoin.plan(rewrite(query), store.index, _fetch(store))
    assert planned is not None and (" IN (" in planned) == (comparisons > 0)
    truth = {p for p in _rare("p") if max(store.xy[int(p[1:])]) < 2.5}
    assert len(truth) >= 3
    body, _ = store.query_serialized(query, "tsv")
    assert {line[1:-1].removeprefix(EX) for line in body.decode().splitlines()[1:]} == truth
    assert {r["s1"].value.removeprefix(EX) for r in store.query(query)} == truth


def test_a_new_tag_is_seen_by_the_remembered_plan(store):
    query = _join("sfWithin", "point", "cell", "rare", "all")
    truth = {(p, _cell_of(store, int(p[1:]))) for p in _rare("p")}
    assert _pairs(store, query) == truth
    store.update(f"INSERT DATA {{ <{EX}p3> <{EX}hasTag> <{EX}rare> }}")
    assert _pairs(store, query) == truth | {("p3", _cell_of(store, 3))}


def test_the_index_remembers_selections_and_subject_maps_until_it_changes(store):
    by_subject = store.index.entries_by_subject(f"{EX}pointWKT")
    assert sorted(by_subject) == sorted(f"<{EX}pg{i}>" for i in range(200))
    for i in (0, 17, 199):
        (entry,) = by_subject[f"<{EX}pg{i}>"]
        assert f"POINT({store.xy[i][0]} {store.xy[i][1]})" in store.index.data().literals[entry]
    square = Geo(shapely.box(0, 0, 1, 1))
    hits = store.index.select("sfWithin", square, f"{EX}pointWKT", True)
    assert not hits.flags.writeable  # shared by the plans
    inside = {f"<{EX}pg{i}>" for i, (x, y) in enumerate(store.xy) if x < 1 and y < 1}
    assert set(store.index.data().subject_array[hits]) == inside
    store.update(f'INSERT DATA {{ <{EX}pg900> <{EX}pointWKT> "POINT(0.5 0.5)"^^<http://www.opengis.net/ont/geosparql#wktLiteral> }}')
    hits = store.index.select("sfWithin", square, f"{EX}pointWKT", True)
    assert set(store.index.data().subject_array[hits]) == inside | {f"<{EX}pg900>"}
    assert f"<{EX}pg900>" in store.index.entries_by_subject(f"{EX}pointWKT")


def test_sides_without_restriction_or_linked_sides_are_left_to_the_other_plans(store, monkeypatch):
    linked = _join("sfWithin", "point", "cell", "rare", "all").replace("?s2 ex:hasTag ?t2", "?s2 ex:hasTag ?t1")
    assert semijoin.plan(rewrite(linked), store.index, _fetch(store)) is None
    selection = PREFIXES + """SELECT ?s1 WHERE { ?s1 ex:pointGeometry ?g1 . ?g1 ex:pointWKT ?w1 .
      FILTER(geof:sfWithin(?w1, "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"^^geo:wktLiteral)) }"""
    assert semijoin.plan(rewrite(selection), store.index, _fetch(store)) is None
    monkeypatch.setattr(semijoin, "SIDE_MAX", 1)  # every side allows more: no restriction
    query = _join("sfWithin", "point", "cell", "rare", "all")
    assert semijoin.plan(rewrite(query), store.index, _fetch(store)) is None
    store._prepared.clear()
    assert _pairs(store, query) == {(p, _cell_of(store, int(p[1:]))) for p in _rare("p")}


def _fetch(store: GeoStore):
    return bulk.tsv_fetcher(store.store, store.dataset)


def test_a_selection_every_geometry_passes_drops_its_filter_unless_a_literal_is_not_a_geometry(store):
    query = PREFIXES + """SELECT ?s1 WHERE { ?s1 ex:pointGeometry ?g1 . ?g1 ex:pointWKT ?w1 .
      FILTER(geof:sfWithin(?w1, "POLYGON((-1 -1, 5 -1, 5 5, -1 5, -1 -1))"^^geo:wktLiteral)) }"""
    planned = semijoin.plan(rewrite(query), store.index, _fetch(store))
    assert planned is not None and "FILTER" not in planned
    assert {r["s1"].value.removeprefix(EX) for r in store.query(query)} == {f"p{i}" for i in range(200)}
    store.update(f'INSERT DATA {{ <{EX}p900> <{EX}pointGeometry> <{EX}pg900> . '
                 f'<{EX}pg900> <{EX}pointWKT> "POINT(1 1"^^<http://www.opengis.net/ont/geosparql#wktLiteral> }}')
    planned = semijoin.plan(rewrite(query), store.index, _fetch(store))
    assert planned is None or "FILTER" in planned
    assert {r["s1"].value.removeprefix(EX) for r in store.query(query)} == {f"p{i}" for i in range(200)}
