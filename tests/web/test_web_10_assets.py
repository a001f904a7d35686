"""The shared front-end: the page frame names every shared asset and the assets are served."""

from __future__ import annotations

import json
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ai4c.web import LEAFLET_VERSION, STATIC_DIR, mount_static, render_page


def test_render_page_has_shared_head_and_page_assets():
    page = render_page("Map <of> things", "<div id='m' class='ai4c-map'></div>",
                       scripts=["/app/page.js"], styles=["/app/page.css"])
    head = page.split("</head>")[0]
    for url in ("/static/ai4c/vendor/leaflet/leaflet.css", "/static/ai4c/ai4c.css",
                "/static/ai4c/vendor/leaflet/leaflet.js", "/static/ai4c/ai4c-map.js", "/app/page.css"):
        assert url in head
    assert '<meta name="viewport"' in head
    assert "Map &lt;of&gt; things" in page and "Map <of>" not in page
    body = page.split("<body")[1]
    assert body.index("<div id='m'") < body.index('<script src="/app/page.js">')
    # the shared CSS comes before the page's own so a page can override it
    assert head.index("/static/ai4c/ai4c.css") < head.index("/app/page.css")


def test_mount_static_serves_leaflet_and_component():
    app = FastAPI()
    mount_static(app)
    mount_static(app)  # idempotent: a second mount is ignored
    assert sum(getattr(r, "path", "") == "/static/ai4c" for r in app.routes) == 1
    client = TestClient(app)
    response = client.get("/static/ai4c/vendor/leaflet/leaflet.js")
    assert response.status_code == 200
    assert response.content == (STATIC_DIR / "vendor/leaflet/leaflet.js").read_bytes()
    assert re.search(rf'version\s*=\s*"{re.escape(LEAFLET_VERSION)}"', response.text)
    assert "javascript" in response.headers["content-type"]
    for name in ("vendor/leaflet/leaflet.css", "vendor/leaflet/images/marker-icon.png", "ai4c.css", "ai4c-map.js"):
        assert client.get(f"/static/ai4c/{name}").status_code == 200, name
    component = client.get("/static/ai4c/ai4c-map.js").text
    for api in ("createMap", "addGeoJSON", "drawArea", "legend", "fetchJSON"):
        assert re.search(rf"\b{api}: {api}\b", component), api
    assert client.get("/static/ai4c/nothing-here.js").status_code == 404


def test_world_outline_is_valid_lon_lat_geojson():
    for name, minimum in (("countries-110m.geojson", 170), ("countries-50m.geojson", 230)):
        data = json.loads((STATIC_DIR / "world" / name).read_text())
        assert data["type"] == "FeatureCollection"
        assert len(data["features"]) >= minimum
        names = {f["properties"]["name"] for f in data["features"]}
        assert {"Greece", "France", "Brazil", "Australia"} <= names
        greece = next(f for f in data["features"] if f["properties"]["name"] == "Greece")
        lons = [p[0] for poly in greece["geometry"]["coordinates"] for ring in poly for p in ring]
        lats = [p[1] for poly in greece["geometry"]["coordinates"] for ring in poly for p in ring]
        # Greece spans about 19.4-29.7 E and 34.8-41.8 N (lon/lat order, not lat/lon)
        assert 19 < min(lons) < 21 and 26 < max(lons) < 30
        assert 34 < min(lats) < 36 and 41 < max(lats) < 42.5
