"""`ai4c earthqa index|ask`: a catalogue and STAC Items indexed, questions answered (text and JSON, checked
against the simulated products), bad input exits 2 with one line."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point

from ai4c.simulate.eo_catalog import site_products, write_catalog

ETNA = Point(14.9934, 37.751)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    from ai4c.cli.main import main

    folder = tmp_path_factory.mktemp("earthqa-cli")
    products = site_products(per_month=1, random_dates=2)
    write_catalog(products, folder / "cat.sqlite")
    assert main(["earthqa", "index", "--catalog", str(folder / "cat.sqlite"), "--store", str(folder / "store")]) == 0
    return folder, products


def _march_2018_s1_over_etna(products):
    return {p.id for p in products if p.collection == "SENTINEL-1" and p.footprint.contains(ETNA)
            and p.start.year == 2018 and p.start.month == 3}


def test_ask_json_answers_with_query_interpretation_and_links(indexed, run_cli):
    folder, products = indexed
    code, out, _ = run_cli("earthqa", "ask", "Sentinel-1 images of Etna in March 2018", "--store", folder / "store",
                           "--format", "json", "--today", "2022-01-15")
    assert code == 0
    answer = json.loads(out)
    assert {p["id"] for p in answer["products"]} == _march_2018_s1_over_etna(products)
    assert all(p["url"].startswith("s3://eodata/Sentinel-1/") for p in answer["products"])
    assert "geof:sfIntersects" in answer["sparql"] and answer["interpretation"]["place"] == "Etna"
    assert answer["interpretation"]["missions"] == ["Sentinel-1"]


def test_ask_text_prints_the_query_and_the_count(indexed, run_cli):
    folder, products = indexed
    code, out, _ = run_cli("earthqa", "ask", "how many S1 images of Etna in March 2018?", "--store", folder / "store")
    assert code == 0 and "SELECT (COUNT(DISTINCT ?product)" in out
    assert f"count: {len(_march_2018_s1_over_etna(products))}" in out


def test_reindexing_replaces_and_stac_source_adds(indexed, run_cli, tmp_path):
    folder, products = indexed
    items = tmp_path / "items.jsonl"
    extra = [p for p in site_products(seed=5, per_month=1, random_dates=0)[:3]]
    for p in extra:
        p.id = p.title = "STAC_" + p.id
    items.write_text("\n".join(json.dumps(p.to_stac()) for p in extra) + "\n")
    assert run_cli("earthqa", "index", "--stac", items, "--store", folder / "store")[0] == 0
    assert run_cli("earthqa", "index", "--stac", items, "--store", folder / "store")[0] == 0  # idempotent
    code, out, _ = run_cli("earthqa", "ask", "how many products?", "--store", folder / "store")
    assert f"count: {len(products) + len(extra)}" in out


@pytest.mark.parametrize("question, message", [
    ("", "empty"), ("Sentinel-1 over Qwertyville", "no place called 'qwertyville'"),
    ("S1 of Etna in 1800", "outside"), ("S1 over Athens between 2021-06-15 and 2021-06-01", "ends before"),
])
def test_bad_questions_exit_2(indexed, run_cli, question, message):
    folder, _ = indexed
    code, out, err = run_cli("earthqa", "ask", question, "--store", folder / "store")
    assert code == 2 and message in err and err.count("\n") == 1 and out == ""


def test_store_without_eo_metadata_exit_2(run_cli, tmp_path):
    from ai4c.linked.store import GeoStore

    (tmp_path / "data.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    with GeoStore(tmp_path / "store") as store:
        store.load(tmp_path / "data.nt")
    code, _, err = run_cli("earthqa", "ask", "S1 over Etna", "--store", tmp_path / "store")
    assert code == 2 and "run `ai4c earthqa index" in err
    code, _, err = run_cli("earthqa", "ask", "S1 over Etna", "--store", tmp_path / "nothing")
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli("earthqa", "index", "--catalog", tmp_path / "missing.sqlite", "--store", tmp_path / "new")
    assert code == 2 and "missing.sqlite does not exist" in err and not (tmp_path / "new").exists()
