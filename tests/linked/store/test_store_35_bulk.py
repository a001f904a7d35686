"""Bulk spatial joins (R-tree pairs hash-joined with the other triple patterns) give exactly the
results of the regular evaluation, in every result format, and other query shapes are left alone."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pyoxigraph as ox
import pytest

from ai4c.linked.store import GeoStore, bulk, semijoin
from ai4c.linked.store.rewrite import rewrite

GEO = "http://www.opengis.net/ont/geosparql#"
PREFIXES = f"""PREFIX geo: <{GEO}>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX ex: <http://example.org/>
"""
JOIN = PREFIXES + """SELECT ?f ?c WHERE {
  ?f ex:hasGeometry ?fg . ?fg geo:asWKT ?fw .
  ?c ex:hasGeometry ?cg . ?cg geo:asWKT ?cw . ?c a ex:Cell .
  FILTER(geof:sfWithin(?fw, ?cw)) }"""


SELECTION = PREFIXES + """SELECT ?f ?n WHERE { ?f ex:hasGeometry ?fg . ?fg geo:asWKT ?fw . ?f ex:name ?n .
  FILTER(geof:sfWithin(?fw, "POLYGON((0 0, 1.5 0, 1.5 1.5, 0 1.5, 0 0))"^^geo:wktLiteral)) }"""


@pytest.fixture(autouse=True)
def bulk_selections(monkeypatch):
    """These tests check the bulk path itself: let it take selections and joins of any size (in use,
    selections with fewer than bulk.BULK_SELECTION_MIN hits go through the planner, joins of at most
    bulk.DIRECT_PAIRS pairs to pyoxigraph as they are: both are faster for them)."""
    monkeypatch.setattr(bulk, "BULK_SELECTION_MIN", 0)
    monkeypatch.setattr(bulk, "DIRECT_PAIRS", 0)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """300 points (with a name, some with a tag) and a 3x3 grid of cells; plus the true cell of each."""
    rng = np.random.default_rng(3)
    xy = rng.uniform(0.01, 2.99, size=(300, 2))
    lines = []
    for i, (x, y) in enumerate(xy):
        lines += [f"ex:p{i} ex:hasGeometry ex:pg{i} .", f'ex:pg{i} geo:asWKT "POINT({x:.5f} {y:.5f})"^^geo:wktLiteral .',
                  f'ex:p{i} ex:name "point \\"{i}\\", n°{i}"@fr .']
        if i % 3 == 0:
            lines.append(f"ex:p{i} ex:tag {i % 2} .")
        lines.append(f'ex:p{i} ex:key ex:k{i % 4} . ex:k{i % 4} ex:value "k{i % 4}"^^<http://www.w3.org/2001/XMLSchema#string> .')
    for cx in range(3):
        for cy in range(3):
            wkt = f"POLYGON(({cx} {cy}, {cx + 1} {cy}, {cx + 1} {cy + 1}, {cx} {cy + 1}, {cx} {cy}))"
            lines += [f"ex:c{cx}{cy} ex:hasGeometry ex:cg{cx}{cy} . ex:c{cx}{cy} a ex:Cell .",
                      f'ex:cg{cx}{cy} geo:asWKT "{wkt}"^^geo:wktLiteral .']
    path = tmp_path_factory.mktemp("bulk") / "data.ttl"
    path.write_text(PREFIXES.replace("PREFIX ", "@prefix ").replace(">\n", "> .\n") + "\n".join(lines) + "\n")
    geo_store = GeoStore()
    geo_store.load(path)
    geo_store.xy = xy
    geo_store.truth = {f"http://example.org/p{i}": f"http://example.org/c{int(x)}{int(y)}" for i, (x, y) in enumerate(xy)}
    return geo_store


@pytest.fixture(autouse=True)
def bulk_joins(store, monkeypatch):
    """These tests check the bulk path: joins are not planned from their selective sides, and each test
    decides the paths anew (a store remembers how it ran a query)."""
    monkeypatch.setattr(semijoin, "plan", lambda *args: None)
    store._prepared.clear()


def _regular(store, query, fmt):
    original = store._bulk
    store._bulk = lambda *args: None
    store._prepared.clear()
    try:
        return store.query_serialized(query, fmt)
    finally:
        store._bulk = original
        store._prepared.clear()


def _rows(body: bytes, fmt: str) -> list:
    if fmt == "xml":
        solutions = ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        names = [v.value for v in solutions.variables]
        return sorted(tuple(str(row[n]) for n in names) for row in solutions)
    if fmt == "json":
        return sorted(json.dumps(b, sort_keys=True) for b in json.loads(body)["results"]["bindings"])
    if fmt == "csv":
        return sorted(map(tuple, csv.reader(io.StringIO(body.decode()))))
    return sorted(body.decode().splitlines())


def test_selective_patterns_are_bulk_and_exact(store):
    fetch = bulk.tsv_fetcher(store.store, store.dataset)
    query = JOIN.replace("SELECT ?f ?c WHERE {", 'SELECT ?f ?c WHERE { ?f ex:key ?k . ?k ex:value "k1" .')
    body = bulk.answer(query, store.index, fetch, "tsv")
    assert body is not None
    pairs = {tuple(t[1:-1] for t in line.split("\t")) for line in body.decode().splitlines()[1:]}
    assert pairs == {(f, c) for f, c in store.truth.items() if int(f.rsplit("p", 1)[1]) % 4 == 1}


def test_bulk_selection_is_exact(store):
    fetch = bulk.tsv_fetcher(store.store, store.dataset)
    body = bulk.answer(SELECTION.replace("?f ?n", "?f"), store.index, fetch, "tsv")
    assert body is not None
    got = {line[1:-1] for line in body.decode().splitlines()[1:]}
    inside = {f"http://example.org/p{i}" for i, (x, y) in enumerate(store.xy) if x < 1.5 and y < 1.5}
    assert got == inside  # ex:name leaves the cells out


def test_bulk_join_is_exact(store):
    fetch = bulk.tsv_fetcher(store.store, store.dataset)
    body = bulk.answer(JOIN, store.index, fetch, "tsv")
    assert body is not None  # this shape is answered in bulk
    pairs = {tuple(t[1:-1] for t in line.split("\t")) for line in body.decode().splitlines()[1:]}
    cells = {c: c for c in store.truth.values()}  # each cell is within itself
    assert pairs == set(store.truth.items()) | set(cells.items())


@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "xml"])
@pytest.mark.parametrize("query", [
    JOIN,
    JOIN.replace("SELECT ?f ?c", "SELECT DISTINCT ?c"),
    JOIN.replace("SELECT ?f ?c WHERE {", "SELECT ?f ?n ?t ?fw WHERE { ?f ex:name ?n . ?f ex:tag ?t ."),
    JOIN.replace("SELECT ?f ?c WHERE {", 'SELECT ?f ?c ?k WHERE { ?f ex:key ?k . ?k ex:value "k1" .'),
    SELECTION,
    SELECTION.replace("geof:sfWithin(?fw, ", "geof:sfContains(").replace('wktLiteral)', 'wktLiteral, ?fw)'),
])
def test_bulk_equals_regular_evaluation(store, query, fmt):
    assert store._bulk(rewrite(query), fmt) is not None  # the fast path really answers this shape
    fast, media = store.query_serialized(query, fmt)
    slow, media_slow = _regular(store, query, fmt)
    assert media == media_slow
    assert _rows(fast, fmt) == _rows(slow, fmt)
    assert len(_rows(fast, fmt)) >= 9


@pytest.mark.parametrize("query", [
    JOIN.replace("SELECT ?f ?c WHERE {", "SELECT ?f ?c WHERE { OPTIONAL { ?f ex:tag ?t }"),
    JOIN.replace("}", "} ORDER BY ?f"),
    JOIN.replace("FILTER(", "FILTER(?f != ex:p1) FILTER("),
    JOIN.replace("?c a ex:Cell .", "?c a undeclared:Cell ."),
])
def test_other_shapes_are_not_bulk(store, query):
    fetch = bulk.tsv_fetcher(store.store, store.dataset)
    assert bulk.answer(query, store.index, fetch, "tsv") is None


def test_small_selections_go_through_the_planner(store, monkeypatch):
    monkeypatch.setattr(bulk, "BULK_SELECTION_MIN", 20_000)
    query = rewrite(SELECTION)
    assert store._bulk(query, "tsv") is None  # a few hits: not the bulk path
    monkeypatch.setattr(bulk, "BULK_SELECTION_MIN", 0)
    via_bulk = store._bulk(query, "tsv")
    monkeypatch.setattr(bulk, "BULK_SELECTION_MIN", 20_000)
    planned, _ = store.query_serialized(SELECTION, "tsv")
    assert sorted(planned.decode().splitlines()[1:]) == sorted(via_bulk.decode().splitlines()[1:])


def test_small_joins_go_to_pyoxigraph_as_they_are(store, monkeypatch):
    monkeypatch.setattr(bulk, "DIRECT_PAIRS", 100_000)  # (300 points + 9 cells) squared
    query = JOIN.replace("SELECT ?f ?c WHERE {", 'SELECT ?f ?c WHERE { ?f ex:key ?k . ?k ex:value "k1" .')
    assert store._bulk(rewrite(query), "tsv") is bulk.DIRECT
    direct, _ = store.query_serialized(query, "tsv")
    pairs = {tuple(t[1:-1] for t in line.split("\t")) for line in direct.decode().splitlines()[1:]}
    assert pairs == {(f, c) for f, c in store.truth.items() if int(f.rsplit("p", 1)[1]) % 4 == 1}
