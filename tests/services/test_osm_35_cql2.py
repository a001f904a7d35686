"""CQL2 filters (OGC API Features Part 3): CQL2-Text and CQL2-JSON against a row-by-row Python truth, and
through the service against shapely and the store's own rows."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import unicodedata
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from fastapi.testclient import TestClient

from ai4c.core.errors import InvalidParameterError
from ai4c.features.cql2 import compile_filter, parse_cql2
from ai4c.products.feature_store import FeatureStore
from ai4c.services.osm_features import create_app
from tests.services.osm_town import town_store

UTC = dt.UTC
NAMES = ["Alpha", "alpha", "Beta", "Gamma road", "Zürich", "Zurich", None, "O'Hare", "100%"]


@pytest.fixture(scope="module")
def rows():
    """200 rows of every column type, with nulls, as a table and as Python dicts (the truth's input)."""
    rng = np.random.default_rng(7)
    n = 200
    names = [NAMES[i] for i in rng.integers(0, len(NAMES), n)]
    levels = [None if rng.random() < 0.15 else int(v) for v in rng.integers(0, 12, n)]
    height = [None if rng.random() < 0.1 else float(v) for v in np.round(rng.uniform(0, 40, n), 1)]
    stamps = [dt.datetime(2015, 1, 1, tzinfo=UTC) + dt.timedelta(hours=int(h)) for h in rng.integers(0, 24 * 3650, n)]
    x, y = rng.uniform(0, 10, n), rng.uniform(0, 10, n)
    sizes = rng.choice([0.0, 0.5], n)
    geoms = [shapely.Point(a, b) if s == 0 else shapely.box(a, b, a + s, b + s) for a, b, s in zip(x, y, sizes,
                                                                                                     strict=True)]
    geoms[:2] = [shapely.box(5, 5, 5.5, 5.5), shapely.box(4.9, 4.9, 5.4, 5.4)]  # two around POINT(5.2 5.2)
    table = pa.table({"name": pa.array(names, pa.string()), "levels": pa.array(levels, pa.int64()),
                      "height": pa.array(height, pa.float64()),
                      "source_timestamp": pa.array(stamps, pa.timestamp("ms", tz="UTC")),
                      "geometry": pa.array(shapely.to_wkb(geoms), pa.binary())})
    records = [dict(name=a, levels=b, height=c, source_timestamp=d, geometry=g)
               for a, b, c, d, g in zip(names, levels, height, stamps, geoms, strict=True)]
    return table, records


def selected(table: pa.Table, text: str) -> list[int]:
    types = {f.name: f.type for f in table.schema}
    return np.flatnonzero(compile_filter(parse_cql2(text), types).mask(table)).tolist()


def expected(records: list[dict], truth) -> list[int]:
    """Rows where the Python truth is True (None, SQL's unknown, is not selected)."""
    return [i for i, r in enumerate(records) if truth(r) is True]


def both(a, b, f):
    """f(a, b), unknown (None) when one operand is null."""
    return None if a is None or b is None else f(a, b)


def fold(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


SQUARE = shapely.box(2, 2, 6, 6)
CASES = [
    ("levels = 3", lambda r: both(r["levels"], 3, lambda a, b: a == b)),
    ("levels <> 3", lambda r: both(r["levels"], 3, lambda a, b: a != b)),
    ("height >= 20.5 AND levels < 4", lambda r: _and(both(r["height"], 20.5, lambda a, b: a >= b),
                                                    both(r["levels"], 4, lambda a, b: a < b))),
    ("NOT (levels > 5 OR name = 'Beta')", lambda r: _not(_or(both(r["levels"], 5, lambda a, b: a > b),
                                                               both(r["name"], "Beta", lambda a, b: a == b)))),
    ("levels BETWEEN 2 AND 4", lambda r: both(r["levels"], 0, lambda a, _: 2 <= a <= 4)),
    ("levels NOT BETWEEN 2 AND 4", lambda r: both(r["levels"], 0, lambda a, _: not 2 <= a <= 4)),
    ("name IN ('Alpha', 'Beta')", lambda r: both(r["name"], 0, lambda a, _: a in ("Alpha", "Beta"))),
    ("name NOT IN ('Alpha', 'Beta')", lambda r: both(r["name"], 0, lambda a, _: a not in ("Alpha", "Beta"))),
    ("name IS NULL", lambda r: r["name"] is None),
    ("name IS NOT NULL AND levels IS NULL", lambda r: r["name"] is not None and r["levels"] is None),
    ("name LIKE 'Gam%'", lambda r: both(r["name"], 0, lambda a, _: a.startswith("Gam"))),
    ("name LIKE '_eta'", lambda r: both(r["name"], 0, lambda a, _: fnmatch.fnmatchcase(a, "?eta"))),
    ("name NOT LIKE '%a'", lambda r: both(r["name"], 0, lambda a, _: not a.endswith("a"))),
    (r"name LIKE '100\%'", lambda r: r["name"] == "100%"),
    ("name = 'O''Hare'", lambda r: r["name"] == "O'Hare"),
    ("CASEI(name) = casei('ALPHA')", lambda r: both(r["name"], 0, lambda a, _: a.lower() == "alpha")),
    ("ACCENTI(name) = ACCENTI('Zurich')", lambda r: both(r["name"], 0, lambda a, _: fold(a) == "Zurich")),
    ("levels * 2 + 1 > height", lambda r: both(r["levels"], r["height"], lambda a, b: a * 2 + 1 > b)),
    ("height / 2 < levels", lambda r: both(r["levels"], r["height"], lambda a, b: b / 2 < a)),
    ("levels > height", lambda r: both(r["levels"], r["height"], lambda a, b: a > b)),
    ("source_timestamp > TIMESTAMP('2020-03-01T00:00:00Z')",
     lambda r: r["source_timestamp"] > dt.datetime(2020, 3, 1, tzinfo=UTC)),
    ("source_timestamp < DATE('2017-01-01')", lambda r: r["source_timestamp"] < dt.datetime(2017, 1, 1, tzinfo=UTC)),
    ("T_AFTER(source_timestamp, TIMESTAMP('2022-01-01T00:00:00Z'))",
     lambda r: r["source_timestamp"] > dt.datetime(2022, 1, 1, tzinfo=UTC)),
    ("T_BEFORE(source_timestamp, DATE('2016-06-01'))",
     lambda r: r["source_timestamp"] < dt.datetime(2016, 6, 1, tzinfo=UTC)),
    ("T_DURING(source_timestamp, INTERVAL('2018-01-01', '2019-12-31'))",
     lambda r: dt.datetime(2018, 1, 1, tzinfo=UTC) < r["source_timestamp"] < dt.datetime(2020, 1, 1, tzinfo=UTC)),
    ("T_INTERSECTS(source_timestamp, INTERVAL('2023-01-01T00:00:00Z', '..'))",
     lambda r: r["source_timestamp"] >= dt.datetime(2023, 1, 1, tzinfo=UTC)),
    ("T_DISJOINT(source_timestamp, INTERVAL('..', '2023-01-01'))",
     lambda r: r["source_timestamp"] >= dt.datetime(2023, 1, 2, tzinfo=UTC)),
    ("S_INTERSECTS(geometry, POLYGON((2 2, 6 2, 6 6, 2 6, 2 2)))", lambda r: r["geometry"].intersects(SQUARE)),
    ("S_WITHIN(geometry, BBOX(2, 2, 6, 6))", lambda r: r["geometry"].within(SQUARE)),
    ("S_DISJOINT(geometry, BBOX(2, 2, 6, 6))", lambda r: r["geometry"].disjoint(SQUARE)),
    ("S_OVERLAPS(geometry, BBOX(2, 2, 6, 6))", lambda r: r["geometry"].overlaps(SQUARE)),
    ("S_CONTAINS(geometry, POINT(5.2 5.2))", lambda r: r["geometry"].contains(shapely.Point(5.2, 5.2))),
    ("S_INTERSECTS(POINT(5.2 5.2), geometry)", lambda r: r["geometry"].intersects(shapely.Point(5.2, 5.2))),
    ("S_CROSSES(geometry, LINESTRING(0 5, 10 5.3))",
     lambda r: r["geometry"].crosses(shapely.LineString([(0, 5), (10, 5.3)]))),
    ("S_INTERSECTS(geometry, BBOX(0, 0, 3, 3)) OR S_INTERSECTS(geometry, BBOX(7, 7, 10, 10)) AND levels > 6",
     lambda r: _or(r["geometry"].intersects(shapely.box(0, 0, 3, 3)),
                   _and(r["geometry"].intersects(shapely.box(7, 7, 10, 10)), both(r["levels"], 6, lambda a, b: a > b)))),
]


def _and(a, b):
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a, b):
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a):
    return None if a is None else not a


@pytest.mark.parametrize(("text", "truth"), CASES, ids=[c[0][:50] for c in CASES])
def test_filter_selects_what_a_row_by_row_truth_selects(rows, text, truth):
    table, records = rows
    want = expected(records, truth)
    assert selected(table, text) == want
    assert 0 < len(want) < len(records) or text in ("name = 'O''Hare'", r"name LIKE '100\%'")


def test_cql2_json_equals_cql2_text(rows):
    table, _ = rows
    types = {f.name: f.type for f in table.schema}
    document = {"op": "and", "args": [
        {"op": "s_intersects", "args": [{"property": "geometry"},
                                        {"type": "Polygon", "coordinates": [[[2, 2], [6, 2], [6, 6], [2, 6], [2, 2]]]}]},
        {"op": "not", "args": [{"op": "isNull", "args": [{"property": "levels"}]}]},
        {"op": "t_after", "args": [{"property": "source_timestamp"}, {"timestamp": "2018-01-01T00:00:00Z"}]}]}
    text = ("S_INTERSECTS(geometry, POLYGON((2 2, 6 2, 6 6, 2 6, 2 2))) AND levels IS NOT NULL AND "
            "T_AFTER(source_timestamp, TIMESTAMP('2018-01-01T00:00:00Z'))")
    from_json = compile_filter(json.loads(json.dumps(document)), types)
    assert from_json.mask(table).tolist() == compile_filter(parse_cql2(text), types).mask(table).tolist()
    assert from_json.envelope == (2, 2, 6, 6)


def test_envelope_bounds_only_what_must_meet_the_geometry(rows):
    types = {f.name: f.type for f in rows[0].schema}
    envelope = compile_filter(parse_cql2("S_INTERSECTS(geometry, BBOX(0,0,4,4)) AND S_WITHIN(geometry, "
                                         "BBOX(2,1,9,3))"), types).envelope
    assert envelope == (2, 1, 4, 3)
    assert compile_filter(parse_cql2("S_INTERSECTS(geometry, BBOX(0,0,1,1)) OR levels = 1"), types).envelope is None
    assert compile_filter(parse_cql2("S_DISJOINT(geometry, BBOX(0,0,1,1))"), types).envelope is None
    assert compile_filter(parse_cql2("NOT S_INTERSECTS(geometry, BBOX(0,0,1,1))"), types).envelope is None


@pytest.mark.parametrize(("text", "message"), [
    ("colour = 'red'", "unknown property 'colour'"),
    ("levels = 'three'", "cannot compare a number with a string"),
    ("name LIKE levels", "LIKE needs"),
    ("S_INTERSECTS(geometry, 3)", "needs two geometries"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))", "invalid WKT"),
    ("T_AFTER(name, TIMESTAMP('2020-01-01T00:00:00Z'))", "temporal predicates"),
    ("source_timestamp > TIMESTAMP('yesterday')", "not RFC 3339"),
    ("FOO(levels) = 1", "unknown function"),
    ("levels IN ()", "unexpected"),
    ("levels = 1 AND", "unexpected"),
    ("levels = 1)", "unexpected"),
])
def test_invalid_filters_are_one_line_errors(rows, text, message):
    types = {f.name: f.type for f in rows[0].schema}
    with pytest.raises(InvalidParameterError) as caught:
        compile_filter(parse_cql2(text), types)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("osm-cql2")
    store = town_store(folder, buildings=250, seed=5)
    return TestClient(create_app(FeatureStore(store))), store


def ids_of(table: pa.Table, mask) -> set[str]:
    return {f"w{i}" for i in np.asarray(table["osm_id"])[np.asarray(mask, dtype=bool)]}


def all_ids(client, url: str) -> tuple[set[str], int]:
    """Every feature id of a query, following the next links; and numberMatched."""
    seen, matched = [], None
    while url:
        body = client.get(url).json()
        assert "features" in body, body
        matched = body["numberMatched"] if matched is None else matched
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert len(seen) == len(set(seen))
    return set(seen), matched


def test_service_spatial_filters_equal_shapely(service):
    client, store = service
    table = pq.read_table(store / "building.parquet")
    geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    area = shapely.box(9.95, 49.95, 10.03, 50.02)
    wkt = area.wkt
    for text, truth in [(f"S_INTERSECTS(geometry, {wkt})", shapely.intersects(area, geoms)),
                        (f"S_WITHIN(geometry, {wkt})", shapely.within(geoms, area)),
                        (f"NOT S_INTERSECTS(geometry, {wkt})", ~shapely.intersects(area, geoms)),
                        (f"S_DISJOINT(geometry, {wkt}) AND S_INTERSECTS(geometry, BBOX(9.9, 49.9, 10.1, 50.1))",
                         shapely.disjoint(area, geoms) & shapely.intersects(shapely.box(9.9, 49.9, 10.1, 50.1),
                                                                             geoms))]:
        got, matched = all_ids(client, f"/collections/building/items?limit=40&filter={quote(text)}")
        assert 0 < len(got) < table.num_rows
        assert got == ids_of(table, truth) and matched == len(got), text


def test_service_cql2_json_and_text_agree_with_property_filters(service):
    client, _ = service
    text = "road_class IN ('primary', 'motorway') OR maxspeed_kmh > 40"
    document = {"op": "or", "args": [{"op": "in", "args": [{"property": "road_class"}, ["primary", "motorway"]]},
                                     {"op": ">", "args": [{"property": "maxspeed_kmh"}, 40]}]}
    by_text, _ = all_ids(client, f"/collections/road/items?filter={quote(text)}")
    by_json, _ = all_ids(client, f"/collections/road/items?filter-lang=cql2-json&filter={quote(json.dumps(document))}")
    by_param, _ = all_ids(client, "/collections/road/items?road_class=primary")
    assert by_text == by_json == by_param and len(by_text) == 1
    body = client.get("/collections/place/items?filter=" + quote("population IS NULL")).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Hamlet"]
    stamp = client.get("/collections/road/items?filter=" + quote(
        "T_DURING(source_timestamp, INTERVAL('2020-06-01', '2020-06-02'))")).json()
    assert stamp["numberMatched"] == 2


def test_service_rejects_bad_filters_with_400(service):
    client, _ = service
    for query, message in [("filter=" + quote("colour = 'red'"), "unknown property"),
                           ("filter=" + quote("population LIKE 'x'"), "LIKE needs"),
                           ("filter-lang=cql2-json&filter=" + quote('{"op": "frob", "args": []}'), "unknown operator"),
                           ("filter-crs=EPSG:3857&filter=" + quote("population > 1"), "filter-crs")]:
        response = client.get(f"/collections/place/items?{query}")
        assert response.status_code == 400 and message in response.json()["description"]
