"""SPARQL results -> map features: geometry literals in any CRS reprojected to lon/lat, valid time."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from pyproj import Transformer

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.geo.geometry import UnknownCrsError
from ai4c.linked.viewer.features import from_rows, from_sparql_json, time_span

GEO = "http://www.opengis.net/ont/geosparql#"
XSD = "http://www.w3.org/2001/XMLSchema#"
STRDF = "http://strdf.di.uoa.gr/ontology#"


def lit(value, datatype=None):
    term = {"type": "literal", "value": value}
    if datatype:
        term["datatype"] = datatype
    return term


def ms(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000


def results(rows, variables=("f", "geom", "label", "when")):
    return {"head": {"vars": list(variables)}, "results": {"bindings": rows}}


def test_geometries_in_any_crs_come_out_as_lon_lat():
    easting, northing = 500_000.0, 4_200_000.0
    lon, lat = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True).transform(easting, northing)
    rows = [
        {"f": {"type": "uri", "value": "http://ex.org/a"}, "geom": lit("POINT(23.5 38.25)", GEO + "wktLiteral")},
        # EPSG:4326 literals are latitude first (GeoSPARQL): this is the same point
        {"geom": lit("<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(38.25 23.5)", GEO + "wktLiteral")},
        {"geom": lit(f"<http://www.opengis.net/def/crs/EPSG/0/32634> POINT({easting} {northing})", GEO + "wktLiteral")},
        {"geom": lit('<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="EPSG:32634">'
                     f'<gml:pos>{easting} {northing}</gml:pos></gml:Point>', GEO + "gmlLiteral")},
        {"geom": lit(f"POINT({easting} {northing});http://www.opengis.net/def/crs/EPSG/0/32634", STRDF + "WKT")},
        {"geom": lit("POINT(1 2", GEO + "wktLiteral")},  # broken: counted, not fatal
    ]
    table, info = from_sparql_json(results(rows))
    assert info["geometry"] == "geom"
    assert len(table) == 5 and table.skipped == 1
    xy = np.array([[g.x, g.y] for g in table.geometries])
    np.testing.assert_allclose(xy[0], [23.5, 38.25])
    np.testing.assert_allclose(xy[1], [23.5, 38.25])
    for row in xy[2:]:
        np.testing.assert_allclose(row, [lon, lat], atol=1e-9)
    assert table.properties[0] == {"f": "http://ex.org/a"}


def test_unknown_crs_is_an_error_naming_it():
    rows = [{"geom": lit("<http://example.org/crs/none> POINT(1 2)", GEO + "wktLiteral")}]
    with pytest.raises(UnknownCrsError, match="example.org/crs/none"):
        from_sparql_json(results(rows))


def test_not_select_results_is_bad_input():
    with pytest.raises(InvalidParameterError, match="SELECT"):
        from_sparql_json({"boolean": True})


def test_results_without_geometry_give_no_layer():
    table, info = from_sparql_json(results([{"label": lit("x")}], ("label",)))
    assert table is None and info["geometry"] is None


def test_valid_time_from_dates_datetimes_and_periods():
    rows = [
        {"geom": lit("POINT(0 0)", GEO + "wktLiteral"), "when": lit("2020-03-01", XSD + "date")},
        {"geom": lit("POINT(0 0)", GEO + "wktLiteral"), "when": lit("2020-03-01T10:30:00Z", XSD + "dateTime")},
        {"geom": lit("POINT(0 0)", GEO + "wktLiteral"),
         "when": lit("[2012-11-19T10:41:00,2012-11-19T11:41:00)", STRDF + "period")},
        {"geom": lit("POINT(0 0)", GEO + "wktLiteral")},
    ]
    table, info = from_sparql_json(results(rows))
    assert info["time"] == ["when"]
    assert table.t0[0] == ms("2020-03-01T00:00:00") and table.t1[0] == ms("2020-03-02T00:00:00")
    assert table.t0[1] == ms("2020-03-01T10:30:00") and table.t1[1] == table.t0[1] + 1
    assert table.t0[2] == ms("2012-11-19T10:41:00") and table.t1[2] == ms("2012-11-19T11:41:00")
    assert math.isnan(table.t0[3])


def test_start_and_end_variables_make_a_period():
    rows = [{"geom": lit("POINT(0 0)", GEO + "wktLiteral"), "start": lit("2021-01-01", XSD + "date"),
             "end": lit("2021-01-31", XSD + "date")}]
    table, info = from_sparql_json(results(rows, ("geom", "start", "end")))
    assert info["time"] == ["start", "end"]
    assert (table.t0[0], table.t1[0]) == (ms("2021-01-01T00:00:00"), ms("2021-02-01T00:00:00"))


def test_time_span_rejects_text_that_is_no_time():
    assert time_span("yesterday", None) is None
    assert time_span("[2020-01-01T00:00:00,2020-01-02T00:00:00]", None)[1] == ms("2020-01-02T00:00:00") + 1


def test_file_rows_take_time_from_begin_end_or_timestamp():
    import shapely

    geoms = shapely.points([[0, 0], [1, 1], [2, 2]])
    table = from_rows(geoms, [{"begin": "2020-01-01", "end": "2020-01-10"}, {"timestamp": "2020-05-05T12:00:00Z"},
                              {"name": "untimed"}])
    assert table.t0[0] == ms("2020-01-01T00:00:00") and table.t1[0] == ms("2020-01-11T00:00:00")
    assert table.t0[1] == ms("2020-05-05T12:00:00")
    assert math.isnan(table.t0[2])
