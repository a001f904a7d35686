"""Headless-Chromium smoke test of the shared map component (window.AI4C) on a served page."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from ai4c.web import STATIC_DIR, mount_static, render_page
from tests.web.browser import LiveServer, chromium, console_errors, wait_for

FEATURES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "Athens"}, "geometry": {"type": "Point", "coordinates": [23.73, 37.98]}},
    {"type": "Feature", "properties": {"name": "Patras"}, "geometry": {"type": "Point", "coordinates": [21.73, 38.25]}},
    {"type": "Feature", "properties": {"name": "Attica"}, "geometry": {"type": "Polygon", "coordinates": [
        [[23.0, 37.6], [24.1, 37.6], [24.1, 38.4], [23.0, 38.4], [23.0, 37.6]]]}},
]}

BODY = """<div id="map" class="ai4c-map"></div>
<script>
window.testMap = AI4C.createMap('map', {center: [38, 23], zoom: 6});
window.testLayer = AI4C.addGeoJSON(testMap, %s, {popup: (f) => '<b>' + AI4C.escapeHtml(f.properties.name) + '</b>',
  label: 'name', style: (f) => ({color: f.geometry.type === 'Point' ? '#c00' : '#06c'})});
window.testLegend = AI4C.legend(testMap, [{label: 'city', color: '#c00', shape: 'point'},
  {label: 'region', color: '#06c'}], 'Places');
</script>"""


def make_app() -> FastAPI:
    app = FastAPI()
    mount_static(app)

    @app.get("/", response_class=HTMLResponse)
    def page():
        return render_page("Smoke test", BODY % json.dumps(FEATURES))

    @app.get("/bad")
    def bad():
        return JSONResponse({"detail": "the query has a syntax error at line 1"}, status_code=400)

    return app


@pytest.fixture(scope="module")
def page():
    with LiveServer(make_app()) as server, chromium() as driver:
        driver.get(server.url + "/")
        wait_for(driver, "!!(window.testMap && testMap.ai4cOutline)")
        yield driver, server


def test_map_with_one_geojson_layer_loads_without_console_errors(page):
    driver, _ = page
    assert driver.execute_script("return testLayer.getLayers().length") == len(FEATURES["features"])
    # the offline outline is the shipped file, drawn as one layer per country (the 50m one from zoom 5)
    outline = json.loads((STATIC_DIR / "world" / "countries-50m.geojson").read_text())
    assert driver.execute_script("return testMap.ai4cOutline.getLayers().length") == len(outline["features"])
    assert driver.execute_script("return document.querySelectorAll('.ai4c-legend-entry').length") == 2
    names = driver.execute_script("return testLayer.getLayers().map(l => l.feature.properties.name).sort()")
    assert names == ["Athens", "Attica", "Patras"]
    # the point lands where it should on screen: Athens projects inside the Attica polygon's pixel box
    inside = driver.execute_script("""
        const pts = testLayer.getLayers();
        const athens = pts.find(l => l.feature.properties.name === 'Athens');
        const attica = pts.find(l => l.feature.properties.name === 'Attica');
        const p = testMap.latLngToContainerPoint(athens.getLatLng());
        const b = attica.getBounds();
        const sw = testMap.latLngToContainerPoint(b.getSouthWest()), ne = testMap.latLngToContainerPoint(b.getNorthEast());
        return p.x > sw.x && p.x < ne.x && p.y < sw.y && p.y > ne.y;""")
    assert inside
    assert console_errors(driver) == []


def test_popup_shows_the_feature_label(page):
    driver, _ = page
    driver.execute_script("""const l = testLayer.getLayers().find(l => l.feature.properties.name === 'Patras');
        l.openPopup();""")
    assert wait_for(driver, "document.querySelector('.leaflet-popup-content') && "
                            "document.querySelector('.leaflet-popup-content').textContent") == "Patras"


def test_draw_area_returns_the_clicked_polygon(page):
    driver, _ = page
    ring = driver.execute_script("""
        window.drawn = null;
        AI4C.drawArea(testMap, (g) => { window.drawn = g; });
        for (const [lat, lng] of [[37, 22], [37, 24], [39, 24]]) testMap.fire('click', {latlng: L.latLng(lat, lng)});
        testMap.fire('dblclick', {latlng: L.latLng(39, 24), originalEvent: new MouseEvent('dblclick')});
        return window.drawn;""")
    assert ring == {"type": "Polygon", "coordinates": [[[22, 37], [24, 37], [24, 39], [22, 37]]]}
    rect = driver.execute_script("""
        window.drawn = null;
        AI4C.drawArea(testMap, (g) => { window.drawn = g; }, {shape: 'rectangle'});
        testMap.fire('click', {latlng: L.latLng(38, 21)});
        testMap.fire('click', {latlng: L.latLng(36, 25)});
        return window.drawn;""")
    assert rect == {"type": "Polygon", "coordinates": [[[21, 36], [25, 36], [25, 38], [21, 38], [21, 36]]]}


def test_fetch_json_shows_the_server_problem_in_the_page(page):
    driver, server = page
    message = driver.execute_async_script("""const done = arguments[0];
        AI4C.fetchJSON('/bad').then(() => done('no error'), (err) => done(err.status + ': ' + err.message));""")
    assert message == "400: the query has a syntax error at line 1"
    shown = driver.execute_script("return document.querySelector('#ai4c-messages .ai4c-error').textContent")
    assert "the query has a syntax error at line 1" in shown
