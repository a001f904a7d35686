"""Vector files for maps (GeoJSON, KML, GML, CSV with WKT) read through GDAL into lon/lat."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Transformer

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.core.log import collect_warnings
from ai4c.products.vector_files import read_vector_file

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>sites</name>
<Placemark><name>P1</name><Point><coordinates>23.7,37.9</coordinates></Point></Placemark>
<Placemark><name>L1</name><LineString><coordinates>23,37 24,38</coordinates></LineString></Placemark>
</Folder></Document></kml>"""
GML = """<?xml version="1.0" encoding="utf-8" ?>
<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">
 <gml:featureMember><ogr:places fid="places.0"><ogr:geometryProperty><gml:Point srsName="EPSG:32634">
 <gml:coordinates>500000,4200000</gml:coordinates></gml:Point></ogr:geometryProperty><ogr:name>x</ogr:name>
 </ogr:places></gml:featureMember>
</ogr:FeatureCollection>"""


def coords(table):
    return np.array([[g.centroid.x, g.centroid.y] for g in table.geometries])


def test_csv_with_wkt_counts_bad_rows(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text('name,wkt,when\na,POINT(23.7 37.9),2020-01-01\nb,"POLYGON((23 37,24 37,24 38,23 37))",2020-02-01\n'
                    "c,not wkt,2020-03-01\n")
    with collect_warnings() as warnings:
        table = read_vector_file(path)
    assert len(table) == 2 and table.skipped == 1
    assert warnings == ["sites.csv: 1 features without a readable geometry skipped"]
    assert table.properties == [{"name": "a", "when": "2020-01-01"}, {"name": "b", "when": "2020-02-01"}]
    np.testing.assert_allclose(coords(table)[0], [23.7, 37.9])
    assert table.geometries[1].area == pytest.approx(0.5)


def test_csv_in_a_projected_crs(tmp_path):
    path = tmp_path / "utm.csv"
    path.write_text("id,wkt\n1,POINT(500000 4200000)\n")
    lon, lat = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True).transform(500000, 4200000)
    np.testing.assert_allclose(coords(read_vector_file(path, crs="EPSG:32634"))[0], [lon, lat], atol=1e-9)


def test_kml_and_gml_are_reprojected(tmp_path):
    (tmp_path / "a.kml").write_text(KML)
    (tmp_path / "a.gml").write_text(GML)
    kml = read_vector_file(tmp_path / "a.kml")
    assert [p["Name"] for p in kml.properties] == ["P1", "L1"]
    np.testing.assert_allclose(coords(kml)[0], [23.7, 37.9])
    gml = read_vector_file(tmp_path / "a.gml")
    lon, lat = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True).transform(500000, 4200000)
    np.testing.assert_allclose(coords(gml)[0], [lon, lat], atol=1e-9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gml", "a.kml"]  # no .gfs left beside the file


def test_geojson_in_utm(tmp_path):
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32634"}},
                                "features": [{"type": "Feature", "properties": {"v": 1},
                                              "geometry": {"type": "Point", "coordinates": [500000, 4200000]}}]}))
    lon, lat = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True).transform(500000, 4200000)
    np.testing.assert_allclose(coords(read_vector_file(path))[0], [lon, lat], atol=1e-9)


def test_bad_files_are_bad_input(tmp_path):
    with pytest.raises(InputNotFoundError):
        read_vector_file(tmp_path / "missing.kml")
    with pytest.raises(InvalidParameterError, match="unknown vector file type '.shpx'"):
        (tmp_path / "x.shpx").write_text("x")
        read_vector_file(tmp_path / "x.shpx")
    broken = tmp_path / "broken.kml"
    broken.write_text("<kml><Document><Placemark>")
    with pytest.raises(InvalidProductError, match="broken.kml"):
        read_vector_file(broken)
