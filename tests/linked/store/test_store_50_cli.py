"""`ai4c store ...` commands in-process, and a bulk load killed half-way (in a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

GEO = "http://www.opengis.net/ont/geosparql#"
SRC = str(Path(__file__).resolve().parents[3] / "src")


def test_load_query_update(tmp_path, run_cli):
    data = tmp_path / "f.ttl"
    data.write_text(f'@prefix geo: <{GEO}> .\n<http://example.org/a> geo:asWKT "POINT(1 1)"^^geo:wktLiteral .\n'
                    f'<http://example.org/b> geo:asWKT "POINT(9 9)"^^geo:wktLiteral .\n')
    store = tmp_path / "store"
    code, _, err = run_cli("store", "load", "--store", store, data)
    assert code == 0 and "2 quads" in err
    query = (f"PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/> "
             "SELECT ?f WHERE { ?f geo:asWKT ?w FILTER(geof:sfWithin(?w, "
             '"POLYGON((0 0, 5 0, 5 5, 0 5, 0 0))"^^geo:wktLiteral)) }')
    code, out, _ = run_cli("store", "query", "--store", store, query)
    assert code == 0
    assert [b["f"]["value"] for b in json.loads(out)["results"]["bindings"]] == ["http://example.org/a"]
    code, out, _ = run_cli("store", "query", "--store", store, query, "--format", "tsv")
    assert out.splitlines() == ["?f", "<http://example.org/a>"]
    code, _, _ = run_cli("store", "update", "--store", store,
                         f'INSERT DATA {{ <http://example.org/c> <{GEO}asWKT> "POINT(2 2)"^^<{GEO}wktLiteral> }}')
    assert code == 0
    code, out, _ = run_cli("store", "query", "--store", store, query, "--format", "csv")
    assert sorted(out.split()[1:]) == ["http://example.org/a", "http://example.org/c"]


def test_bad_input_exit_codes(tmp_path, run_cli):
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n<broken\n")
    code, _, err = run_cli("store", "load", "--store", tmp_path / "s", bad)
    assert code == 2 and "line 2" in err and "nothing of this file was loaded" in err
    code, _, err = run_cli("store", "query", "--store", tmp_path / "s", "SELECT * WHERE { ?s ?p }")
    assert code == 2 and "syntax error" in err
    code, _, err = run_cli("store", "serve", "--store", tmp_path / "s", "--workers", "-1")
    assert code == 2 and "--workers -1" in err


def test_query_timeout_stops_a_runaway_query(tmp_path, run_cli):
    data = tmp_path / "f.nt"
    data.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(300)))
    store = tmp_path / "store"
    assert run_cli("store", "load", "--store", store, data)[0] == 0
    runaway = "SELECT ?a WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } ORDER BY ?x ?y ?z LIMIT 1"
    code, _, err = run_cli("store", "query", "--store", store, runaway, "--timeout", "0.5")
    assert code == 2 and "time limit" in err
    code, out, _ = run_cli("store", "query", "--store", store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                           "--timeout", "30", "--format", "csv")
    assert code == 0 and int(out.split()[1]) >= 300


def test_killed_bulk_load_leaves_all_or_nothing(tmp_path):
    n = 400_000
    data = tmp_path / "big.nt"
    with data.open("w") as out:
        for i in range(n):
            out.write(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n")
    store_dir = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "ai4c", "store", "load", "--no-entailment", "--store",
                             str(store_dir), str(data)], env=env, stderr=subprocess.PIPE)
    marker = store_dir / "load-in-progress"
    for _ in range(6000):  # wait until the loader has staged the file and begun writing, then kill it
        if marker.exists() or proc.poll() is not None:
            break
        time.sleep(0.01)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    from ai4c.linked.store import GeoStore

    with GeoStore(store_dir, entail=False) as store:  # opens, putting back the checkpoint of an interrupted load
        count = sum(1 for _ in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert count in (0, n)
    assert not marker.exists() and not (store_dir / "load-checkpoint").exists()


def test_query_update_serve_refuse_a_folder_without_a_store(tmp_path, run_cli):
    typo = tmp_path / "typo"
    for args in (("query", "SELECT * WHERE { ?s ?p ?o }"), ("update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
                 ("serve", "--port", "1")):
        code, out, err = run_cli("store", args[0], "--store", typo, *args[1:])
        assert code == 2, (args, err)
        assert f"no store at {typo}; create one with ai4c store load" in err
        assert "Traceback" not in err and out == ""
    assert not typo.exists()  # nothing was created by the refused commands
