"""Entailed data answered at query time: the Geometry extension's properties (geo:dimension,
coordinateDimension, spatialDimension, isEmpty, isSimple), geo:SpatialObject membership of features and
geometries, hasSerialization of asWKT/asGML; nothing stored, the same answers for every way a query
writes the triple pattern, stated values win, updates and paths are left alone."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ai4c.linked.store import GeoStore, entailment
from ai4c.linked.store.query_time import rewrite_query_time

TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

GEO = "http://www.opengis.net/ont/geosparql#"
EX = "http://example.org/"
WKT = f"<{GEO}wktLiteral>"
PREFIXES = f"PREFIX geo: <{GEO}> PREFIX ex: <{EX}> "
# (name, WKT, dimension, coordinate dimension, spatial dimension, empty, simple), by the OGC definitions
SHAPES = [("pt", "POINT(1 2)", 0, 2, 2, False, True),
          ("pz", "POINT Z(1 2 3)", 0, 3, 3, False, True),
          ("bow", "LINESTRING(0 0, 1 1, 1 0, 0 1)", 1, 2, 2, False, False),  # crosses itself
          ("sq", "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))", 2, 2, 2, False, True),
          ("none", "POINT EMPTY", 0, 2, 2, True, True)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    text = "".join(f'<{EX}{name}> <{GEO}asWKT> "{wkt}"^^{WKT} .\n<{EX}f_{name}> <{GEO}hasGeometry> <{EX}{name}> .\n'
                   for name, wkt, *_ in SHAPES)
    text += f'<{EX}sq> <{GEO}asGML> "<gml:Polygon xmlns:gml=\\"http://www.opengis.net/gml/3.2\\"><gml:exterior>' \
            f'<gml:LinearRing><gml:posList>0 0 1 0 1 1 0 1 0 0</gml:posList></gml:LinearRing></gml:exterior>' \
            f'</gml:Polygon>"^^<{GEO}gmlLiteral> .\n'  # a second serialisation: still one value
    text += f"<{EX}f_pt> <{TYPE}> <{GEO}SpatialObject> .\n"  # stated too: still one answer
    text += f'<{EX}stated> <{GEO}asWKT> "POINT(0 0)"^^{WKT} .\n<{EX}stated> <{GEO}dimension> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    path = tmp_path_factory.mktemp("data") / "shapes.nt"
    path.write_text(text)
    out = GeoStore()
    out.load(path)
    return out


def _rows(store: GeoStore, body: str) -> list[tuple[str, ...]]:
    results = store.query(PREFIXES + body)
    return sorted(tuple(row[v].value if row[v] is not None else None for v in results.variables) for row in results)


def test_every_property_of_every_shape(store):
    rows = _rows(store, "SELECT ?g ?d ?c ?s ?e ?simple WHERE { ?g geo:dimension ?d ; geo:coordinateDimension ?c ; "
                        "geo:spatialDimension ?s ; geo:isEmpty ?e ; geo:isSimple ?simple . FILTER(?g != ex:stated) }")
    expected = sorted((f"{EX}{n}", str(d), str(c), str(s), str(e).lower(), str(simple).lower())
                      for n, _, d, c, s, e, simple in SHAPES)
    assert rows == expected


def test_nothing_is_stored(store):
    graph = ox.NamedNode(entailment.GRAPH)
    for name in ("dimension", "isSimple"):
        assert not list(store.store.quads_for_pattern(None, ox.NamedNode(GEO + name), None, graph))


@pytest.mark.parametrize("body, expected", [
    ("SELECT ?g WHERE { ?g geo:dimension 1 }", [(f"{EX}bow",)]),
    ("SELECT ?g WHERE { ?g geo:isSimple false }", [(f"{EX}bow",)]),
    ("SELECT ?g WHERE { ?g geo:isEmpty true . }", [(f"{EX}none",)]),
    ("SELECT ?d WHERE { ex:sq geo:dimension ?d }", [("2",)]),  # WKT and GML: one value
    ("SELECT ?f WHERE { ?f geo:hasGeometry ?g . ?g geo:coordinateDimension 3 }", [(f"{EX}f_pz",)]),
    ("SELECT ?f ?d WHERE { ?f geo:hasGeometry ?g . FILTER(?f != ex:f_sq) ?g <http://www.opengis.net/ont/geosparql#"
     "dimension> ?d FILTER(?d > 0) }", [(f"{EX}f_bow", "1")]),
    ("SELECT ?d WHERE { ex:stated geo:dimension ?d }", [("7",)]),  # the data's own value, not 0
    ("SELECT ?g WHERE { ?g geo:dimension ?d ; geo:isSimple true ; } ORDER BY ?g LIMIT 1", [(f"{EX}none",)]),
])
def test_each_way_of_writing_the_pattern(store, body, expected):
    assert _rows(store, body) == expected


def test_ask_and_constant_subjects(store):
    assert store.query(PREFIXES + "ASK { ex:sq geo:dimension 2 ; geo:isEmpty false }")
    assert not store.query(PREFIXES + "ASK { ex:sq geo:dimension 1 }")


@pytest.mark.parametrize("text", [
    PREFIXES + "INSERT DATA { ex:x geo:dimension 2 }",
    PREFIXES + "SELECT ?g WHERE { ?g geo:dimension ?a, ?b }",  # an object list: not followed
    PREFIXES + "SELECT ?g WHERE { ?g geo:asWKT/geo:dimension ?d }",  # a path
    PREFIXES + "SELECT ?g WHERE { ?g geo:asWKT ?w . FILTER(?w != \"geo:dimension 1\") }",
])
def test_what_is_not_rewritten(text):
    assert rewrite_query_time(text) == text


def test_a_construct_template_keeps_its_triples(store):
    body = "CONSTRUCT { ?g geo:dimension ?d } WHERE { ?g geo:dimension ?d . FILTER(?g = ex:sq) }"
    triples = list(store.query(PREFIXES + body))
    assert [(t.subject.value, t.object.value) for t in triples] == [(f"{EX}sq", "2")]


def test_spatial_objects_are_the_features_and_geometries(store):
    features = {f"{EX}f_{n}" for n, *_ in SHAPES}
    geometries = {f"{EX}{n}" for n, *_ in SHAPES} | {f"{EX}stated"}
    rows = _rows(store, "SELECT ?x WHERE { ?x a geo:SpatialObject }")
    assert sorted(rows) == sorted((x,) for x in features | geometries)  # each once
    assert _rows(store, "SELECT ?c WHERE { ex:f_sq a ?c }") == sorted([(f"{GEO}Feature",), (f"{GEO}SpatialObject",)])
    assert _rows(store, "SELECT ?c WHERE { ex:f_pt a ?c }") == sorted([(f"{GEO}Feature",), (f"{GEO}SpatialObject",)])
    graph = ox.NamedNode(entailment.GRAPH)
    assert not list(store.store.quads_for_pattern(None, ox.NamedNode(TYPE), ox.NamedNode(GEO + "SpatialObject"), graph))


def test_serialisations_are_has_serialization(store):
    rows = _rows(store, "SELECT ?w WHERE { ex:sq geo:hasSerialization ?w }")
    assert [r[0][:8] for r in rows] == ["<gml:Pol", "POLYGON("]  # the GML and the WKT, each once
    assert len(_rows(store, "SELECT ?g ?w WHERE { ?g geo:hasSerialization ?w }")) == len(SHAPES) + 2


def test_without_entailment_nothing_is_derived(tmp_path):
    path = tmp_path / "a.nt"
    path.write_text(f'<{EX}f> <{GEO}hasGeometry> <{EX}g> .\n<{EX}g> <{GEO}asWKT> "POINT(1 2)"^^{WKT} .\n')
    plain = GeoStore(entail=False)
    plain.load(path)
    for body in ("SELECT ?x WHERE { ?x a geo:SpatialObject }", "SELECT ?d WHERE { ex:g geo:dimension ?d }",
                 "SELECT ?w WHERE { ex:g geo:hasSerialization ?w }"):
        assert _rows(plain, body) == []
