"""`ai4c jedai resolve|components|workbench` end to end, and the served workbench in Chromium."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


def _sources(tmp_path):
    left = tmp_path / "left.csv"
    left.write_text('id;name;city\n1;"Blue Lagoon, Bar";athens\n2;olive tree taverna;patras\n'
                    '3;mount olympus grill;larissa\n4;harbour fish house;volos\n')
    right = tmp_path / "right.json"
    right.write_text(json.dumps([
        {"id": "a", "title": "blue lagoon bar", "town": "athens"},
        {"id": "b", "title": "olive tree tavern", "town": "patras"},
        {"id": "c", "title": "harbour fish house", "town": "volos"},
        {"id": "d", "title": "red dragon noodles", "town": "chania"}]))
    truth = tmp_path / "truth.csv"
    truth.write_text("id1,id2\n1,a\n2,b\n4,c\n")
    return left, right, truth


def test_resolve_writes_matches_sameas_and_history(tmp_path, run_cli):
    left, right, truth = _sources(tmp_path)
    out, history = tmp_path / "matches.csv", tmp_path / "history.jsonl"
    config = tmp_path / "wf.yaml"
    config.write_text("blocking: {method: standard}\nmetablocking: {method: none}\n"
                      "matching: {method: tfidf-cosine, analyzer: char}\n"
                      "clustering: {method: unique-mapping, threshold: 0.3}\n")
    code, _, err = run_cli("jedai", "resolve", "--source1", left, "--source2", right, "--ground-truth", truth,
                           "--config", config, "-o", out, "--history", history, "--name", "toy")
    assert code == 0, err
    assert out.read_text().splitlines() == ["id1,id2", "1,a", "2,b", "4,c"]
    triples = {(q.subject.value, q.predicate.value, q.object.value)
               for q in ox.parse(path=str(tmp_path / "matches.nt"))}
    assert ("http://ai4c.eu/resource/er/source1/1", OWL_SAME_AS, "http://ai4c.eu/resource/er/source2/a") in triples
    assert len(triples) == 3
    run = json.loads(history.read_text().splitlines()[-1])
    assert run["name"] == "toy" and run["scores"]["f1"] == 1.0
    assert [s["step"] for s in run["steps"]] == ["blocking", "metablocking", "matching", "clustering"]
    assert run["explorer"]["true_positives"][0]["left"]["name"] == "Blue Lagoon, Bar"
    assert "f1=1.0" in err

    page = tmp_path / "wb.html"
    assert run_cli("jedai", "workbench", "--history", history, "-o", page)[0] == 0
    text = page.read_text()
    assert '"name": "toy"' in text and "ai4c-map.js" in text and "workbench.js" in text


def test_resolve_bad_inputs_exit_2_without_output(tmp_path, run_cli):
    left, right, _ = _sources(tmp_path)
    nothing = tmp_path / "nothing.csv"
    nothing.write_text("x,y\n98,99\n")
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("blocking: {method: magic}\n")
    out = tmp_path / "m.csv"
    cases = [
        (["--source1", tmp_path / "missing.csv"], "does not exist"),
        (["--source1", left, "--source2", right, "--ground-truth", nothing], "names known ids"),
        (["--source1", left, "--source2", right, "--config", bad_config], "blocking method='magic'"),
        (["--source1", left, "--source2", right, "--tune", "grid"], "--ground-truth"),
    ]
    for args, message in cases:
        code, _, err = run_cli("jedai", "resolve", *args, "-o", out, "--history", tmp_path / "h.jsonl")
        assert code == 2, (args, err)
        assert message in err
        assert not out.exists() and not (tmp_path / "m.nt").exists()


def test_components_listing_names_every_step(run_cli):
    code, out, _ = run_cli("jedai", "components", "--format", "json")
    listing = json.loads(out)["components"]
    assert {"standard", "qgrams", "suffix-arrays", "extended-sorted-neighborhood", "lsh-minhash"} <= set(
        listing["blocking"])
    assert {"WEP", "CEP", "WNP", "CNP", "BLAST", "RWNP", "RCNP"} <= set(listing["metablocking"])
    assert {"connected-components", "unique-mapping", "center", "merge-center", "ricochet"} == set(
        listing["clustering"])


def test_served_workbench_in_headless_chromium(tmp_path, run_cli):
    from tests.web.browser import LiveServer, chromium, console_errors, wait_for

    from ai4c.services.jedai import create_app

    left, right, truth = _sources(tmp_path)
    history = tmp_path / "h.jsonl"
    for threshold in ("0.3", "0.9"):
        config = tmp_path / f"wf{threshold}.yaml"
        config.write_text(f"blocking: {{method: standard}}\nmetablocking: {{method: none}}\n"
                          f"matching: {{method: tfidf-cosine, analyzer: char}}\n"
                          f"clustering: {{method: unique-mapping, threshold: {threshold}}}\n")
        assert run_cli("jedai", "resolve", "--source1", left, "--source2", right, "--ground-truth", truth,
                       "--config", config, "-o", tmp_path / f"m{threshold}.csv", "--history", history)[0] == 0
    runs = [json.loads(line) for line in history.read_text().splitlines()]
    with LiveServer(create_app(history)) as server, chromium() as driver:
        driver.get(server.url + "/")
        rows = wait_for(driver, "document.querySelectorAll('#jedai-run-table tr[data-run]').length")
        assert rows == 2
        f1 = driver.execute_script("return [...document.querySelectorAll('.jedai-f1')].map(e => e.textContent)")
        assert [float(v) for v in f1] == pytest.approx([r["scores"]["f1"] for r in runs], abs=1e-4)
        driver.execute_script("document.querySelector('#jedai-run-table tr[data-run=\"0\"]').click()")
        driver.execute_script("document.querySelector('#jedai-explorer-tabs button[data-group=\"missed\"]').click()")
        missed = driver.execute_script("return document.querySelectorAll('.jedai-pair').length")
        assert missed == len(runs[0]["explorer"]["missed"])
        assert driver.execute_script("return document.querySelectorAll('#jedai-step-table tr').length") == 5
        assert console_errors(driver) == []


def test_resolve_dirty_records_from_a_store_query(tmp_path, run_cli):
    names = ["olive tree taverna", "olive tree tavern", "harbour fish house", "harbor fish house",
             "red dragon noodles"]
    nt = tmp_path / "shops.nt"
    nt.write_text("".join(f'<http://ex.org/s{k}> <http://ex.org/name> "{n}" .\n' for k, n in enumerate(names)))
    store = tmp_path / "store"
    assert run_cli("store", "load", "--store", store, nt)[0] == 0
    out = tmp_path / "m.csv"
    config = tmp_path / "wf.yaml"
    config.write_text("blocking: {method: qgrams, q: 3}\nmetablocking: {method: none}\n"
                      "matching: {method: tfidf-cosine, analyzer: char}\n"
                      "clustering: {method: connected-components, threshold: 0.6}\n")
    code, _, err = run_cli("jedai", "resolve", "--store", store, "--source1",
                           "SELECT ?id ?name WHERE { ?id <http://ex.org/name> ?name }", "--config", config,
                           "-o", out, "--history", tmp_path / "h.jsonl")
    assert code == 0, err
    pairs = {frozenset(line.split(",")) for line in out.read_text().splitlines()[1:]}
    assert pairs == {frozenset({"http://ex.org/s0", "http://ex.org/s1"}),
                     frozenset({"http://ex.org/s2", "http://ex.org/s3"})}
    # the same query sent to the store served as a SPARQL endpoint on 127.0.0.1
    from ai4c.linked.store import GeoStore
    from ai4c.services.sparql import create_app
    from ai4c.web.serve import background_server

    with GeoStore(store, read_only=True) as served, background_server(create_app(served)) as url:
        code, _, err = run_cli("jedai", "resolve", "--store", f"{url}/sparql", "--source1",
                               "SELECT ?id ?name WHERE { ?id <http://ex.org/name> ?name }", "--config", config,
                               "-o", tmp_path / "m2.csv", "--history", tmp_path / "h.jsonl")
    assert code == 0, err
    assert {frozenset(line.split(",")) for line in (tmp_path / "m2.csv").read_text().splitlines()[1:]} == pairs
    code, _, err = run_cli("jedai", "resolve", "--store", f"{url}/sparql", "--source1",
                           "SELECT ?id WHERE { ?id ?p ?o }", "-o", tmp_path / "m3.csv")
    assert code == 2 and "unreachable" in err and not (tmp_path / "m3.csv").exists()
