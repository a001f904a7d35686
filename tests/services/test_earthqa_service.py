"""The EarthQA service: JSON API (answers, edited interpretations, HTTP 400 on bad input) and the page in
headless Chromium (ask, see the table and the footprints, edit the interpretation, run it again)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from ai4c.pipelines.earthqa import Answerer
from ai4c.services.earthqa import create_app
from ai4c.simulate.eo_catalog import site_products
from tests.linked.qa.earthqa_questions import build_store
from tests.web.browser import LiveServer, chromium, console_errors, wait_for

ATHENS = Point(23.7275, 37.9838)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    products = site_products(per_month=1, random_dates=2)
    answerer = Answerer(build_store(tmp_path_factory.mktemp("earthqa-service"), products))
    yield create_app(answerer), products
    answerer.close()


def _s2_athens_2021(products, cloud=100.0):
    return {p.id for p in products if p.collection == "SENTINEL-2" and p.footprint.contains(ATHENS)
            and p.start.year == 2021 and p.cloud_cover <= cloud}


def test_api_answers_and_runs_an_edited_interpretation(served):
    app, products = served
    client = TestClient(app)
    body = client.get("/api/ask", params={"q": "Sentinel-2 images of Athens in 2021", "today": "2022-01-15"}).json()
    assert {p["id"] for p in body["products"]} == _s2_athens_2021(products)
    features = body["footprints"]["features"]
    assert len(features) == len(body["products"]) + 1 and features[-1]["properties"]["role"] == "search area"
    edited = dict(body["interpretation"], cloud_max=30.0)
    again = client.post("/api/run", json={"interpretation": edited}).json()
    assert {p["id"] for p in again["products"]} == _s2_athens_2021(products, 30.0)


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "S2 over Qwertyville"}, {"q": "S2 in 3021"},
                                    {"q": "S2 over Rome", "today": "yesterday-ish"}])
def test_bad_input_is_http_400(served, params):
    client = TestClient(served[0])
    response = client.get("/api/ask", params=params)
    assert response.status_code == 400 and response.json()["detail"]
    bad = client.post("/api/run", json={"interpretation": {"relation": "inside-out"}})
    assert bad.status_code == 400 and "relation" in bad.json()["detail"]


def test_page_in_headless_chromium(served):
    app, products = served
    expected = _s2_athens_2021(products)
    with LiveServer(app) as server, chromium() as driver:
        driver.get(server.url + "/")
        wait_for(driver, "!!(window.EarthQA && EarthQA.map.ai4cOutline)")
        driver.find_element("id", "eqa-question").send_keys("Sentinel-2 images of Athens in 2021")
        driver.find_element("id", "eqa-today").send_keys("2022-01-15")
        driver.find_element("id", "eqa-ask").click()
        wait_for(driver, "document.body.dataset.answered === '1'")
        rows = driver.execute_script("return [...document.querySelectorAll('#eqa-table tbody tr td:first-child')]"
                                     ".map(td => td.textContent)")
        assert set(rows) == expected
        assert driver.execute_script("return EarthQA.layer().getLayers().length") == len(expected)
        driver.execute_script("EarthQA.layer().getLayers()[0].openPopup();")
        popup = wait_for(driver, "document.querySelector('.leaflet-popup-content') && "
                                 "document.querySelector('.leaflet-popup-content').innerHTML")
        assert "download" in popup and "s3://eodata/Sentinel-2/" in popup
        cloud = driver.find_element("id", "eqa-f-cloud_max")
        cloud.clear()
        cloud.send_keys("30")
        driver.find_element("id", "eqa-run").click()
        wait_for(driver, "document.body.dataset.answered === '2'")
        rows = driver.execute_script("return [...document.querySelectorAll('#eqa-table tbody tr td:first-child')]"
                                     ".map(td => td.textContent)")
        assert set(rows) == _s2_athens_2021(products, 30.0)
        driver.find_element("id", "eqa-question").clear()
        driver.find_element("id", "eqa-question").send_keys("S2 over Qwertyville")
        driver.find_element("id", "eqa-ask").click()
        wait_for(driver, "!!document.body.dataset.failed")
        assert "Qwertyville".lower() in driver.execute_script("return document.body.dataset.failed").lower()
        assert [e for e in console_errors(driver) if "400" not in e] == []
