"""Sextant's server side: the SPARQL proxy (local store and remote endpoints, their errors), files,
tiles, map documents, and the mount at /map of `ai4c store serve`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from rasterio.transform import from_origin

from ai4c.linked.store import GeoStore
from ai4c.services.sextant import create_app
from ai4c.services.sextant_sources import Sources
from tests.web.browser import LiveServer

TTL = """@prefix geo: <http://www.opengis.net/ont/geosparql#> . @prefix ex: <http://ex.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
""" + "\n".join(f'ex:f{i} rdfs:label "feature {i}" ; geo:hasGeometry ex:g{i} . '
                f'ex:g{i} geo:asWKT "POINT({20 + i} {38 + i})"^^geo:wktLiteral .' for i in range(5))
QUERY = """PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?f ?geom ?label WHERE { ?f geo:hasGeometry ?g . ?g geo:asWKT ?geom . ?f rdfs:label ?label } ORDER BY ?f"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("rdf") / "d.ttl"
    path.write_text(TTL)
    store = GeoStore()
    store.load(path)
    return store


@pytest.fixture
def client(store, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    sources = Sources(endpoints=["http://127.0.0.1:9/sparql"], data_dirs=[data], state_dir=tmp_path / "state",
                      local_query=lambda q: store.query_serialized(q, "json")[0], timeout=5)
    return TestClient(create_app(sources)), data


def test_page_and_config(client):
    http, data = client
    (data / "a.kml").write_text("<kml/>")
    page = http.get("/")
    assert page.status_code == 200
    assert "/static/ai4c/sextant/sextant.js" in page.text and 'data-base="/"' in page.text
    config = http.get("/api/config").json()
    assert config["endpoints"] == ["local", "http://127.0.0.1:9/sparql"] and config["files"] == ["a.kml"]


def test_query_layer_from_the_local_store(client):
    http, _ = client
    answer = http.post("/api/query", json={"endpoint": "local", "query": QUERY}).json()
    assert answer["info"]["geometry"] == "geom"
    assert answer["table"]["total"] == 5 and answer["table"]["columns"] == ["f", "geom", "label"]
    features = answer["layer"]["data"]["features"]
    assert [f["geometry"]["coordinates"] for f in features] == [[20 + i, 38 + i] for i in range(5)]
    assert features[2]["properties"]["label"] == "feature 2"


def test_invalid_query_shows_the_parser_message(client):
    http, _ = client
    response = http.post("/api/query", json={"endpoint": "local", "query": "SELEC ?x WHERE {"})
    assert response.status_code == 400
    assert "error" in response.json()["detail"].lower()


def test_unknown_endpoint_and_empty_query_are_refused(client):
    http, _ = client
    response = http.post("/api/query", json={"endpoint": "http://elsewhere.example/sparql", "query": QUERY})
    assert response.status_code == 400 and "not served here" in response.json()["detail"]
    assert http.post("/api/query", json={"endpoint": "local", "query": " "}).status_code == 400
    assert http.post("/api/query", content=b"{broken").status_code == 400


def test_remote_endpoint_errors_reach_the_page(tmp_path):
    app = FastAPI()

    @app.post("/sparql")
    async def sparql(request: Request):
        form = (await request.body()).decode()
        if "SELEC+" in form or "SELEC%20" in form:
            return PlainTextResponse("Parse error: unexpected 'SELEC' at line 1", status_code=400)
        body = {"head": {"vars": ["geom"]}, "results": {"bindings": [
            {"geom": {"type": "literal", "value": "POINT(1 2)",
                      "datatype": "http://www.opengis.net/ont/geosparql#wktLiteral"}}]}}
        return PlainTextResponse(json.dumps(body), media_type="application/sparql-results+json")

    with LiveServer(app) as remote:
        url = remote.url + "/sparql"
        http = TestClient(create_app(Sources(endpoints=[url, "http://127.0.0.1:9/sparql"],
                                             state_dir=tmp_path, timeout=5)))
        ok = http.post("/api/query", json={"endpoint": url, "query": "SELECT ?geom {}"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["layer"]["count"] == 1
        bad = http.post("/api/query", json={"endpoint": url, "query": "SELEC ?x {}"})
        assert bad.status_code == 400
        assert bad.json()["detail"] == f"{url} answered HTTP 400: Parse error: unexpected 'SELEC' at line 1"
        down = http.post("/api/query", json={"endpoint": "http://127.0.0.1:9/sparql", "query": "SELECT ?geom {}"})
        assert down.status_code == 502 and "cannot be reached" in down.json()["detail"]


def test_files_upload_layers_and_bad_files(client):
    http, data = client
    (data / "sites.csv").write_text("name,wkt\na,POINT(23.7 37.9)\n")
    layer = http.get("/api/file-layer", params={"file": "sites.csv"}).json()["layer"]
    assert layer["data"]["features"][0]["geometry"]["coordinates"] == [23.7, 37.9]
    stored = http.post("/api/upload", params={"name": "../../evil name.kml"}, content=b"<kml><Document>").json()["file"]
    assert "/" not in stored and stored.endswith("evil_name.kml")
    broken = http.get("/api/file-layer", params={"file": stored})
    assert broken.status_code == 400 and "not a readable KML file" in broken.json()["detail"]
    outside = http.get("/api/file-layer", params={"file": "../../../etc/passwd"})
    assert outside.status_code == 404 and "data folders" in outside.json()["detail"]
    assert http.post("/api/upload", params={"name": "e.kml"}, content=b"").status_code == 400


def test_raster_info_and_tiles(client):
    http, data = client
    values = np.tile(np.linspace(0, 100, 200, dtype="float32"), (200, 1))
    with rasterio.open(data / "r.tif", "w", driver="GTiff", width=200, height=200, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(23.0, 38.0, 0.005, 0.005), nodata=-1) as dst:
        dst.write(values, 1)
    info = http.get("/api/raster", params={"file": "r.tif", "cmap": "magma"}).json()
    assert info["bounds"] == pytest.approx([23.0, 37.0, 24.0, 38.0])
    assert info["vmin"] == pytest.approx(2, abs=1) and info["vmax"] == pytest.approx(98, abs=1)
    assert len(info["legend"]["ramp"]) == 5 and info["classes"] == []
    tile = http.get("/api/tiles/8/144/98.png", params={"file": "r.tif", "cmap": "magma"})
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"
    assert http.get("/api/raster", params={"file": "r.tif", "cmap": "nope"}).status_code == 400
    assert http.get("/api/tiles/3/99/0.png", params={"file": "r.tif"}).status_code == 400


def test_maps_save_load_and_bad_documents(client):
    http, _ = client
    doc = {"title": "t", "view": {"center": [38, 23], "zoom": 7},
           "layers": [{"type": "sparql", "endpoint": "local", "query": QUERY, "name": "q"}]}
    map_id = http.post("/api/maps", json=doc).json()["id"]
    loaded = http.get(f"/api/maps/{map_id}").json()
    assert loaded["layers"][0]["query"] == QUERY and loaded["view"] == {"center": [38.0, 23.0], "zoom": 7.0}
    bad = http.post("/api/maps", json={"layers": [{"type": "sparql"}]})
    assert bad.status_code == 400 and "layers[0].endpoint" in bad.json()["detail"]
    assert http.get("/api/maps/0123456789abcdef").status_code == 404
    assert http.get("/api/maps/..%2F..%2Fx").status_code in (400, 404)


def test_saving_again_works_without_overwrite(tmp_path):
    # `ai4c sextant serve` runs inside overwriting(False) (no --overwrite): saving the same map or uploading
    # the same bytes again finds the content-addressed file already there and must not fail
    from ai4c.core.outputs import overwriting

    sources = Sources(state_dir=tmp_path)
    doc = {"title": "again", "layers": []}
    with overwriting(False):
        first, second = sources.save_map(doc), sources.save_map(doc)
        uploads = [sources.save_upload("a.geojson", b'{"type": "FeatureCollection", "features": []}')
                   for _ in range(2)]
    assert first == second and uploads[0] == uploads[1]
    assert sources.load_map(first)["title"] == "again"
    assert [p.name for p in (tmp_path / "maps").iterdir()] == [f"{first}.json"]


def test_store_serve_mounts_the_map(store):
    from ai4c.services.sparql import create_app as store_app

    http = TestClient(store_app(store))
    page = http.get("/map/")
    assert page.status_code == 200 and 'data-base="/map/"' in page.text
    assert "/map/static/ai4c/ai4c-map.js" in page.text
    assert http.get("/map/static/ai4c/ai4c-map.js").status_code == 200
    answer = http.post("/map/api/query", json={"endpoint": "local", "query": QUERY}).json()
    assert answer["layer"]["count"] == 5


def test_cog_url_is_read_by_http_ranges_not_whole(tmp_path):
    from starlette.staticfiles import StaticFiles

    folder = tmp_path / "www"
    folder.mkdir()
    size = 2048
    values = (np.add.outer(np.arange(size), np.arange(size)) % 251).astype("uint8")
    with rasterio.open(folder / "plain.tif", "w", driver="GTiff", width=size, height=size, count=1, dtype="uint8",
                       crs="EPSG:4326", transform=from_origin(23.0, 38.0, 0.0005, 0.0005)) as dst:
        dst.write(values, 1)
    rasterio.shutil.copy(folder / "plain.tif", folder / "big.tif", driver="COG", BLOCKSIZE=256)  # overviews first
    served = {"bytes": 0}
    files = FastAPI()

    @files.middleware("http")
    async def count(request, call_next):
        response = await call_next(request)
        if request.method == "GET":  # (a HEAD answer names the whole size but sends no body)
            served["bytes"] += int(response.headers.get("content-length", 0))
        return response

    files.mount("/", StaticFiles(directory=folder))
    with LiveServer(files) as web:
        url = web.url + "/big.tif"
        closed = TestClient(create_app(Sources(state_dir=tmp_path / "state")))
        refused = closed.get("/api/raster", params={"file": url})
        assert refused.status_code == 400 and "--any-endpoint" in refused.json()["detail"]
        http = TestClient(create_app(Sources(any_endpoint=True, state_dir=tmp_path / "state")))
        info = http.get("/api/raster", params={"file": url}).json()
        assert info["bounds"] == pytest.approx([23.0, 36.976, 24.024, 38.0])
        x = int((23.5 + 180) / 360 * 2 ** 14)
        y = int((1 - math.asinh(math.tan(math.radians(37.5))) / math.pi) / 2 * 2 ** 14)
        tile = http.get(f"/api/tiles/14/{x}/{y}.png", params={"file": url})  # a tile inside the raster
        assert tile.status_code == 200 and len(tile.content) > 1000
    whole = (folder / "big.tif").stat().st_size
    assert 0 < served["bytes"] < whole / 4  # header, an overview for the summary and a few blocks
