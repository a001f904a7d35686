"""OGC GeoSPARQL 1.1 (22-047r1) Annex A.2 Topology Vocabulary Extension (Req 8-10) and A.4 Geometry
Topology Extension (Req 43-46): one test per requirement and relation family. The expected sets are the
DE-9IM patterns of the standard's relation tables applied by hand to the squares of annex_a.py."""

from __future__ import annotations

import pytest
from tests.linked.store.annex_a import (
    RELATIONS_OF_A,
    RELATIONS_TO_A,
    SHAPES,
    features_turtle,
    names,
    store_with,
    value,
)

FAMILIES = {
    "sf": ("sfEquals", "sfDisjoint", "sfIntersects", "sfTouches", "sfCrosses", "sfWithin", "sfContains",
           "sfOverlaps"),
    "eh": ("ehEquals", "ehDisjoint", "ehMeet", "ehOverlap", "ehCovers", "ehCoveredBy", "ehInside", "ehContains"),
    "rcc8": ("rcc8eq", "rcc8dc", "rcc8ec", "rcc8po", "rcc8tppi", "rcc8tpp", "rcc8ntpp", "rcc8ntppi"),
}


def _asserted_triples() -> str:
    """Every relation of the vocabulary asserted between features (no geometry: the vocabulary alone)."""
    lines = []
    for relation, others in RELATIONS_OF_A.items():
        lines += [f"ex:A geo:{relation} ex:{x} ." for x in others]
    for relation, others in RELATIONS_TO_A.items():
        lines += [f"ex:{x} geo:{relation} ex:A ." for x in others]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def asserted():
    return store_with(_asserted_triples(), entail=False, rewrite=False)


@pytest.fixture(scope="module")
def geometries():
    return store_with(features_turtle(), entail=False, rewrite=False)


def _check_vocabulary(store, family: str) -> None:
    for relation in FAMILIES[family]:
        if relation in RELATIONS_OF_A:
            assert names(store, f"SELECT ?x WHERE {{ ex:A geo:{relation} ?x }}") == RELATIONS_OF_A[relation], relation
        else:
            assert names(store, f"SELECT ?x WHERE {{ ?x geo:{relation} ex:A }}") == RELATIONS_TO_A[relation], relation


def test_req_08_sf_spatial_relations(asserted):
    """Req 8: the eight Simple Features relation properties in graph patterns."""
    _check_vocabulary(asserted, "sf")


def test_req_09_eh_spatial_relations(asserted):
    """Req 9: the eight Egenhofer relation properties in graph patterns."""
    _check_vocabulary(asserted, "eh")


def test_req_10_rcc8_spatial_relations(asserted):
    """Req 10: the eight RCC8 relation properties in graph patterns."""
    _check_vocabulary(asserted, "rcc8")


def test_req_43_relate_query_function(geometries):
    """Req 43: geof:relate with a DE-9IM pattern: B is inside A (T*F**F***), A is not inside B; the
    boundaries of A and C meet along a segment (dimension 1: 'F***1****')."""
    b, a, c = (f'"{SHAPES[x]}"^^geo:wktLiteral' for x in "BAC")
    assert value(geometries, f'geof:relate({b}, {a}, "T*F**F***")').value == "true"
    assert value(geometries, f'geof:relate({a}, {b}, "T*F**F***")').value == "false"
    assert value(geometries, f'geof:relate({a}, {c}, "F***1****")').value == "true"


def _check_functions(store, family: str) -> None:
    for relation in FAMILIES[family]:
        if relation in RELATIONS_OF_A:
            query = f"""SELECT ?x WHERE {{ ex:AGeom geo:asWKT ?a . ?x geo:hasDefaultGeometry/geo:asWKT ?w .
                        FILTER(geof:{relation}(?a, ?w)) }}"""
            assert names(store, query) == RELATIONS_OF_A[relation], relation
        else:
            query = f"""SELECT ?x WHERE {{ ex:AGeom geo:asWKT ?a . ?x geo:hasDefaultGeometry/geo:asWKT ?w .
                        FILTER(geof:{relation}(?w, ?a)) }}"""
            assert names(store, query) == RELATIONS_TO_A[relation], relation


def test_req_44_sf_query_functions(geometries):
    """Req 44: geof:sfEquals ... sfOverlaps from their DE-9IM patterns."""
    _check_functions(geometries, "sf")


def test_req_45_eh_query_functions(geometries):
    """Req 45: geof:ehEquals ... ehContains from their DE-9IM patterns."""
    _check_functions(geometries, "eh")


def test_req_45_eh_overlap_of_a_polygon_and_a_line(geometries):
    """Req 45: the Egenhofer table applies overlap to "All" geometry types with T*T***T**: A and the line L
    through it (interiors meet, each has interior outside the other) overlap both ways; sfOverlaps, defined
    for A/A, P/P and L/L only, does not relate them."""
    a, line = (f'"{SHAPES[x]}"^^geo:wktLiteral' for x in "AL")
    assert value(geometries, f"geof:ehOverlap({a}, {line})").value == "true"
    assert value(geometries, f"geof:ehOverlap({line}, {a})").value == "true"
    assert value(geometries, f"geof:sfOverlaps({a}, {line})").value == "false"


def test_req_46_rcc8_query_functions(geometries):
    """Req 46: geof:rcc8eq ... rcc8ntppi from their DE-9IM patterns."""
    _check_functions(geometries, "rcc8")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_req_44_46_indexed_selections_give_the_same_answers(geometries, family):
    """Req 44-46 through the spatial index: a relation with one constant argument (the planner's R-tree
    selection) gives the hand-derived sets too (ehCovers is Egenhofer's T*TFT*FF*, not GEOS's covers: B,
    strictly inside A, is not covered by it in that sense)."""
    a = f'"{SHAPES["A"]}"^^geo:wktLiteral'
    for relation in FAMILIES[family]:
        if relation in RELATIONS_OF_A:
            filter_, expected = f"geof:{relation}({a}, ?w)", RELATIONS_OF_A[relation]
        else:
            filter_, expected = f"geof:{relation}(?w, {a})", RELATIONS_TO_A[relation]
        query = f"SELECT ?x WHERE {{ ?x geo:hasDefaultGeometry ?g . ?g geo:asWKT ?w . FILTER({filter_}) }}"
        assert names(geometries, query) == expected, relation
