"""GeoStore: loading (atomic, with positions in errors), spatial planning equals plain evaluation,
the index follows updates, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.core.errors import BadInputError
from ai4c.linked.geo.geometry import UnknownCrsError
from ai4c.linked.store import GeoStore

GEO = "http://www.opengis.net/ont/geosparql#"
PREFIXES = f"""PREFIX geo: <{GEO}>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX ex: <http://example.org/>
"""


def write_grid(path, n_points: int = 400, seed: int = 1) -> dict:
    """Random points and a 4x4 grid of square polygons; returns the true point -> cell map."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.05, 3.95, size=(n_points, 2))
    lines = []
    for i, (x, y) in enumerate(xy):
        lines.append(f'<http://example.org/p{i}> <{GEO}asWKT> "POINT({x:.6f} {y:.6f})"^^<{GEO}wktLiteral> .')
    for cx in range(4):
        for cy in range(4):
            wkt = f"POLYGON(({cx} {cy}, {cx + 1} {cy}, {cx + 1} {cy + 1}, {cx} {cy + 1}, {cx} {cy}))"
            lines.append(f'<http://example.org/c{cx}{cy}> <{GEO}asWKT> "{wkt}"^^<{GEO}wktLiteral> .')
    path.write_text("\n".join(lines) + "\n")
    return {f"http://example.org/p{i}": f"http://example.org/c{int(x)}{int(y)}" for i, (x, y) in enumerate(xy)}


JOIN = PREFIXES + """SELECT ?p ?c WHERE { ?p geo:asWKT ?pw . ?c geo:asWKT ?cw .
  FILTER(STRSTARTS(STR(?p), "http://example.org/p") && STRSTARTS(STR(?c), "http://example.org/c"))
  FILTER(geof:sfWithin(?pw, ?cw)) }"""


def test_spatial_join_is_planned_and_exact(tmp_path):
    truth = write_grid(tmp_path / "grid.nt")
    store = GeoStore(tmp_path / "store")
    store.load(tmp_path / "grid.nt")
    planned = store.prepare(JOIN)
    assert "VALUES" in planned and "sfWithin" not in planned.split("WHERE", 1)[1]
    got = {row["p"].value: row["c"].value for row in store.query(JOIN)}
    assert got == truth


def test_selection_matches_unplanned(tmp_path):
    truth = write_grid(tmp_path / "grid.nt")
    store = GeoStore()
    store.load(tmp_path / "grid.nt")
    query = PREFIXES + """SELECT ?p WHERE { ?p geo:asWKT ?w . FILTER(STRSTARTS(STR(?p), "http://example.org/p"))
      FILTER(geof:sfWithin(?w, "POLYGON((1 1, 2 1, 2 2, 1 2, 1 1))"^^geo:wktLiteral)) }"""
    assert "VALUES" in store.prepare(query)
    got = {row["p"].value for row in store.query(query)}
    assert got == {p for p, c in truth.items() if c == "http://example.org/c11"}


def test_selection_between_two_patterns_without_dots(tmp_path):
    """A planned FILTER standing between two triple patterns with no `.` around it (legal SPARQL) keeps them
    apart once it is taken out (the federation sends such queries)."""
    truth = write_grid(tmp_path / "grid.nt")
    store = GeoStore()
    store.load(tmp_path / "grid.nt")
    cells = "\n".join(f"<{p}> <http://example.org/in> <{c}> ." for p, c in truth.items())
    store.update(f"INSERT DATA {{ {cells} }}")
    query = PREFIXES + """SELECT ?p ?c WHERE { ?p geo:asWKT ?w
      FILTER(geof:sfWithin(?w, "POLYGON((1 1, 2 1, 2 2, 1 2, 1 1))"^^geo:wktLiteral)) ?p ex:in ?c }"""
    got = {(row["p"].value, row["c"].value) for row in store.query(query)}
    assert got == {(p, c) for p, c in truth.items() if c == "http://example.org/c11"} and got


def test_index_follows_updates(tmp_path):
    store = GeoStore()
    query = PREFIXES + """SELECT ?f WHERE { ?f geo:asWKT ?w .
      FILTER(geof:sfIntersects(?w, "POLYGON((0 0, 5 0, 5 5, 0 5, 0 0))"^^geo:wktLiteral)) }"""
    assert list(store.query(query)) == []
    store.update(PREFIXES + 'INSERT DATA { ex:a geo:asWKT "POINT(1 1)"^^geo:wktLiteral }')
    assert [r["f"].value for r in store.query(query)] == ["http://example.org/a"]
    store.update(PREFIXES + 'DELETE DATA { ex:a geo:asWKT "POINT(1 1)"^^geo:wktLiteral }')
    assert list(store.query(query)) == []


def test_malformed_rdf_names_line_and_loads_nothing(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:c ex:p "unterminated .\n')
    store = GeoStore()
    with pytest.raises(BadInputError, match=r"line 3"):
        store.load(bad)
    assert list(store.query("SELECT * WHERE { ?s <http://example.org/p> ?o }")) == []


def test_invalid_wkt_row_unbound_unknown_crs_error(tmp_path):
    data = tmp_path / "mixed.nt"
    data.write_text(f'<http://example.org/a> <{GEO}asWKT> "POINT(1 1)"^^<{GEO}wktLiteral> .\n'
                    f'<http://example.org/b> <{GEO}asWKT> "POINT(1"^^<{GEO}wktLiteral> .\n')
    store = GeoStore()
    store.load(data)
    rows = list(store.query(PREFIXES + """SELECT ?f ?inside WHERE { ?f geo:asWKT ?w
      BIND(geof:sfWithin(?w, "POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))"^^geo:wktLiteral) AS ?inside) } ORDER BY ?f"""))
    assert [(r["f"].value, r["inside"] and r["inside"].value) for r in rows] == [
        ("http://example.org/a", "true"), ("http://example.org/b", None)]
    with pytest.raises(UnknownCrsError, match="unknown CRS"):
        store.query_serialized(PREFIXES + """SELECT (geof:sfWithin("<http://example.org/nocrs> POINT(1 1)"^^geo:wktLiteral,
          "POINT(1 1)"^^geo:wktLiteral) AS ?x) WHERE {}""")


def test_valid_time_quads(tmp_path):
    data = tmp_path / "periods.nq"
    period = "http://strdf.di.uoa.gr/ontology#period"
    data.write_text(f'<http://example.org/s> <http://example.org/v> "1" "[2020-01-01T00:00:00,2020-02-01T00:00:00)"^^<{period}> .\n'
                    f'<http://example.org/s> <http://example.org/v> "2" "[2021-01-01T00:00:00,2021-02-01T00:00:00)"^^<{period}> .\n')
    store = GeoStore()
    assert store.load(data) == 4  # two triples and two valid-time statements
    rows = list(store.query("""PREFIX strdf: <http://strdf.di.uoa.gr/ontology#>
      SELECT ?v WHERE { GRAPH ?g { ?s <http://example.org/v> ?v } ?g strdf:hasValidTime ?t
      FILTER(strdf:during(?t, "[2019-12-01T00:00:00,2020-12-01T00:00:00)"^^strdf:period)) }"""))
    assert [r["v"].value for r in rows] == ["1"]


def test_close_releases_the_folder(tmp_path):
    with GeoStore(tmp_path / "s") as store:
        store.update('INSERT DATA { <http://example.org/a> <http://example.org/p> "1" }')
    with GeoStore(tmp_path / "s", entail=False) as again:  # RocksDB's lock is free again
        assert [str(r["o"]) for r in again.query("SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }")] == ['"1"']


def test_query_timeout_is_honoured_by_the_python_api():
    from ai4c.linked.store import QueryTimeoutError

    store = GeoStore()
    store.update("INSERT DATA { " + " ".join(
        f'<http://example.org/g{i}> <{GEO}asWKT> "POINT({i} {i})"^^<{GEO}wktLiteral> .' for i in range(50)) + " }")
    query = (f"SELECT ?a ?b WHERE {{ ?a <{GEO}asWKT> ?x . ?b <{GEO}asWKT> ?y "
             "FILTER(<http://www.opengis.net/def/function/geosparql/distance>(?x, ?y, "
             "<http://www.opengis.net/def/uom/OGC/1.0/metre>) > 0) }")
    with pytest.raises(QueryTimeoutError):
        list(store.query(query, timeout=1e-9))  # the deadline has passed before the first row
    rows = list(store.query(query, timeout=600))  # a generous limit changes nothing
    assert len(rows) == 50 * 49
