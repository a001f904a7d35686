"""Loads never abort on a geometry literal the store cannot parse: a corpus of malformed literals of every
serialisation is stored as is, counted and named in warnings, and queries treat each as an invalid geometry."""

from __future__ import annotations

import json

import pytest

from ai4c.core.log import collect_warnings
from ai4c.linked.store import GeoStore
from ai4c.linked.store.changes import WARN_LIMIT

GEO = "http://www.opengis.net/ont/geosparql#"
GEOF = "http://www.opengis.net/def/function/geosparql/"
STRDF = "http://strdf.di.uoa.gr/ontology#"
QUAD = "https://ai4c.eu/ns/dggs#lonLatQuadLiteral"  # the store's declared DGGS (LonLatQuad)
GML = 'xmlns:gml="http://www.opengis.net/gml/3.2"'
KML = 'xmlns="http://www.opengis.net/kml/2.2"'
# (datatype, lexical form) pairs that are not geometries, one or more per way a literal goes wrong
MALFORMED = [
    (GEO + "wktLiteral", "POINT(1"),  # unbalanced parenthesis
    (GEO + "wktLiteral", "PIONT(1 1)"),  # misspelt type
    (GEO + "wktLiteral", "POINT(1 x)"),  # not a number
    (GEO + "wktLiteral", "LINESTRING(1 1)"),  # a line of one point
    (GEO + "wktLiteral", "<http://example.org/no-such-crs> POINT(1 1)"),  # unknown CRS IRI
    (GEO + "gmlLiteral", f"<gml:Point {GML}><gml:pos>1 x</gml:pos></gml:Point>"),
    (GEO + "gmlLiteral", f"<gml:Blob {GML}><gml:pos>1 1</gml:pos></gml:Blob>"),  # a GML type we do not know
    (GEO + "gmlLiteral", f"<gml:Point {GML}><gml:pos>1 1</gml:pos>"),  # not well-formed XML
    (GEO + "gmlLiteral", f'<gml:Point {GML} srsName="urn:example:crs"><gml:pos>1 1</gml:pos></gml:Point>'),
    (GEO + "geoJSONLiteral", '{"type": "Point", "coordinates": [1]}'),
    (GEO + "geoJSONLiteral", "not JSON at all"),
    (GEO + "geoJSONLiteral", '{"type": "Blob", "coordinates": [1, 1]}'),
    (GEO + "kmlLiteral", f"<Point {KML}/>"),  # the empty KML point that used to end a load
    (GEO + "kmlLiteral", f"<Polygon {KML}/>"),
    (GEO + "kmlLiteral", f"<Point {KML}><coordinates>a,b</coordinates></Point>"),
    (GEO + "kmlLiteral", f"<Blob {KML}><coordinates>1,1</coordinates></Blob>"),
    (STRDF + "WKT", "POINT(1 1;http://example.org/no-such-crs"),
    (STRDF + "WKT", "LINESTRING(1 1, 2);http://www.opengis.net/def/crs/EPSG/0/4326"),
    (GEO + "dggsLiteral", "<http://example.org/no-such-dggs> CELLLIST (E2)"),  # unknown DGGS
    (GEO + "dggsLiteral", "CELLLIST (E2)"),  # the generic datatype names no DGGS
    (QUAD, "CELLLIST (E9)"),  # a cell id outside the grid
    (QUAD, "CELLLIST E2"),  # no parentheses
]
SQUARE = '"POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"^^<' + GEO + "wktLiteral>"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@pytest.fixture()
def corpus(tmp_path):
    lines = [f'<http://example.org/good> <{GEO}asWKT> "POINT(5 5)"^^<{GEO}wktLiteral> .']
    lines += [f'<http://example.org/bad{i}> <{GEO}hasSerialization> "{_escape(value)}"^^<{datatype}> .'
              for i, (datatype, value) in enumerate(MALFORMED)]
    path = tmp_path / "corpus.nt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_load_keeps_every_malformed_literal_and_names_it(corpus, tmp_path):
    store = GeoStore(tmp_path / "store")
    with collect_warnings() as warnings:
        added = store.load(corpus)
    said = "\n".join(warnings)
    assert added == len(MALFORMED) + 1 + 0  # every triple stored as it is
    unparsed = store.last_change.unparsed
    assert sorted(s for s, _ in unparsed) == sorted(f"<http://example.org/bad{i}>" for i in range(len(MALFORMED)))
    named = [i for i in range(len(MALFORMED)) if f"geometry of <http://example.org/bad{i}> not parsed" in said]
    assert len(named) == min(len(MALFORMED), WARN_LIMIT)  # beyond the limit they are counted, not named
    reasons = "\n".join(reason for _, reason in unparsed)  # what each warning says (the first ones are named)
    assert "unknown CRS 'http://example.org/no-such-crs'" in reasons
    assert "unknown DGGS <http://example.org/no-such-dggs>" in reasons and "bad cell id 'E9'" in reasons
    stored = {q.object.value for q in store.store.quads_for_pattern(None, None, None, None)
              if q.subject.value.startswith("http://example.org/bad") and hasattr(q.object, "datatype")}
    assert stored == {value for _, value in MALFORMED}


def test_queries_treat_malformed_literals_as_invalid_geometries(corpus):
    store = GeoStore()
    store.load(corpus)
    query = (f"SELECT ?f ?inside ?dim WHERE {{ ?f ?p ?w FILTER(isLiteral(?w)) FILTER(STRSTARTS(STR(?f), 'http://example.org/')) "
             f"BIND(<{GEOF}sfWithin>(?w, {SQUARE}) AS ?inside) BIND(<{GEOF}dimension>(?w) AS ?dim) }}")
    body, _ = store.query_serialized(query, "json")  # no error for the whole query
    rows = {b["f"]["value"]: b for b in json.loads(body)["results"]["bindings"]}
    assert rows["http://example.org/good"]["inside"]["value"] == "true"
    assert rows["http://example.org/good"]["dim"]["value"] == "0"
    bad = [v for k, v in rows.items() if k != "http://example.org/good"]
    assert len(bad) == len(MALFORMED)
    assert all("inside" not in b and "dim" not in b for b in bad)
    # the spatial index (planned selection) holds only the parsed geometry
    hits = list(store.query(f"SELECT DISTINCT ?f WHERE {{ ?f ?p ?w FILTER(<{GEOF}sfIntersects>(?w, {SQUARE})) }}"))
    assert [r["f"].value for r in hits] == ["http://example.org/good"]


def test_the_load_command_summarises_unparsed_literals(corpus, tmp_path, run_cli):
    code, _, err = run_cli("store", "load", "--store", tmp_path / "s", corpus)
    assert code == 0, err
    assert f"{len(MALFORMED)} geometry literal(s) not parsed" in err
