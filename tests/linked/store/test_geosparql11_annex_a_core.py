"""OGC GeoSPARQL 1.1 (22-047r1) Annex A.1, conformance class Core (/conf/core): one test per requirement
(Req 1-7), expected answers derived by hand from the standard's text (class and property definitions:
Feature and Geometry are SpatialObjects, the collections are rdfs:Containers, hasSize/hasMetricSize have
domain SpatialObject, hasCentroid/hasBoundingBox are sub-properties of hasGeometry)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from tests.linked.store.annex_a import EX, PREFIXES, features_turtle, names, store_with

from ai4c.services.sparql import create_app


@pytest.fixture(scope="module")
def store():
    return store_with(features_turtle() + """
ex:places a geo:FeatureCollection ; rdfs:member ex:A, ex:B .
ex:A geo:hasArea ex:areaOfA ; geo:hasMetricArea "16.0"^^xsd:double ;
     geo:hasPerimeterLength ex:perimeterOfA ; geo:hasMetricPerimeterLength "16.0"^^xsd:double ;
     geo:hasCentroid ex:ACentre ; geo:hasBoundingBox ex:ABox .
ex:L geo:hasLength ex:lengthOfL ; geo:hasMetricLength "6.0"^^xsd:double .
ex:block geo:hasVolume ex:volumeOfBlock ; geo:hasMetricVolume "8.0"^^xsd:double .
ex:ACentre geo:asWKT "POINT(2 2)"^^geo:wktLiteral .
""")


FEATURES = {"A", "B", "C", "D", "E", "F", "G", "L"}
GEOMETRIES = {f"{x}Geom" for x in FEATURES} | {"ACentre", "ABox"}


def test_req_01_sparql_protocol_query_language_and_result_formats(store):
    """Req 1: SPARQL query language and protocol, XML and JSON results."""
    query = PREFIXES + "SELECT ?x WHERE { ?x a ex:Place ; geo:hasDefaultGeometry ex:BGeom }"
    client = TestClient(create_app(store))
    as_json = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert as_json.status_code == 200
    assert [b["x"]["value"] for b in as_json.json()["results"]["bindings"]] == [EX + "B"]
    as_xml = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    assert as_xml.status_code == 200 and "sparql-results+xml" in as_xml.headers["content-type"]
    uris = [e.text for e in ET.fromstring(as_xml.text).iter("{http://www.w3.org/2005/sparql-results#}uri")]
    assert uris == [EX + "B"]


def test_req_02_spatial_object_class(store):
    """Req 2: geo:SpatialObject in graph patterns: every Feature and Geometry (both sub-classes)."""
    assert names(store, "SELECT ?x WHERE { ?x a geo:SpatialObject }") >= FEATURES | GEOMETRIES


def test_req_03_feature_class(store):
    """Req 3: geo:Feature: the features (the domain of hasDefaultGeometry/hasGeometry), no geometry."""
    found = names(store, "SELECT ?x WHERE { ?x a geo:Feature }")
    assert found == FEATURES


def test_req_04_spatial_object_collection_class(store):
    """Req 4: geo:SpatialObjectCollection: the feature collection (a sub-class), an rdfs:Container."""
    assert names(store, "SELECT ?x WHERE { ?x a geo:SpatialObjectCollection ; a rdfs:Container }") == {"places"}


def test_req_05_feature_collection_class(store):
    """Req 5: geo:FeatureCollection and its members."""
    assert names(store, "SELECT ?x WHERE { ex:places a geo:FeatureCollection ; rdfs:member ?x }") == {"A", "B"}


def test_req_06_spatial_object_properties(store):
    """Req 6: hasSize / hasMetricSize and their sub-properties (length, perimeter length, area, volume)."""
    sizes = names(store, "SELECT ?x WHERE { ?s geo:hasSize ?x }")
    assert sizes == {"areaOfA", "perimeterOfA", "lengthOfL", "volumeOfBlock"}
    metric = {(row["s"].value.removeprefix(EX), float(row["v"].value)) for row in store.query(
        PREFIXES + "SELECT ?s ?v WHERE { ?s geo:hasMetricSize ?v }")}
    assert metric == {("A", 16.0), ("L", 6.0), ("block", 8.0)}
    # both families have the domain geo:SpatialObject
    assert "block" in names(store, "SELECT ?x WHERE { ?x a geo:SpatialObject }")


def test_req_07_feature_properties(store):
    """Req 7: hasGeometry, hasDefaultGeometry, hasCentroid, hasBoundingBox: the last three are
    sub-properties of hasGeometry, their objects Geometries."""
    assert names(store, "SELECT ?x WHERE { ex:A geo:hasGeometry ?x }") == {"AGeom", "ACentre", "ABox"}
    assert names(store, "SELECT ?x WHERE { ex:A geo:hasDefaultGeometry ?x }") == {"AGeom"}
    assert names(store, "SELECT ?x WHERE { ex:A geo:hasCentroid ?x . ?x a geo:Geometry }") == {"ACentre"}
    assert names(store, "SELECT ?x WHERE { ex:A geo:hasBoundingBox ?x . ?x a geo:Geometry }") == {"ABox"}
