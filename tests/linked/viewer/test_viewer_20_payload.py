"""Layer payloads: GeoJSON for small layers, compact columns for large ones (same features, ~1 m)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.viewer.features import from_rows
from ai4c.linked.viewer.mapdoc import check_map, read_map
from ai4c.linked.viewer.payload import layer_payload


def test_small_layers_are_geojson_with_index_and_time():
    table = from_rows(shapely.points([[23.1, 38.2], [24.0, 37.5]]), [{"name": "a", "date": "2020-01-01"},
                                                                     {"name": "b"}])
    payload = layer_payload(table)
    assert payload["mode"] == "geojson" and payload["count"] == 2
    features = payload["data"]["features"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [23.1, 38.2]}
    assert features[0]["properties"]["name"] == "a" and features[0]["properties"]["_i"] == 0
    assert features[0]["properties"]["_t0"] == 1577836800000.0 and features[1]["properties"]["_t0"] is None
    assert payload["bounds"] == [23.1, 37.5, 24.0, 38.2]
    assert payload["time"] == [1577836800000.0, 1577836800000.0 + 86_400_000]


def test_large_layers_are_compact_and_lossless_to_a_metre():
    rng = np.random.default_rng(1)
    xy = np.column_stack([rng.uniform(20, 26, 5000), rng.uniform(35, 41, 5000)])
    squares = [shapely.box(x, y, x + 0.01, y + 0.01) for x, y in xy[:500]]
    holed = shapely.Polygon(shapely.box(0, 0, 1, 1).exterior.coords, [shapely.box(0.4, 0.4, 0.6, 0.6).exterior.coords])
    geoms = np.array(list(shapely.points(xy)) + squares + [holed, shapely.MultiPoint([[5, 5], [6, 6]])], dtype=object)
    rows = [{"k": i % 7} for i in range(len(geoms))]
    payload = layer_payload(from_rows(geoms, rows), geojson_limit=1000)
    assert payload["mode"] == "compact" and payload["count"] == len(geoms)
    points = payload["points"]
    # every point feature (and both parts of the multipoint) is there at its place, within 1e-5 degrees
    got = np.array(points["xy"]).reshape(-1, 2)
    assert points["index"][:5000] == list(range(5000))
    np.testing.assert_allclose(got[:5000], xy, atol=6e-6)
    assert points["index"][5000:] == [len(geoms) - 1] * 2
    shapes = payload["shapes"]
    assert shapes["index"] == list(range(5000, 5501))
    flat = np.array(shapes["xy"]).reshape(-1, 2)
    first = flat[shapes["rings"][0]:shapes["rings"][1]]
    np.testing.assert_allclose(shapely.Polygon(first).area, squares[0].area, rtol=1e-3)
    holed_rings = range(shapes["parts"][500], shapes["parts"][501])
    assert len(holed_rings) == 2 and shapes["filled"][500] == 1
    assert payload["columns"]["k"] == [r["k"] for r in rows]
    assert payload["t0"] is None


def test_compact_payload_is_far_smaller_than_geojson():
    rng = np.random.default_rng(2)
    n = 20_000
    geoms = shapely.points(np.column_stack([rng.uniform(-10, 30, n), rng.uniform(35, 60, n)]))
    rows = [{"label": f"feature {i}"} for i in range(n)]
    compact = len(json.dumps(layer_payload(from_rows(geoms, rows), geojson_limit=100)))
    geojson = len(json.dumps(layer_payload(from_rows(geoms, rows), geojson_limit=n)))
    assert compact < 0.5 * geojson


def test_map_documents_are_checked_and_defaulted(tmp_path):
    doc = check_map({"layers": [{"type": "sparql", "endpoint": "local", "query": "SELECT * {}"},
                                {"type": "raster", "file": "a.tif"}]})
    assert doc["view"] == {"center": [20.0, 0.0], "zoom": 2.0} and doc["time"] == {"mode": "at", "value": None}
    assert [layer["id"] for layer in doc["layers"]] == ["layer1", "layer2"]
    assert doc["layers"][0]["style"]["kind"] == "single" and doc["layers"][1]["cmap"] == "viridis"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    assert read_map(path) == doc


@pytest.mark.parametrize(("doc", "message"), [
    ([], "JSON object"),
    ({"layers": [{"type": "shapefile"}]}, r"layers\[0\].type is 'shapefile'"),
    ({"layers": [{"type": "sparql", "endpoint": "local"}]}, r"layers\[0\].query"),
    ({"layers": [{"type": "xyz", "url": "http://t/{z}/{x}/{y}.png", "opacity": 3}]}, r"opacity"),
    ({"layers": [{"type": "file", "file": "a.kml", "style": {"kind": "graduated"}}]}, r"style.by"),
    ({"view": {"center": [100, 0]}, "layers": []}, r"view.center\[0\]"),
    ({"ai4c_map": 7, "layers": []}, "version 7"),
    ({"time": {"mode": "sometime"}, "layers": []}, "time.mode"),
])
def test_bad_map_documents_name_the_field(doc, message):
    with pytest.raises(InvalidParameterError, match=message):
        check_map(doc)


def test_unreadable_map_file_is_bad_input(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(InvalidParameterError, match="not a JSON map document"):
        read_map(path)


def test_compact_shapes_keep_every_ring_of_every_kind():
    shapes = [shapely.LineString([(0, 0), (1, 1), (2, 0)]),
              shapely.MultiLineString([[(5, 5), (6, 6)], [(7, 7), (8, 9)]]),
              shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.Polygon(
                  shapely.box(12, 12, 15, 15).exterior.coords, [shapely.box(13, 13, 14, 14).exterior.coords])]),
              shapely.GeometryCollection([shapely.box(20, 20, 21, 21), shapely.LineString([(22, 22), (23, 23)])])]
    geoms = np.array([shapely.Point(0, 0)] * 3 + shapes, dtype=object)
    payload = layer_payload(from_rows(geoms, [{}] * len(geoms)), geojson_limit=1)
    flat = payload["shapes"]
    assert flat["index"] == [3, 4, 5, 6] and flat["filled"] == [0, 0, 1, 0]
    xy = np.array(flat["xy"]).reshape(-1, 2)
    for j, shape in enumerate(shapes):
        rings = [xy[flat["rings"][k]:flat["rings"][k + 1]] for k in range(flat["parts"][j], flat["parts"][j + 1])]
        # the shape's rings and lines, in order: exterior then holes of each polygon, each line
        expected = [np.asarray(r.coords) for part in shapely.get_parts(shape)
                    for r in (shapely.get_rings(part) if part.geom_type == "Polygon" else [part])]
        assert len(rings) == len(expected), j
        for got, want in zip(rings, expected, strict=True):
            np.testing.assert_allclose(got, want)
