"""Federated SPARQL (issue 19): a FedBench-like workload over 3 local `ai4c store serve` endpoints.

Per query: wall time, requests and transferred rows of the federation (statistics + ASK selection, exclusive
groups, bound joins) against the naive federator (every pattern to every source) and the ideal (the union in one
store); then N clients hammering the federated endpoint. Size: AI4C_BENCH_FEDERATION_PEOPLE (default 200000 people,
about 1.05 M triples: `make bench`); AI4C_BENCH_FEDERATION_CLIENT_SECONDS (default 60), ..._CLIENTS (default 16).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import yaml

SRC = Path(__file__).resolve().parents[1] / "src"
EX, SDO, GEO = "http://ex.org/", "http://schema.org/", "http://www.opengis.net/ont/geosparql#"
PEOPLE, CITIES = "http://people.example.org/", "http://geo.example.org/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
B_TERMS = {"name": "name", "knows": "knows", "livesIn": "homeLocation"}
P = f"PREFIX ex: <{EX}> PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/> "
BOX = '"POLYGON((2 42, 5 42, 5 45, 2 45, 2 42))"^^geo:wktLiteral'
QUERIES = {
    "star (one person)": f"SELECT ?n ?c WHERE {{ ?p ex:name ?n ; ex:livesIn ?c FILTER(?p = <{PEOPLE}p17>) }}",
    "path": f"SELECT ?q ?l WHERE {{ <{PEOPLE}p17> ex:knows ?q . ?q ex:livesIn ?c . ?c ex:label ?l }}",
    "hybrid": "SELECT ?n WHERE { ?p ex:email ?e ; ex:name ?n ; ex:livesIn ?c . ?c ex:label \"City 3\" }",
    "optional": "SELECT ?c ?l ?w WHERE { ?c a ex:City ; ex:label ?l OPTIONAL { ?c geo:hasGeometry/geo:asWKT ?w } }",
    "geo selection": f"SELECT ?c WHERE {{ ?c geo:hasGeometry ?g . ?g geo:asWKT ?w FILTER(geof:sfWithin(?w, {BOX})) }}",
    "geo join": ("SELECT ?p WHERE { ?c geo:hasGeometry ?g . ?g geo:asWKT ?w . "
                 f"FILTER(geof:sfWithin(?w, {BOX})) ?p ex:livesIn ?c ; ex:email ?e }}"),
}


def generate(folder: Path, people: int, seed: int = 3) -> dict[str, Path]:
    """Three N-Triples files (a: even people, b: odd people + links in schema.org terms, c: cities) and the union."""
    rng = np.random.default_rng(seed)
    cities = max(people // 100, 10)
    files = {k: open(folder / f"{k}.nt", "w") for k in ("a", "b", "c", "union")}  # noqa: SIM115
    for j in range(cities):
        c = f"<{CITIES}c{j}>"
        wkt = f'"POINT({rng.uniform(0, 10):.4f} {rng.uniform(40, 50):.4f})"^^<{GEO}wktLiteral>'
        lines = [f"{c} {TYPE} <{EX}City> .", f'{c} <{EX}label> "City {j}" .', f"{c} <{GEO}hasGeometry> <{CITIES}g{j}> .",
                 f"<{CITIES}g{j}> <{GEO}asWKT> {wkt} ."]
        files["c"].write("\n".join(lines) + "\n")
        files["union"].write("\n".join(lines) + "\n")
    homes, knows = rng.integers(cities, size=people), rng.integers(people, size=(people, 3))
    for i in range(people):
        p = f"<{PEOPLE}p{i}>"
        fed = [(p, "name", f'"Person {i}"'), (p, "livesIn", f"<{CITIES}c{homes[i]}>")]
        fed += [(p, "knows", f"<{PEOPLE}p{k}>") for k in knows[i]]
        if i % 4 == 0:
            fed.append((p, "email", f'"p{i}@mail.org"'))
        files["union"].write("".join(f"{s} <{EX}{pr}> {o} .\n" for s, pr, o in fed))
        if i % 2 == 0:
            files["a"].write("".join(f"{s} <{EX}{pr}> {o} .\n" for s, pr, o in fed))
        else:
            files["b"].write("".join(f"{s} <{SDO}{B_TERMS.get(pr, pr)}> {o} .\n" for s, pr, o in fed))
    for f in files.values():
        f.close()
    return {k: folder / f"{k}.nt" for k in files}


def _ai4c(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "ai4c", *args], env=env, **kw)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def _row(metric: str, value: float, unit: str, peer: str = "", peer_value: float | None = None) -> dict:
    row = {"benchmark": "federation", "metric": metric, "value": float(value), "unit": unit}
    if peer_value is not None:
        row.update(peer=peer, peer_value=float(peer_value), ratio=float(peer_value) / value if value else None)
    return row


def run(workdir: Path) -> list[dict]:
    """Measurements; see the module docstring."""
    from ai4c.linked.federation import Federation
    from ai4c.linked.store import GeoStore
    from ai4c.services.federation import load_sources, source_client

    people = int(os.environ.get("AI4C_BENCH_FEDERATION_PEOPLE", "200000"))
    files = generate(workdir, people)
    servers, config = [], {"sources": []}
    (workdir / "b.yaml").write_text(yaml.safe_dump({"terms": {f"{EX}{k}": f"{SDO}{v}" for k, v in B_TERMS.items()}}))
    rows = []
    try:
        for name in ("a", "b", "c"):
            store = workdir / f"store_{name}"
            shutil.rmtree(store, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "ai4c", "store", "load", "--store", str(store), str(files[name])],
                           env={**os.environ, "PYTHONPATH": str(SRC)}, check=True, capture_output=True)
            port = _free_port()
            servers.append(_ai4c("store", "serve", "--store", str(store), "--port", str(port), "--workers", "0",
                                 stderr=subprocess.DEVNULL))
            _wait(f"http://127.0.0.1:{port}/sparql")
            entry = {"name": name, "endpoint": f"http://127.0.0.1:{port}/sparql"}
            if name == "b":
                entry["vocabulary"] = "b.yaml"
            config["sources"].append(entry)
        (workdir / "sources.yaml").write_text(yaml.safe_dump(config))
        union = GeoStore(entail=False)
        union.load(files["union"])
        with source_client() as client:
            start = time.perf_counter()
            sources = load_sources(workdir / "sources.yaml", client, timeout=300)
            rows.append(_row(f"statistics of 3 sources ({people} people)", time.perf_counter() - start, "s"))
            for query_name, text in QUERIES.items():
                rows += _compare(query_name, P + text, sources, union, Federation)
            rows += _clients(workdir, sources, client)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    return rows


def _compare(name: str, query: str, sources, union, federation_class) -> list[dict]:
    out = {}
    for mode in ("stats", "naive"):
        start = time.perf_counter()
        body, _, plan = federation_class(sources, selection=mode).query(query)
        out[mode] = (time.perf_counter() - start, sum(plan.requests.values()), sum(plan.results.values()), body)
    start = time.perf_counter()
    ideal, _ = union.query_serialized(query, "json")
    ideal_s = time.perf_counter() - start
    same = _rows(out["stats"][3]) == _rows(ideal) == _rows(out["naive"][3])
    return [_row(f"{name}: time ({'same answers' if same else 'ANSWERS DIFFER'})", out["stats"][0], "s",
                 "naive federator", out["naive"][0]),
            _row(f"{name}: time vs one store", out["stats"][0], "s", "union in one store", ideal_s),
            _row(f"{name}: requests", out["stats"][1], "requests", "naive federator", out["naive"][1]),
            _row(f"{name}: rows transferred", out["stats"][2], "rows", "naive federator", out["naive"][2])]


def _rows(body: bytes):
    import json
    from collections import Counter

    return Counter(tuple(sorted((k, v["value"]) for k, v in b.items())) for b in json.loads(body)["results"]["bindings"])


def _clients(workdir: Path, sources, client) -> list[dict]:
    """N clients sending the workload to the federated endpoint for a while: requests, errors, p50/p99."""
    import threading

    import uvicorn

    from ai4c.linked.federation import Federation
    from ai4c.services.federation import create_app

    seconds = float(os.environ.get("AI4C_BENCH_FEDERATION_CLIENT_SECONDS", "60"))
    clients = int(os.environ.get("AI4C_BENCH_FEDERATION_CLIENTS", "16"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Federation(sources, ask_cache=True)), host="127.0.0.1", port=port,
                                           log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    queries = [P + q for q in QUERIES.values()]
    stop = time.monotonic() + seconds

    def one(k: int) -> list[tuple[bool, float]]:
        done = []
        with httpx.Client(timeout=600) as http:
            while time.monotonic() < stop:
                start = time.perf_counter()
                reply = http.post(f"http://127.0.0.1:{port}/sparql", data={"query": queries[(k + len(done)) % len(queries)]})
                done.append((reply.status_code == 200, time.perf_counter() - start))
        return done

    with ThreadPoolExecutor(clients) as pool:
        results = [r for rs in pool.map(one, range(clients)) for r in rs]
    server.should_exit = True
    thread.join(timeout=30)
    latencies = np.array([t for _, t in results])
    return [_row(f"{clients} clients x {seconds:g} s: requests", len(results), "requests"),
            _row(f"{clients} clients: errors", sum(not ok for ok, _ in results), "requests"),
            _row(f"{clients} clients: p50 latency", np.percentile(latencies, 50) * 1000, "ms"),
            _row(f"{clients} clients: p99 latency", np.percentile(latencies, 99) * 1000, "ms")]
