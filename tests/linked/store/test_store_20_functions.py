"""geof: and strdf: functions on constants, against values computed independently."""

from __future__ import annotations

import pytest
from pyproj import Geod

from ai4c.linked.store import GeoStore

PREFIXES = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
PREFIX strdf: <http://strdf.di.uoa.gr/ontology#>
"""


def value(store: GeoStore, expression: str):
    rows = list(store.query(PREFIXES + f"SELECT ({expression} AS ?v) WHERE {{}}"))
    term = rows[0]["v"]
    return None if term is None else term.value


@pytest.fixture(scope="module")
def store():
    return GeoStore()


@pytest.mark.parametrize(("relation", "expected"), [
    ("sfWithin", "true"), ("sfContains", "false"), ("sfIntersects", "true"), ("sfDisjoint", "false"),
    ("ehInside", "true"), ("ehCoveredBy", "false"), ("rcc8ntpp", "true"), ("rcc8tpp", "false"),
])
def test_relations(store, relation, expected):
    inner = '"POLYGON((1 1, 2 1, 2 2, 1 2, 1 1))"^^geo:wktLiteral'
    outer = '"POLYGON((0 0, 3 0, 3 3, 0 3, 0 0))"^^geo:wktLiteral'
    assert value(store, f"geof:{relation}({inner}, {outer})") == expected


def test_distance_is_geodesic_metres(store):
    got = float(value(store, 'geof:distance("POINT(0 0)"^^geo:wktLiteral, "POINT(1 1)"^^geo:wktLiteral, uom:metre)'))
    _, _, truth = Geod(ellps="WGS84").inv(0, 0, 1, 1)
    assert got == pytest.approx(truth, rel=1e-9)


def test_buffer_metres_area(store):
    text = value(store, 'geof:area(geof:buffer("POINT(10 50)"^^geo:wktLiteral, 1000, uom:metre), uom:metre)')
    assert float(text) == pytest.approx(3.14159 * 1000**2, rel=0.01)


def test_set_operations_and_srid(store):
    a = '"POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))"^^geo:wktLiteral'
    b = '"POLYGON((1 0, 3 0, 3 2, 1 2, 1 0))"^^geo:wktLiteral'
    assert float(value(store, f"geof:area(geof:intersection({a}, {b}), uom:degree)")) == pytest.approx(2.0)
    assert float(value(store, f"geof:area(geof:union({a}, {b}), uom:degree)")) == pytest.approx(6.0)
    assert float(value(store, f"geof:area(geof:symDifference({a}, {b}), uom:degree)")) == pytest.approx(4.0)
    assert value(store, f"geof:getSRID({a})") == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert value(store, f'geof:relate({a}, {b}, "T*T***T**")') == "true"


def test_invalid_wkt_leaves_result_unbound(store):
    assert value(store, 'geof:sfWithin("POLYGON((0 0, 1"^^geo:wktLiteral, "POINT(0 0)"^^geo:wktLiteral)') is None


def test_strdf_mbb_and_periods(store):
    a = '"POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"^^strdf:WKT'
    b = '"POLYGON((2 0, 3 0, 3 1, 2 1, 2 0))"^^strdf:WKT'
    assert value(store, f"strdf:left({a}, {b})") == "true"
    assert value(store, f"strdf:right({a}, {b})") == "false"
    p1 = '"[2020-01-01T00:00:00,2020-06-01T00:00:00)"^^strdf:period'
    p2 = '"[2020-03-01T00:00:00,2020-09-01T00:00:00)"^^strdf:period'
    assert value(store, f"strdf:overlaps({p1}, {p2})") == "true"
    assert value(store, f"strdf:before({p1}, {p2})") == "false"
    assert value(store, f"strdf:period_intersect({p1}, {p2})") == "[2020-03-01T00:00:00,2020-06-01T00:00:00]"
    assert value(store, f"strdf:period_start({p2})") == "2020-03-01T00:00:00"


def test_aggregates(store):
    query = PREFIXES + """SELECT (geof:aggBoundingBox(?g) AS ?box) (strdf:union(?s) AS ?u) WHERE {
      VALUES (?g ?s) { ("POINT(0 0)"^^geo:wktLiteral "POLYGON((0 0,1 0,1 1,0 1,0 0))"^^strdf:WKT)
                       ("POINT(2 3)"^^geo:wktLiteral "POLYGON((1 0,2 0,2 1,1 1,1 0))"^^strdf:WKT) } }"""
    row = next(iter(GeoStore().query(query)))
    assert row["box"].value == "POLYGON ((0 0, 2 0, 2 3, 0 3, 0 0))"
    assert row["u"].value.startswith("POLYGON")
