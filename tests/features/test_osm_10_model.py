"""The feature model: tag rules, value normalisation, model validation, cleansing helpers, CQL2 text."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import yaml

from ai4c.core.errors import InvalidParameterError
from ai4c.features.cleanse import assemble, duplicate_mask, hilbert_key, repair
from ai4c.features.cql2 import parse_cql2
from ai4c.features.model import ModelError, geometry_kind, model_from_dict
from ai4c.features.normalise import UnparsableValue, convert, parse_quantity
from ai4c.pipelines.osm_ingest import DEFAULT_MODEL

ISSUE_CLASSES = ("airport heliport runway port power_plant power_substation power_line hospital police fire_station "
                 "military prison embassy government bridge dam railway railway_station road fuel pipeline "
                 "border_crossing telecom_tower building place").split()


@pytest.fixture(scope="module")
def model():
    return model_from_dict(yaml.safe_load(DEFAULT_MODEL.read_text()))


def names(model, tags):
    return sorted(c.name for c in model.classify(tags))


def test_shipped_model_has_every_class_of_the_issue(model):
    assert set(ISSUE_CLASSES) <= set(model.classes)


@pytest.mark.parametrize(("tags", "expected"), [
    ({"aeroway": "aerodrome"}, ["airport"]),
    ({"aeroway": "helipad"}, ["heliport"]),
    ({"harbour": "yes"}, ["port"]),
    ({"industrial": "port"}, ["port"]),
    ({"military": "bunker"}, ["military"]),
    ({"military": "no"}, []),
    ({"office": "diplomatic"}, ["embassy"]),
    ({"amenity": "embassy"}, ["embassy"]),
    ({"bridge": "yes", "highway": "primary"}, ["bridge", "road"]),
    ({"bridge": "yes", "railway": "rail"}, ["bridge", "railway"]),
    ({"bridge": "yes", "waterway": "canal"}, []),
    ({"highway": "footway"}, []),
    ({"railway": "subway"}, ["railway"]),
    ({"man_made": "mast", "tower:type": "communication"}, ["telecom_tower"]),
    ({"man_made": "tower", "communication:mobile_phone": "yes"}, ["telecom_tower"]),
    ({"man_made": "tower", "tower:type": "observation"}, []),
    ({"building": "hospital", "amenity": "hospital"}, ["building", "hospital"]),
    ({"place": "hamlet"}, []),
])
def test_rules_select_the_classes_of_the_issue(model, tags, expected):
    assert names(model, tags) == expected


@pytest.mark.parametrize(("text", "kind", "unit", "expected"), [
    ("110 kV", "float", "V", 110000.0), ("110kV;20 kV", "float", "V", 110000.0), ("400000", "float", "V", 400000.0),
    ("450 MW", "float", "W", 450e6), ("1,5 GW", "float", "W", 1.5e9), ("120", "int", None, 120),
    ("yes", "bool", None, True), ("  Saint   John ", "string", None, "Saint John"),
])
def test_values_are_normalised(text, kind, unit, expected):
    assert convert(text, kind, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["high", "110 kA", "12 000", ""])
def test_unparsable_values_are_refused(text):
    with pytest.raises(UnparsableValue):
        parse_quantity(text, "V")


def test_case_normalisation(model):
    attr = {a.name: a for a in model.classes["airport"].attributes}["iata"]
    assert attr.value({"iata": " hel "}) == "HEL"


@pytest.mark.parametrize(("document", "message"), [
    ({"classes": {"x": {"rules": [{"key": "a", "op": "regex", "value": "b"}]}}}, "unknown tag operator 'regex'"),
    ({"classes": {"x": {"rules": [{"key": "a", "op": "in"}]}}}, "needs a non-empty 'values'"),
    ({"classes": {"x": {"rules": [{"op": "eq", "value": "b"}]}}}, "needs a 'key'"),
    ({"classes": {"x": {"rules": [{"key": "a"}], "geometry": ["area"]}}}, "geometry"),
    ({"classes": {"x": {"rules": [{"key": "a", "value": 1}], "attributes": {"v": {"tag": "v", "type": "dbl"}}}}},
     "type 'dbl'"),
    ({"classes": {}}, "non-empty 'classes'"),
])
def test_bad_models_are_refused_with_the_reason(document, message):
    with pytest.raises(ModelError, match=message):
        model_from_dict(document)


def test_geometry_kind_rules(model):
    building, road, power_line = (model.classes[k] for k in ("building", "road", "power_line"))
    assert geometry_kind(building, "way", True, {}) == ("polygon", "")
    assert geometry_kind(building, "way", False, {}) == (None, "unclosed_polygon")
    assert geometry_kind(road, "way", True, {}) == ("line", "")
    assert geometry_kind(power_line, "node", False, {}) == (None, "geometry_not_allowed")
    assert geometry_kind(building, "relation", True, {}) == ("polygon", "")


def test_assemble_and_repair_bowtie_and_degenerate_rings():
    lines = [shapely.to_wkb(shapely.LineString([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])),
             shapely.to_wkb(shapely.LineString([(0, 0), (1, 0), (0, 0)])),
             shapely.to_wkb(shapely.LineString([(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]))]
    geoms = assemble(lines, np.array([True, True, True]))
    geoms, repaired, dropped = repair(geoms)
    assert repaired.tolist() == [True, False, False]
    assert dropped.tolist() == [False, True, False]
    assert geoms[0].is_valid and geoms[0].area == pytest.approx(0.5)  # two triangles of 1/4
    assert geoms[2].area == pytest.approx(4.0)


def test_duplicates_keep_the_newest_copy():
    types = np.array(["way", "way", "node", "way"])
    ids = np.array([7, 7, 7, 8])
    stamps = np.array([10, 20, 5, 1])
    assert duplicate_mask(types, ids, stamps).tolist() == [True, False, False, False]


def test_hilbert_key_keeps_neighbours_close():
    # a Hilbert curve's consecutive cells are adjacent: walking the keys of a 16x16 grid in order
    xs, ys = np.meshgrid(np.arange(16), np.arange(16))
    lon = -180 + (xs.ravel() + 0.5) * 360 / 16
    lat = -90 + (ys.ravel() + 0.5) * 180 / 16
    keys = hilbert_key(lon, lat, order=4)
    assert sorted(keys.tolist()) == list(range(256))
    order = np.argsort(keys)
    steps = np.abs(np.diff(xs.ravel()[order])) + np.abs(np.diff(ys.ravel()[order]))
    assert (steps == 1).all()


def test_cql2_text_becomes_cql2_json():
    parsed = parse_cql2("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))) AND name = 'O''Hare'")
    assert parsed["op"] == "and"
    assert shapely.geometry.shape(parsed["args"][0]["args"][1]).area == pytest.approx(1.0)
    assert parsed["args"][1] == {"op": "=", "args": [{"property": "name"}, "O'Hare"]}
    assert parse_cql2("s_intersects(geometry, BBOX(0, 0, 2, -1.5))")["args"][1] == {"bbox": [0, 0, 2, -1.5]}
    for bad in ["S_INTERSECTS(geometry, POLYGON((0 0, 1 0)", "S_INTERSECTS(geometry, )", "",
                "a = 'b' OR", "name ==", "(a = 1"]:
        with pytest.raises(InvalidParameterError):
            parse_cql2(bad)
