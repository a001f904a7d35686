"""`ai4c sextant serve`: bad options exit 2 with one line; a served map document reaches the page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.conftest import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


def test_bad_options_exit_2_with_a_message(run_cli, tmp_path):
    code, _, err = run_cli("sextant", "serve", "--endpoint", "localhost:7200/sparql")
    assert code == 2 and "give an http(s) URL" in err and "Traceback" not in err
    code, _, err = run_cli("sextant", "serve", "--map", tmp_path / "missing.json")
    assert code == 2 and "no such map document" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"type": "sparql", "query": "SELECT * {}"}]}))
    code, _, err = run_cli("sextant", "serve", "--map", bad)
    assert code == 2 and "layers[0].endpoint" in err


def test_serve_opens_with_the_map_document_and_its_folder(tmp_path):
    doc = {"title": "t", "layers": [{"type": "file", "file": "sites.csv", "name": "sites"}]}
    (tmp_path / "map.json").write_text(json.dumps(doc))
    (tmp_path / "sites.csv").write_text("name,wkt\na,POINT(23.7 37.9)\n")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "AI4C_SEXTANT_DIR": str(tmp_path / "state")}
    process = subprocess.Popen([sys.executable, "-m", "ai4c", "sextant", "serve", "--port", str(port),
                                "--map", str(tmp_path / "map.json"), "--endpoint", "http://127.0.0.1:9/sparql"],
                               env=env, stderr=subprocess.PIPE, text=True)
    try:
        config = None
        for _ in range(300):
            try:
                config = httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=2).json()
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read()) from None
                time.sleep(0.1)
        assert config["map"]["layers"][0]["file"] == "sites.csv" and "sites.csv" in config["files"]
        assert config["endpoints"] == ["http://127.0.0.1:9/sparql"]
        layer = httpx.get(f"http://127.0.0.1:{port}/api/file-layer", params={"file": "sites.csv"}).json()["layer"]
        assert layer["data"]["features"][0]["geometry"]["coordinates"] == [23.7, 37.9]
    finally:
        process.terminate()
        process.wait(10)
