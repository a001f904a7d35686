"""The OSM features web page in headless Chromium: tick a class, paste or draw an area, show, download."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely

from ai4c.products.feature_store import FeatureStore
from ai4c.services.osm_features import create_app
from tests.services.osm_town import town_store
from tests.web.browser import LiveServer, chromium, console_errors, wait_for

WKT = "POLYGON((9.92 49.92, 10.02 49.92, 10.02 50.01, 9.92 50.01, 9.92 49.92))"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("osm-page")
    town_store(folder, buildings=200, seed=5)
    with LiveServer(create_app(FeatureStore(folder / "store"))) as server, chromium() as driver:
        driver.get(server.url + "/")
        wait_for(driver, "!!(window.osmPage && osmPage.map.ai4cOutline)")
        yield driver, folder / "store"


def expected_ids(store, area):
    table = pq.read_table(store / "building.parquet")
    geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    return {f"w{i}" for i in np.asarray(table["osm_id"])[shapely.intersects(area, geoms)]}


def shown_ids(driver):
    return set(driver.execute_script("return osmPage.state.collection.features.map((f) => f.id)"))


def show(driver):
    driver.execute_script("osmPage.state.collection = null")
    driver.find_element("id", "osm-show").click()
    wait_for(driver, "osmPage.state.collection !== null")


def test_pasted_wkt_selects_the_features_of_the_area(page):
    driver, store = page
    driver.find_element("css selector", "input[value=building]").click()
    driver.find_element("id", "osm-aoi").send_keys(WKT)
    show(driver)
    expected = expected_ids(store, shapely.from_wkt(WKT))
    assert 0 < len(expected) < 201
    assert shown_ids(driver) == expected
    assert f"{len(expected)} features" in driver.find_element("id", "osm-status").text
    assert driver.find_element("id", "osm-download").is_enabled()
    assert console_errors(driver) == []


def test_drawn_rectangle_selects_the_features_of_the_area(page):
    driver, store = page
    driver.find_element("id", "osm-draw-rect").click()
    driver.execute_script("osmPage.map.fire('click', {latlng: L.latLng(49.95, 9.97)});"
                          "osmPage.map.fire('click', {latlng: L.latLng(50.05, 10.06)});")
    wait_for(driver, "osmPage.state.area !== null")
    show(driver)
    assert shown_ids(driver) == expected_ids(store, shapely.box(9.97, 49.95, 10.06, 50.05))


def test_bad_area_shows_the_service_message(page):
    driver, _ = page
    box = driver.find_element("id", "osm-aoi")
    box.clear()
    box.send_keys("POLYGON((0 0, 1 1))")
    driver.find_element("id", "osm-show").click()
    message = wait_for(driver, "document.getElementById('ai4c-messages').textContent")
    assert "WKT" in message
