import json

import pytest
from pyproj import CRS

from ai4c.core.aoi import parse_aoi
from ai4c.core.errors import AoIError, InputNotFoundError


def test_wkt_aoi_in_lonlat():
    aoi = parse_aoi("POLYGON((12 42, 12.1 42, 12.1 42.1, 12 42.1, 12 42))")
    assert aoi.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = aoi.bounds_in("EPSG:32633")
    assert 251000 < minx < 252500 and 4652000 < miny < 4656000
    assert maxx - minx == pytest.approx(8500, rel=0.03)


def test_none_and_empty_give_no_aoi():
    assert parse_aoi(None) is None
    assert parse_aoi("  ") is None


def test_invalid_wkt_and_non_polygons():
    with pytest.raises(AoIError, match="invalid WKT"):
        parse_aoi("POLYGON((12 42, 12.1")
    with pytest.raises(AoIError, match="polygon"):
        parse_aoi("POINT(12 42)")


def test_vector_file_in_other_crs(tmp_path):
    path = tmp_path / "aoi.geojson"
    feature = {"type": "FeatureCollection",
               "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32633"}},
               "features": [{"type": "Feature", "properties": {},
                             "geometry": {"type": "Polygon", "coordinates": [[[300000, 5000000], [301000, 5000000],
                                                                              [301000, 5001000], [300000, 5001000],
                                                                              [300000, 5000000]]]}}]}
    path.write_text(json.dumps(feature))
    aoi = parse_aoi(str(path))
    assert aoi.crs == CRS.from_epsg(32633)
    assert aoi.geometry.area == pytest.approx(1e6)
    lon0, lat0, lon1, lat1 = aoi.bounds_in("EPSG:4326")
    assert 12.4 < lon0 < 12.5 and 45.1 < lat0 < 45.2


def test_missing_vector_file():
    with pytest.raises(InputNotFoundError):
        parse_aoi("/nonexistent/aoi.geojson")
