"""OGC GeoSPARQL 1.1 (22-047r1) Annex A.3, conformance class Geometry Extension (/conf/geometry-extension):
one test per requirement (Req 11-34 and 39-42; the DGGS Req 35-38: test_geosparql11_annex_a_dggs.py).
Expected answers are derived by hand: squares of annex_a.py in CRS84 (exact planar arithmetic for
boundaries, unions and envelopes), a rectangle and a 3-4-5 line in UTM 33N for metres, and the UTM 33N
definition (central meridian 15 E, false easting 500 000 m) for transforms."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.linked.store.annex_a import CRS84, SHAPES, UTM33N, ask, features_turtle, names, store_with, value

B_GML = ('<gml:Polygon xmlns:gml="http://www.opengis.net/gml/3.2"><gml:exterior><gml:LinearRing>'
         '<gml:posList>1 1 2 1 2 2 1 2 1 1</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>')
B_GEOJSON = '{"type": "Polygon", "coordinates": [[[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]]}'
B_KML = ('<Polygon xmlns="http://www.opengis.net/kml/2.2"><outerBoundaryIs><LinearRing>'
         '<coordinates>1,1 2,1 2,2 1,2 1,1</coordinates></LinearRing></outerBoundaryIs></Polygon>')


def _lit(text: str, datatype: str = "wktLiteral") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"^^geo:{datatype}'


def _utm(wkt: str) -> str:
    return _lit(f"<{UTM33N}> {wkt}")


A, B, D = (_lit(SHAPES[x]) for x in "ABD")
RECTANGLE = _utm("POLYGON((500000 0, 501000 0, 501000 2000, 500000 2000, 500000 0))")  # 1 km x 2 km
BENT_LINE = _utm("LINESTRING(500000 0, 500003 4, 500003 10)")  # 5 m + 6 m
NEAR_15E_0N = _lit("POLYGON((14.9999 -0.0001, 15.0001 -0.0001, 15.0001 0.0001, 14.9999 0.0001, 14.9999 -0.0001))")


@pytest.fixture(scope="module")
def store():
    return store_with(features_turtle() + f"""
ex:shapes a geo:GeometryCollection ; rdfs:member ex:AGeom, ex:BGeom .
ex:BGml geo:asGML {_lit(B_GML, "gmlLiteral")} .
ex:BJson geo:asGeoJSON {_lit(B_GEOJSON, "geoJSONLiteral")} .
ex:BKml geo:asKML {_lit(B_KML, "kmlLiteral")} .
ex:measured geo:asWKT {_lit("POINT M(1 2 3)")} .
""")


def _number(store, expression: str) -> float:
    term = value(store, expression)
    assert term is not None, f"{expression} is unbound"
    return float(term.value)


def _true(store, expression: str) -> bool:
    term = value(store, expression)
    assert term is not None, f"{expression} is unbound"
    return term.value == "true"


# ---------------------------------------------------------------- classes and properties (Req 11-13)
def test_req_11_geometry_class(store):
    """Req 11: geo:Geometry: every default geometry (the range of hasDefaultGeometry, sf: sub-classes)."""
    found = names(store, "SELECT ?x WHERE { ?x a geo:Geometry }")
    assert found >= {f"{x}Geom" for x in SHAPES} and "A" not in found


def test_req_12_geometry_collection_class(store):
    """Req 12: geo:GeometryCollection, a SpatialObjectCollection whose members are geometries."""
    assert names(store, "SELECT ?x WHERE { ?x a geo:SpatialObjectCollection }") == {"shapes"}
    assert names(store, "SELECT ?x WHERE { ex:shapes a geo:GeometryCollection ; rdfs:member ?x }") == {"AGeom",
                                                                                                        "BGeom"}


def test_req_13_geometry_properties(store):
    """Req 13: dimension, coordinateDimension, spatialDimension, isEmpty, isSimple (computed for every
    geometry) and hasSerialization (asWKT is a sub-property)."""
    row = next(iter(store.query(
        "PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX ex: <http://example.org/annexa#> "
        "SELECT ?d ?c ?s ?e ?simple ?text WHERE { ex:AGeom geo:dimension ?d ; geo:coordinateDimension ?c ; "
        "geo:spatialDimension ?s ; geo:isEmpty ?e ; geo:isSimple ?simple ; geo:hasSerialization ?text }")))
    assert (int(row["d"].value), int(row["c"].value), int(row["s"].value)) == (2, 2, 2)
    assert (row["e"].value, row["simple"].value) == ("false", "true")
    assert row["text"].value == SHAPES["A"]
    assert ask(store, 'ex:LGeom geo:dimension 1')
    assert ask(store, 'ex:measured geo:dimension 0 ; geo:coordinateDimension 3 ; geo:spatialDimension 2')


# ---------------------------------------------------------------- WKT (Req 14-19)
def test_req_14_wkt_literal_with_a_crs_iri(store):
    """Req 14: '<crs> WKT': UTM 33N (500000, 0) is lon 15, lat 0."""
    point = _utm("POINT(500000 0)")
    assert value(store, f"geof:getSRID({point})").value == UTM33N
    assert _true(store, f"geof:sfWithin({point}, {NEAR_15E_0N})")


def test_req_15_wkt_literal_default_srs_is_crs84(store):
    """Req 15: no IRI means CRS84."""
    assert value(store, f"geof:getSRID({_lit('POINT(1 2)')})").value == CRS84
    assert _true(store, f"geof:sfEquals({_lit('POINT(1 2)')}, {_lit(f'<{CRS84}> POINT(1 2)')})")


def test_req_16_wkt_axis_order_of_the_crs(store):
    """Req 16: EPSG:4326 is latitude first, CRS84 longitude first."""
    epsg4326 = "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    assert _true(store, f"geof:sfEquals({_lit(f'{epsg4326} POINT(33.95 -83.38)')}, {_lit('POINT(-83.38 33.95)')})")
    assert not _true(store, f"geof:sfEquals({_lit(f'{epsg4326} POINT(-83.38 33.95)')}, "
                            f"{_lit('POINT(-83.38 33.95)')})")


def test_req_17_wkt_literal_empty(store):
    """Req 17: an empty wktLiteral is the empty geometry."""
    assert _true(store, f"geof:isEmpty({_lit('')})")
    assert not _true(store, f"geof:sfIntersects({_lit('')}, {A})")


def test_req_18_geometry_as_wkt_literal(store):
    """Req 18: geo:asWKT in graph patterns."""
    rows = list(store.query("PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX ex: "
                            "<http://example.org/annexa#> SELECT ?w WHERE { ex:BGeom geo:asWKT ?w }"))
    assert [(r["w"].value, r["w"].datatype.value.rsplit("#")[-1]) for r in rows] == [(SHAPES["B"], "wktLiteral")]


def test_req_19_as_wkt_function(store):
    """Req 19: geof:asWKT of a GML literal is the same geometry as a wktLiteral."""
    converted = f"geof:asWKT({_lit(B_GML, 'gmlLiteral')})"
    assert value(store, f"DATATYPE({converted})").value.endswith("#wktLiteral")
    assert _true(store, f"geof:sfEquals({converted}, {B})")


# ---------------------------------------------------------------- GML (Req 20-24)
def test_req_20_gml_literal(store):
    """Req 20: a GML 3.2 polygon literal is the square B."""
    assert _true(store, f"geof:sfEquals({_lit(B_GML, 'gmlLiteral')}, {B})")


def test_req_21_gml_literal_empty(store):
    """Req 21: an empty gmlLiteral is the empty geometry."""
    assert _true(store, f"geof:isEmpty({_lit('', 'gmlLiteral')})")


def test_req_22_gml_profile_is_documented():
    """Req 22: the supported GML profile is documented."""
    docs = (Path(__file__).parents[3] / "docs" / "geosparql-store.md").read_text(encoding="utf-8")
    assert "Supported GML profile" in docs


def test_req_23_geometry_as_gml_literal(store):
    """Req 23: geo:asGML in graph patterns (and its literal in a spatial filter)."""
    query = f"SELECT ?x WHERE {{ ?x geo:asGML ?g FILTER(geof:sfWithin(?g, {A})) }}"
    assert names(store, query) == {"BGml"}


def test_req_24_as_gml_function(store):
    """Req 24: geof:asGML gives a gmlLiteral of the same geometry (with or without a profile name)."""
    for call in (f"geof:asGML({B})", f'geof:asGML({B}, "GML 3.2.1")'):
        assert value(store, f"DATATYPE({call})").value.endswith("#gmlLiteral")
        assert _true(store, f"geof:sfEquals({call}, {B})")


# ---------------------------------------------------------------- GeoJSON (Req 25-29)
def test_req_25_geojson_literal(store):
    """Req 25: a GeoJSON polygon literal is the square B."""
    assert _true(store, f"geof:sfEquals({_lit(B_GEOJSON, 'geoJSONLiteral')}, {B})")


def test_req_26_geojson_literal_srs_is_crs84(store):
    """Req 26: GeoJSON is CRS84; asGeoJSON of a UTM 33N point is written in lon/lat (15, 0)."""
    assert value(store, f"geof:getSRID({_lit(B_GEOJSON, 'geoJSONLiteral')})").value == CRS84
    converted = f"geof:asGeoJSON({_utm('POINT(500000 0)')})"
    assert _number(store, f"geof:minX({converted})") == pytest.approx(15.0, abs=1e-9)
    assert _number(store, f"geof:minY({converted})") == pytest.approx(0.0, abs=1e-9)


def test_req_27_geojson_literal_empty(store):
    """Req 27: an empty geoJSONLiteral is the empty geometry."""
    assert _true(store, f"geof:isEmpty({_lit('', 'geoJSONLiteral')})")


def test_req_28_geometry_as_geojson_literal(store):
    """Req 28: geo:asGeoJSON in graph patterns."""
    assert names(store, f"SELECT ?x WHERE {{ ?x geo:asGeoJSON ?g FILTER(geof:sfWithin(?g, {A})) }}") == {"BJson"}


def test_req_29_as_geojson_function(store):
    """Req 29: geof:asGeoJSON gives a geoJSONLiteral of the same geometry."""
    call = f"geof:asGeoJSON({B})"
    assert value(store, f"DATATYPE({call})").value.endswith("#geoJSONLiteral")
    assert _true(store, f"geof:sfEquals({call}, {B})")


# ---------------------------------------------------------------- KML (Req 30-34)
def test_req_30_kml_literal(store):
    """Req 30: a KML polygon literal is the square B."""
    assert _true(store, f"geof:sfEquals({_lit(B_KML, 'kmlLiteral')}, {B})")


def test_req_31_kml_literal_srs_is_crs84(store):
    """Req 31: KML is CRS84."""
    assert value(store, f"geof:getSRID({_lit(B_KML, 'kmlLiteral')})").value == CRS84


def test_req_32_kml_literal_empty(store):
    """Req 32: an empty kmlLiteral is the empty geometry."""
    assert _true(store, f"geof:isEmpty({_lit('', 'kmlLiteral')})")


def test_req_33_geometry_as_kml_literal(store):
    """Req 33: geo:asKML in graph patterns."""
    assert names(store, f"SELECT ?x WHERE {{ ?x geo:asKML ?g FILTER(geof:sfWithin(?g, {A})) }}") == {"BKml"}


def test_req_34_as_kml_function(store):
    """Req 34: geof:asKML converts to CRS84 (a UTM 33N point at 15 E on the equator)."""
    call = f"geof:asKML({_utm('POINT(500000 0)')})"
    assert value(store, f"DATATYPE({call})").value.endswith("#kmlLiteral")
    assert _true(store, f"geof:sfWithin({call}, {NEAR_15E_0N})")


# ---------------------------------------------------------------- functions (Req 39-42)
QUERY_FUNCTIONS = {  # Req 39: 23 functions, each with a value derived by hand
    "boundary": f'geof:sfEquals(geof:boundary({A}), {_lit("LINESTRING(0 0, 4 0, 4 4, 0 4, 0 0)")})',
    "boundingCircle": f'geof:distance(geof:centroid(geof:boundingCircle({A})), {_lit("POINT(2 2)")}, uom:degree) '
                      "< 1e-9",
    "centroid": f'geof:sfEquals(geof:centroid({A}), {_lit("POINT(2 2)")})',
    "convexHull": f'geof:sfEquals(geof:convexHull({_lit("MULTIPOINT((0 0), (4 0), (4 4), (0 4), (2 2))")}), {A})',
    "concaveHull": f'geof:sfEquals(geof:concaveHull({_lit("MULTIPOINT((0 0), (4 0), (4 4), (0 4), (2 2))")}, 1), '
                   f"{A})",
    "difference": f'geof:sfEquals(geof:difference({A}, {D}), {_lit("POLYGON((0 0, 4 0, 4 3, 3 3, 3 4, 0 4, 0 0))")})',
    "envelope": f'geof:sfEquals(geof:envelope({_lit("POLYGON((0 0, 4 0, 2 3, 0 0))")}), '
                f'{_lit("POLYGON((0 0, 4 0, 4 3, 0 3, 0 0))")})',
    "intersection": f'geof:sfEquals(geof:intersection({A}, {D}), {_lit("POLYGON((3 3, 4 3, 4 4, 3 4, 3 3))")})',
    "symDifference": f"geof:sfEquals(geof:symDifference({A}, {D}), "
                     f'{_lit("MULTIPOLYGON(((0 0, 4 0, 4 3, 3 3, 3 4, 0 4, 0 0)), ((4 3, 5 3, 5 5, 3 5, 3 4, 4 4, 4 3)))")})',
    "union": f'geof:sfEquals(geof:union({A}, {D}), {_lit("POLYGON((0 0, 4 0, 4 3, 5 3, 5 5, 3 5, 3 4, 0 4, 0 0))")})',
    "transform": f"geof:metricDistance(geof:transform({_lit('POINT(15 0)')}, <{UTM33N}>), "
                 f"{_utm('POINT(500000 0)')}) < 1e-6",
    "is3D": f'geof:is3D({_lit("POINT Z(1 2 3)")}) && !geof:is3D({_lit("POINT(1 2)")})',
    "isMeasured": f'geof:isMeasured({_lit("POINT M(1 2 3)")}) && !geof:isMeasured({_lit("POINT Z(1 2 3)")})',
    "isEmpty": f'geof:isEmpty({_lit("POINT EMPTY")}) && !geof:isEmpty({A})',
    "isSimple": f'!geof:isSimple({_lit("LINESTRING(0 0, 2 2, 2 0, 0 2)")}) && geof:isSimple({A})',
    "dimension": f'geof:dimension({A}) = 2 && geof:dimension({_lit(SHAPES["L"])}) = 1 && '
                 f'geof:dimension({_lit("POINT(1 2)")}) = 0',
    "coordinateDimension": f'geof:coordinateDimension({_lit("POINT ZM(1 2 3 4)")}) = 4 && '
                           f'geof:coordinateDimension({_lit("POINT M(1 2 3)")}) = 3 && geof:coordinateDimension({A}) = 2',
    "spatialDimension": f'geof:spatialDimension({_lit("POINT Z(1 2 3)")}) = 3 && '
                        f'geof:spatialDimension({_lit("POINT M(1 2 3)")}) = 2 && geof:spatialDimension({A}) = 2',
    "geometryType": f"geof:geometryType({A}) = \"http://www.opengis.net/ont/sf#Polygon\"^^xsd:anyURI && "
                    f'geof:geometryType({_lit("MULTIPOINT((1 2), (3 4))")}) = '
                    '"http://www.opengis.net/ont/sf#MultiPoint"^^xsd:anyURI',
    "metricDistance": f"geof:metricDistance({_utm('POINT(500000 0)')}, {_utm('POINT(500030 40)')}) = 50",
    "distance": f"geof:distance({_utm('POINT(500000 0)')}, {_utm('POINT(500030 40)')}, uom:metre) = 50 && "
                f'geof:distance({_lit("POINT(0 0)")}, {_lit("POINT(3 4)")}, uom:degree) = 5',
    "metricBuffer": f"geof:metricArea(geof:metricBuffer({_utm('POINT(500000 0)')}, 10)) > 0.99 * {math.pi * 100} && "
                    f"geof:metricArea(geof:metricBuffer({_utm('POINT(500000 0)')}, 10)) <= {math.pi * 100}",
    "buffer": f"geof:metricArea(geof:buffer({_utm('POINT(500000 0)')}, 10, uom:metre)) > 0.99 * {math.pi * 100} && "
              f"geof:sfContains(geof:buffer({_lit('POINT(0 0)')}, 1, uom:degree), {_lit('POINT(0.7 0.7)')})",
}


def test_req_39_query_functions(store):
    """Req 39: the 23 functions of /req/geometry-extension/query-functions."""
    assert len(QUERY_FUNCTIONS) == 23
    failed = [name for name, expression in QUERY_FUNCTIONS.items() if not _true(store, expression)]
    assert failed == []


def test_req_39_bounding_circle_has_the_radius_of_the_half_diagonal(store):
    """Req 39, geof:boundingCircle: A's circle is centred on (2, 2) with radius sqrt(8)."""
    assert _number(store, f"geof:minX(geof:boundingCircle({A}))") == pytest.approx(2 - math.sqrt(8), abs=1e-9)
    assert _number(store, f"geof:maxY(geof:boundingCircle({A}))") == pytest.approx(2 + math.sqrt(8), abs=1e-9)


NON_SF_FUNCTIONS = {  # Req 40: 14 functions -> (expression, hand-derived value)
    "metricLength": (f"geof:metricLength({BENT_LINE})", 11.0),
    "length": (f"geof:length({BENT_LINE}, uom:metre)", 11.0),
    "metricPerimeter": (f"geof:metricPerimeter({RECTANGLE})", 6000.0),
    "perimeter": (f"geof:perimeter({RECTANGLE}, uom:metre)", 6000.0),
    "metricArea": (f"geof:metricArea({RECTANGLE})", 2.0e6),
    "area": (f"geof:area({RECTANGLE}, uom:squareMetre)", 2.0e6),
    "geometryN": (f'geof:maxX(geof:geometryN({_lit("MULTIPOINT((1 2), (3 4))")}, 2))', 3.0),
    "numGeometries": (f'geof:numGeometries({_lit("MULTIPOINT((1 2), (3 4))")})', 2.0),
    "minX": (f"geof:minX({D})", 3.0), "maxX": (f"geof:maxX({D})", 5.0),
    "minY": (f"geof:minY({A})", 0.0), "maxY": (f"geof:maxY({A})", 4.0),
    "minZ": (f'geof:minZ({_lit("LINESTRING Z(0 0 5, 1 1 -2, 2 0 3)")})', -2.0),
    "maxZ": (f'geof:maxZ({_lit("LINESTRING Z(0 0 5, 1 1 -2, 2 0 3)")})', 5.0),
}


def test_req_40_query_functions_non_sf(store):
    """Req 40: the 14 functions of /req/geometry-extension/query-functions-non-sf."""
    assert len(NON_SF_FUNCTIONS) == 14
    got = {name: _number(store, expression) for name, (expression, _) in NON_SF_FUNCTIONS.items()}
    assert got == pytest.approx({name: expected for name, (_, expected) in NON_SF_FUNCTIONS.items()}, abs=1e-6)


def test_req_40_sizes_in_other_units_of_measure(store):
    """Req 40 with units: the same sizes in kilometres and square kilometres; a line has no
    perimeter (as geof:metricPerimeter)."""
    kilometre = "<http://www.opengis.net/def/uom/OGC/1.0/kilometre>"
    assert _number(store, f"geof:length({BENT_LINE}, {kilometre})") == pytest.approx(0.011)
    assert _number(store, f"geof:area({RECTANGLE}, <http://www.opengis.net/def/uom/OGC/1.0/squareKilometre>)") \
        == pytest.approx(2.0)
    assert _number(store, f"geof:perimeter({BENT_LINE}, uom:metre)") == 0.0


def test_req_41_srid_function(store):
    """Req 41: geof:getSRID of WKT (explicit and default CRS) and GML (srsName) literals."""
    gml = _lit('<gml:Point xmlns:gml="http://www.opengis.net/gml/3.2" '
               'srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><gml:pos>0 15</gml:pos></gml:Point>', "gmlLiteral")
    assert value(store, f"geof:getSRID({_utm('POINT(500000 0)')})").value == UTM33N
    assert value(store, f"geof:getSRID({_lit('POINT(1 2)')})").value == CRS84
    assert value(store, f"geof:getSRID({gml})").value == "http://www.opengis.net/def/crs/EPSG/0/4326"


POINTS = '{ "POINT(0 0)"^^geo:wktLiteral "POINT(6 0)"^^geo:wktLiteral "POINT(6 8)"^^geo:wktLiteral }'
SQUARES = f"{{ {B} {_lit(SHAPES['C'])} }}"
TWO_SQUARES = "MULTIPOLYGON(((1 1, 2 1, 2 2, 1 2, 1 1)), ((4 0, 6 0, 6 2, 4 2, 4 0)))"
AGGREGATES = {  # Req 42: the six aggregates -> (values, expression over ?agg, hand-derived truth)
    "aggBoundingBox": (SQUARES, f'geof:sfEquals(?agg, {_lit("POLYGON((1 0, 6 0, 6 2, 1 2, 1 0))")})'),
    "aggUnion": (SQUARES, f"geof:sfEquals(?agg, {_lit(TWO_SQUARES)})"),
    "aggConvexHull": (POINTS, f'geof:sfEquals(?agg, {_lit("POLYGON((0 0, 6 0, 6 8, 0 0))")})'),
    "aggConcaveHull": (POINTS, f'geof:sfEquals(?agg, {_lit("POLYGON((0 0, 6 0, 6 8, 0 0))")})'),
    "aggCentroid": (POINTS, 'abs(geof:minX(?agg) - 4) < 1e-12 && abs(geof:minY(?agg) - 8 / 3) < 1e-12'),
    # the circle through (0 0) and (6 8) has its centre at (3 4), radius 5: x from -2 to 8
    "aggBoundingCircle": ('{ "POINT(0 0)"^^geo:wktLiteral "POINT(6 8)"^^geo:wktLiteral }',
                          "abs(geof:minX(?agg) + 2) < 1e-9 && abs(geof:maxX(?agg) - 8) < 1e-9"),
}


@pytest.mark.parametrize("name", list(AGGREGATES))
def test_req_42_sa_functions(store, name):
    """Req 42: the spatial aggregate functions over a group of geometries."""
    values, check = AGGREGATES[name]
    query = (f"SELECT ?ok WHERE {{ {{ SELECT (geof:{name}(?g) AS ?agg) WHERE {{ VALUES ?g {values} }} }} "
             f"BIND({check} AS ?ok) }}")
    rows = list(store.query("PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
                            "PREFIX geof: <http://www.opengis.net/def/function/geosparql/> " + query))
    assert [r["ok"].value if r["ok"] is not None else None for r in rows] == ["true"]


@pytest.mark.parametrize("expression", [
    f"geof:area({A}, <http://example.org/not-a-unit>)",  # an invalid units IRI
    f'geof:distance({A}, "POINT(1 2)", uom:metre)',  # an argument of an unexpected type
    f'geof:length({_lit("POLYGON((0 0, 1 0")}, uom:metre)',  # an invalid geometry literal
    f'geof:transform({A}, <http://www.opengis.net/def/crs/EPSG/0/999999>)',  # no such CRS
])
def test_req_39_40_invalid_arguments_are_errors(store, expression):
    """Req 39/40 (their common text): an invalid argument is an error, i.e. an unbound value."""
    assert value(store, expression) is None
