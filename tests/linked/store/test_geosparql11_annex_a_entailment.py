"""OGC GeoSPARQL 1.1 (22-047r1) Annex A.5 RDFS Entailment Extension (Req 47-49) and A.6 Query Rewrite
Extension (Req 50-52): one test per requirement. Entailment answers follow the RDFS rules and the Simple
Features / GML 3.2 class hierarchies the standard names; the rewrite answers are the relations of
annex_a.py's squares, derived by hand from the DE-9IM patterns, now asked between features."""

from __future__ import annotations

import pytest
from tests.linked.store.annex_a import (
    RELATIONS_OF_A,
    RELATIONS_TO_A,
    features_turtle,
    names,
    store_with,
)


@pytest.fixture(scope="module")
def schema_store():
    return store_with("""
ex:City rdfs:subClassOf geo:Feature .
ex:hasOutline rdfs:subPropertyOf geo:hasGeometry .
ex:athens a ex:City ; ex:hasOutline ex:athensShape .
ex:athensShape geo:asWKT "POINT(23.73 37.98)"^^geo:wktLiteral .
ex:square a sf:Polygon . ex:squares a sf:MultiPolygon . ex:path a sf:LineString .
ex:gmlSquare a gml:Polygon . ex:gmlPath a gml:LineString .
""")


@pytest.fixture(scope="module")
def rewrite_store():
    return store_with(features_turtle())


def test_req_47_bgp_rdfs_entailment(schema_store):
    """Req 47: RDFS entailment in basic graph patterns (sub-class, sub-property, domain, range)."""
    assert "athens" in names(schema_store, "SELECT ?x WHERE { ?x a geo:Feature }")  # rdfs9
    assert "athens" in names(schema_store, "SELECT ?x WHERE { ?x a geo:SpatialObject }")  # rdfs9 twice
    assert names(schema_store, "SELECT ?x WHERE { ex:athens geo:hasGeometry ?x }") == {"athensShape"}  # rdfs7
    assert "athensShape" in names(schema_store, "SELECT ?x WHERE { ?x a geo:Geometry }")  # rdfs7 then rdfs3


def test_req_48_wkt_geometry_types(schema_store):
    """Req 48: the Simple Features class hierarchy (Polygon < Surface < Geometry, MultiPolygon <
    MultiSurface < GeometryCollection, LineString < Curve)."""
    assert names(schema_store, "SELECT ?x WHERE { ?x a sf:Surface }") == {"square"}
    assert names(schema_store, "SELECT ?x WHERE { ?x a sf:GeometryCollection }") == {"squares"}
    assert names(schema_store, "SELECT ?x WHERE { ?x a sf:MultiSurface }") == {"squares"}
    assert names(schema_store, "SELECT ?x WHERE { ?x a sf:Curve }") == {"path"}
    assert {"square", "squares", "path"} <= names(schema_store, "SELECT ?x WHERE { ?x a sf:Geometry ; a geo:Geometry }")


def test_req_49_gml_geometry_types(schema_store):
    """Req 49: the GML 3.2 hierarchy (Polygon < AbstractSurface < AbstractGeometricPrimitive <
    AbstractGeometry; LineString < AbstractCurve)."""
    assert names(schema_store, "SELECT ?x WHERE { ?x a gml:AbstractSurface }") == {"gmlSquare"}
    assert names(schema_store, "SELECT ?x WHERE { ?x a gml:AbstractCurve }") == {"gmlPath"}
    assert names(schema_store, "SELECT ?x WHERE { ?x a gml:AbstractGeometricPrimitive }") == {"gmlSquare", "gmlPath"}
    assert {"gmlSquare", "gmlPath"} <= names(schema_store, "SELECT ?x WHERE { ?x a gml:AbstractGeometry ; a geo:Geometry }")


def _check_rewrite(store, prefix: str) -> None:
    """Every relation of a family between features, and between a feature and a geometry, with no
    relation triple stored: only the rewrite rules (geor:) through hasDefaultGeometry can answer."""
    for relation, expected in RELATIONS_OF_A.items():
        if relation.startswith(prefix):
            assert names(store, f"SELECT ?x WHERE {{ ex:A geo:{relation} ?x . ?x a ex:Place }}") == expected, relation
            geometries = names(store, f"SELECT ?x WHERE {{ ex:AGeom geo:{relation} ?x . ?x a sf:Polygon }}")
            assert geometries == {f"{x}Geom" for x in expected if x != "L"}, relation
    for relation, expected in RELATIONS_TO_A.items():
        if relation.startswith(prefix):
            assert names(store, f"SELECT ?x WHERE {{ ?x geo:{relation} ex:A . ?x a ex:Place }}") == expected, relation


def test_req_50_sf_query_rewrite(rewrite_store):
    """Req 50: geor:sfEquals ... sfOverlaps."""
    _check_rewrite(rewrite_store, "sf")


def test_req_51_eh_query_rewrite(rewrite_store):
    """Req 51: geor:ehEquals ... ehContains."""
    _check_rewrite(rewrite_store, "eh")


def test_req_52_rcc8_query_rewrite(rewrite_store):
    """Req 52: geor:rcc8eq ... rcc8ntppi."""
    _check_rewrite(rewrite_store, "rcc8")
