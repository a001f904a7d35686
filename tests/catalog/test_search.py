import datetime as dt
import json

import pytest
from shapely.geometry import box

from ai4c.catalog.model import SearchQuery
from ai4c.catalog.remote import ODataClient, RestoClient, StacClient
from ai4c.catalog.search import search
from ai4c.core.errors import BadInputError, InvalidParameterError
from tests.catalog.servers import LocalServer, paged_features
from tests.conftest import shared

QUERY = SearchQuery(collection="SENTINEL-2", product_type="S2MSI1C", start=dt.datetime(2020, 8, 8, tzinfo=dt.UTC),
                    end=dt.datetime(2020, 8, 16, tzinfo=dt.UTC), aoi=box(137.7, 13.1, 153.7, 23.9), max_results=50)


def _load(name):
    return json.loads(shared("misc", "eo_catalog_responses", name).read_text())


def test_resto_parses_real_sara_response():
    body = _load("resto_sara_search_S2.json")
    client = RestoClient("sara", {"endpoint": "http://x"})
    products = [client.parse(f, "SENTINEL-2") for f in body["features"]]
    first = products[0]
    assert first.title == "S2A_MSIL1C_20200815T005251_N0209_R002_T55PDR_20200815T023440"
    assert first.product_type == "S2MSI1C" and first.cloud_cover == pytest.approx(20.5218)
    assert first.start == dt.datetime(2020, 8, 15, 0, 52, 51, 24000, tzinfo=dt.UTC)
    assert first.checksum == {"MD5": "64ffca4b9cd13d094ed05554e010db5a"}
    assert first.footprint.bounds == pytest.approx((146.0717, 13.4783, 147.0906, 14.4728), abs=1e-3)


def test_resto_parses_real_peps_response():
    body = _load("resto_peps_search.json")
    products = [RestoClient("peps", {"endpoint": "http://x"}).parse(f, "SENTINEL-1") for f in body["features"]]
    assert len(products) == len(body["features"]) > 0
    assert all(p.start <= p.end and p.footprint is not None for p in products)


def test_odata_parses_real_cdse_response():
    body = _load("cdse_odata_search_S2.json")
    client = ODataClient("cdse", {"endpoint": "http://x/odata/v1"})
    first = client.parse(body["value"][0], "SENTINEL-2")
    assert first.title == "S2A_MSIL1C_20200808T010311_N0500_R045_T54PXA_20230413T212505.SAFE"
    assert first.href.startswith("/eodata/Sentinel-2/MSI/L1C_N0500/2020/08/08/")
    assert first.checksum["MD5"] == "923ac4992d90b57d41e7ace4d9d90757"
    assert first.size == 224105657
    assert first.footprint.bounds[0] == pytest.approx(142.3528, abs=1e-3)


def test_stac_parses_real_earth_search_response():
    body = _load("stac_earth_search_search.json")
    products = [StacClient("es", {"endpoint": "http://x"}).parse(f, "SENTINEL-2") for f in body["features"]]
    assert len(products) == body["numberReturned"]
    assert all(p.href and p.footprint is not None for p in products)


def _features(n):
    return [{"type": "Feature", "id": f"id{i}", "geometry": {"type": "Polygon", "coordinates": [
        [[140, 15], [141, 15], [141, 16], [140, 16], [140, 15]]]},
        "properties": {"title": f"P{i}", "productIdentifier": f"/eodata/p{i}.SAFE", "productType": "S2MSI1C",
                       "startDate": f"2020-08-{9 + i % 5:02d}T00:00:00Z", "completionDate": f"2020-08-{9 + i % 5:02d}T00:00:10Z",
                       "cloudCover": i}} for i in range(n)]


def test_resto_paging_against_local_server():
    features = _features(7)

    def handler(path, query, server):
        assert path == "/resto/api/collections/Sentinel2/search.json"
        page, per = int(query["page"]), int(query["maxRecords"])
        return 200, {"type": "FeatureCollection", "properties": {"totalResults": len(features)},
                     "features": paged_features(features, page, per)}, "application/json"

    with LocalServer(handler) as server:
        config = {"protocol": "resto", "endpoint": server.url + "/resto", "page_size": 3,
                  "collections": {"SENTINEL-2": "Sentinel2"}}
        found = list(search(QUERY, "mine", providers={"mine": config}))
        assert [p.id for p in found] == [f"id{i}" for i in range(7)]
        assert len(server.requests) == 3
        _, params = server.requests[0]
        assert params["productType"] == "S2MSI1C" and params["startDate"] == "2020-08-08T00:00:00.000Z"
        assert params["geometry"].startswith("POLYGON ((")


def test_odata_next_link_paging_and_filter():
    entries = [{"Id": f"u{i}", "Name": f"N{i}.SAFE", "S3Path": f"/eodata/N{i}.SAFE",
                "ContentDate": {"Start": "2020-08-09T00:00:00.000Z", "End": "2020-08-09T00:00:01.000Z"},
                "GeoFootprint": {"type": "Polygon", "coordinates": [[[140, 15], [141, 15], [141, 16], [140, 15]]]},
                "Attributes": [{"Name": "productType", "Value": "S2MSI1C"}]} for i in range(5)]

    def handler(path, query, server):
        skip = int(query.get("$skip", 0))
        body = {"value": entries[skip: skip + 2]}
        if skip + 2 < len(entries):
            body["@odata.nextLink"] = f"{server.url}/odata/v1/Products?$skip={skip + 2}"
        return 200, body, "application/json"

    with LocalServer(handler) as server:
        config = {"protocol": "odata", "endpoint": server.url + "/odata/v1", "page_size": 2}
        found = list(search(QUERY, "cdse", providers={"cdse": config}))
        assert [p.id for p in found] == [f"u{i}" for i in range(5)]
        assert found[0].product_type == "S2MSI1C"
        first_filter = server.requests[0][1]["$filter"]
        assert "OData.CSC.Intersects(area=geography'SRID=4326;POLYGON" in first_filter
        assert "ContentDate/Start lt 2020-08-16T00:00:00.000Z" in first_filter
        assert "att/OData.CSC.StringAttribute/Value eq 'S2MSI1C'" in first_filter


def test_stac_api_against_local_server():
    items = [{"type": "Feature", "stac_version": "1.0.0", "id": f"s{i}", "collection": "sentinel-2-l2a",
              "geometry": {"type": "Polygon", "coordinates": [[[140, 15], [141, 15], [141, 16], [140, 15]]]},
              "bbox": [140, 15, 141, 16], "links": [],
              "properties": {"datetime": "2020-08-10T00:00:00Z", "eo:cloud_cover": 5.0},
              "assets": {"data": {"href": f"s3://bucket/s{i}.zip", "roles": ["data"]}}} for i in range(3)]

    def handler(path, query, server):
        if path in ("", "/"):
            return 200, {"type": "Catalog", "id": "local", "description": "x", "stac_version": "1.0.0",
                         "conformsTo": ["https://api.stacspec.org/v1.0.0/core",
                                        "https://api.stacspec.org/v1.0.0/item-search"],
                         "links": [{"rel": "search", "href": server.url + "/search", "type": "application/geo+json",
                                    "method": "GET"},
                                   {"rel": "self", "href": server.url + "/"},
                                   {"rel": "root", "href": server.url + "/"}]}, "application/json"
        return 200, {"type": "FeatureCollection", "features": items, "links": []}, "application/geo+json"

    with LocalServer(handler) as server:
        config = {"protocol": "stac", "endpoint": server.url + "/", "collections": {"SENTINEL-2": "sentinel-2-l2a"}}
        query = SearchQuery(collection="SENTINEL-2", start=QUERY.start, end=QUERY.end, aoi=QUERY.aoi)
        found = list(search(query, "stac", providers={"stac": config}))
        assert [p.href for p in found] == [f"s3://bucket/s{i}.zip" for i in range(3)]
        assert found[0].cloud_cover == 5.0


def test_empty_results():
    def handler(path, query, server):
        return 200, {"type": "FeatureCollection", "properties": {"totalResults": 0}, "features": []}, "application/json"

    with LocalServer(handler) as server:
        config = {"protocol": "resto", "endpoint": server.url}
        assert list(search(QUERY, "r", providers={"r": config})) == []


def test_unreachable_endpoint_is_a_clear_error():
    config = {"protocol": "resto", "endpoint": "http://127.0.0.1:9", "timeout": 2}
    with pytest.raises(BadInputError, match="unreachable"):
        list(search(QUERY, "r", providers={"r": config}))


def test_reversed_period_and_unknown_provider():
    with pytest.raises(InvalidParameterError, match="reversed"):
        SearchQuery(collection="X", start=dt.datetime(2021, 1, 2, tzinfo=dt.UTC), end=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidParameterError, match="not configured"):
        list(search(QUERY, "nope", providers={}))
