"""The OGC API Features service: responses validated against the OpenAPI document it publishes, paging,
AoI selection against shapely, filters, and bad input as HTTP 400/404 problems."""

from __future__ import annotations

import re
from urllib.parse import quote

import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from ai4c.products.feature_store import FeatureStore
from ai4c.services.osm_features import create_app
from tests.services.osm_town import town_store

AOI = "POLYGON((9.95 49.95, 10.04 49.95, 10.04 50.03, 9.95 50.03, 9.95 49.95))"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("osm-api")
    town_store(folder, buildings=250, seed=3)
    client = TestClient(create_app(FeatureStore(folder / "store")))
    document = client.get("/api").json()
    validate_spec(document)
    return client, document, folder / "store"


def conforms(document: dict, response, path: str, method: str = "get") -> dict:
    """Validate a response's status, media type and body against the published OpenAPI document."""
    declared = document["paths"][path][method]["responses"]
    assert str(response.status_code) in declared, (path, response.status_code)
    media = response.headers["content-type"].split(";")[0]
    content = declared[str(response.status_code)]["content"]
    assert media in content, (path, media, list(content))
    body = response.json()
    schema = {**content[media]["schema"], "components": document["components"]}
    OAS31Validator(schema).validate(body)
    return body


def truth(store, klass):
    table = pq.read_table(store / f"{klass}.parquet")
    return table, shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))


def test_landing_conformance_collections_conform(service):
    client, doc, store = service
    landing = conforms(doc, client.get("/", headers={"accept": "application/json"}), "/")
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in landing["links"]}
    body = conforms(doc, client.get("/conformance"), "/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in body["conformsTo"]
    collections = conforms(doc, client.get("/collections"), "/collections")
    assert len(collections["collections"]) == 25
    one = conforms(doc, client.get("/collections/building"), "/collections/{collection_id}")
    table, geoms = truth(store, "building")
    np.testing.assert_allclose(one["extent"]["spatial"]["bbox"][0], shapely.total_bounds(geoms))
    assert one["numberOfFeatures"] == table.num_rows and one["attributes"]["levels"] == "integer"
    queryables = client.get("/collections/building/queryables").json()
    assert queryables["properties"]["building_type"] == {"type": "string"}


def test_paging_returns_every_feature_exactly_once(service):
    client, doc, store = service
    table, _ = truth(store, "building")
    seen, url = [], "/collections/building/items?limit=37"
    while url:
        page = conforms(doc, client.get(url), "/collections/{collection_id}/items")
        assert page["numberMatched"] == table.num_rows
        assert page["numberReturned"] == len(page["features"]) <= 37
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert len(seen) == len(set(seen)) == table.num_rows
    expected = {f"{t[0]}{i}" for t, i in zip(table["osm_type"].to_pylist(), table["osm_id"].to_pylist(), strict=True)}
    assert set(seen) == expected


@pytest.mark.parametrize("how", ["cql2", "post", "bbox"])
def test_area_selection_equals_a_shapely_intersection(service, how):
    client, doc, store = service
    table, geoms = truth(store, "building")
    area = shapely.from_wkt(AOI)
    if how == "cql2":
        response = client.get(f"/collections/building/items?limit=10000&filter={quote(f'S_INTERSECTS(geometry, {AOI})')}"
                              "&filter-lang=cql2-text")
    elif how == "post":
        response = client.post("/collections/building/items?limit=10000", json=shapely.geometry.mapping(area))
    else:
        response = client.get("/collections/building/items?limit=10000&bbox=" + ",".join(map(str, area.bounds)))
    body = conforms(doc, response, "/collections/{collection_id}/items", "post" if how == "post" else "get")
    inside = shapely.intersects(area, geoms)
    expected = {f"w{i}" for i in np.asarray(table["osm_id"])[inside]}
    assert 0 < len(expected) < table.num_rows
    assert {f["id"] for f in body["features"]} == expected
    assert body["numberMatched"] == len(expected)


def test_property_filter_datetime_and_one_item(service):
    client, doc, store = service
    body = conforms(doc, client.get("/collections/road/items?road_class=primary"), "/collections/{collection_id}/items")
    assert [f["properties"]["name"] for f in body["features"]] == ["Main Street"]
    body = client.get("/collections/place/items?filter=" + quote("name = 'Simtown'")).json()
    assert body["numberMatched"] == 1 and body["features"][0]["properties"]["population"] == 12000
    assert client.get("/collections/road/items?datetime=2020-06-01T00:00:00Z/..").json()["numberMatched"] == 2
    assert client.get("/collections/road/items?datetime=../2020-01-01T00:00:00Z").json()["numberMatched"] == 0
    fid = body["features"][0]["id"]
    one = conforms(doc, client.get(f"/collections/place/items/{fid}"), "/collections/{collection_id}/items/{feature_id}")
    assert one["id"] == fid and one["geometry"]["type"] == "Point"


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/collections/nope/items", 404, "no collection 'nope'"),
    ("/collections/road/items/w999999999", 404, "no feature"),
    ("/collections/road/items?limit=0", 400, "limit"),
    ("/collections/road/items?limit=100001", 400, "limit"),
    ("/collections/road/items?offset=-1", 400, "offset"),
    ("/collections/road/items?bbox=1,2,3", 400, "bbox"),
    ("/collections/road/items?filter=" + quote("S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))"), 400, "WKT"),
    ("/collections/road/items?filter=" + quote("name LIKES 'x%'"), 400, "invalid CQL2 filter"),
    ("/collections/road/items?filter=a&filter-lang=cql2-json", 400, "not JSON"),
    ("/collections/road/items?filter=a&filter-lang=sql", 400, "filter-lang"),
    ("/collections/road/items?lanes=many", 400, "lanes='many' is not a valid integer"),
    ("/collections/road/items?colour=red", 400, "unknown property 'colour'"),
    ("/collections/road/items?datetime=yesterday", 400, "RFC 3339"),
])
def test_bad_requests_are_problems(service, url, status, message):
    client, doc, _ = service
    response = client.get(url)
    assert response.status_code == status
    path = "/collections/{collection_id}/items/{feature_id}" if re.search(r"items/\w", url) else \
        "/collections/{collection_id}/items"
    assert message in conforms(doc, response, path)["description"]


def test_bad_post_body_is_a_problem(service):
    client, doc, _ = service
    response = client.post("/collections/road/items", json={"type": "Point", "coordinates": [10, 50]})
    assert response.status_code == 400
    assert "Polygon" in conforms(doc, response, "/collections/{collection_id}/items", "post")["description"]
