"""Geometry literals: WKT with CRS and axis order, GML, GeoJSON, KML, invalid and unknown-CRS input."""

from __future__ import annotations

import pytest
import shapely

from ai4c.linked.geo.geometry import UnknownCrsError, parse_literal, to_wkt_literal
from ai4c.linked.geo.vocab import (
    CRS84,
    EPSG_PREFIX,
    GEOJSON_LITERAL,
    GML_LITERAL,
    KML_LITERAL,
    STRDF_WKT,
    WKT_LITERAL,
)


def test_wkt_default_crs_is_crs84():
    geo = parse_literal("POINT(-83.38 33.95)", WKT_LITERAL)
    assert geo.crs == CRS84
    assert (geo.geom.x, geo.geom.y) == (-83.38, 33.95)


def test_epsg4326_is_lat_lon_and_equals_crs84_lon_lat():
    geo = parse_literal(f"<{EPSG_PREFIX}4326> POINT(33.95 -83.38)", WKT_LITERAL)
    assert (geo.geom.x, geo.geom.y) == (-83.38, 33.95)
    assert to_wkt_literal(geo) == f"<{EPSG_PREFIX}4326> POINT (33.95 -83.38)"


def test_projected_crs_transforms_to_crs84():
    geo = parse_literal(f"<{EPSG_PREFIX}32633> POINT(500000 0)", WKT_LITERAL)
    lon_lat = geo.to(CRS84).geom
    assert lon_lat.x == pytest.approx(15.0, abs=1e-9)
    assert lon_lat.y == pytest.approx(0.0, abs=1e-9)


def test_unclosed_ring_and_empty_literal():
    assert parse_literal("POLYGON((0 0, 0 3, 3 3, 3 0))", WKT_LITERAL).geom.area == pytest.approx(9.0)
    assert parse_literal("", WKT_LITERAL).geom.is_empty


def test_invalid_wkt_is_none_unknown_crs_raises():
    assert parse_literal("POLYGON((0 0, 1", WKT_LITERAL) is None
    with pytest.raises(UnknownCrsError, match="unknown CRS"):
        parse_literal("<http://example.org/crs/42> POINT(1 2)", WKT_LITERAL)


def test_gml_geojson_kml_and_strdf():
    gml = ('<gml:Polygon xmlns:gml="http://www.opengis.net/ont/gml" srsName="http://www.opengis.net/def/crs/'
           'OGC/1.3/CRS84"><gml:exterior><gml:LinearRing><gml:posList>0 0 2 0 2 2 0 2 0 0</gml:posList>'
           '</gml:LinearRing></gml:exterior></gml:Polygon>')
    assert parse_literal(gml, GML_LITERAL).geom.area == pytest.approx(4.0)
    geojson = '{"type": "LineString", "coordinates": [[0, 0], [3, 4]]}'
    assert parse_literal(geojson, GEOJSON_LITERAL).geom.length == pytest.approx(5.0)
    kml = "<Point><coordinates>10.5,45.25</coordinates></Point>"
    assert parse_literal(kml, KML_LITERAL).geom.equals(shapely.Point(10.5, 45.25))
    strdf = parse_literal("POINT(23.7 37.9);http://www.opengis.net/def/crs/EPSG/0/4326", STRDF_WKT)
    assert (strdf.geom.x, strdf.geom.y) == (23.7, 37.9)
