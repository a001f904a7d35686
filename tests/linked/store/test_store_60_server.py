"""The SPARQL endpoint on 127.0.0.1: protocol, errors, tokens, graph store, timeouts, concurrency."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
import uvicorn
from tests.conftest import free_port

from ai4c.core.errors import BadInputError
from ai4c.linked.store import GeoStore, QueryError
from ai4c.services.query_pool import QueryPool
from ai4c.services.sparql import ProcessBackend, StoreOptions, create_app, negotiate

GEO = "http://www.opengis.net/ont/geosparql#"
TOKEN = "s3cret"
WITHIN = f"""PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
SELECT ?f WHERE {{ ?f geo:asWKT ?w .
  FILTER(geof:sfWithin(?w, "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"^^geo:wktLiteral)) }}"""


RUNAWAY = "SELECT ?a WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } ORDER BY ?x ?y ?z LIMIT 1"


WRITE_TIMEOUT = 300.0


def _points(n: int) -> str:
    rng = np.random.default_rng(0)
    return "INSERT DATA { " + " ".join(
        f'<http://example.org/p{i}> <{GEO}asWKT> "POINT({x:.4f} {y:.4f})"^^<{GEO}wktLiteral> .'
        for i, (x, y) in enumerate(rng.uniform(0, 20, size=(n, 2)))) + " }"


class Server:
    """A uvicorn server in a thread, stopped on exit."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def store():
    store = GeoStore()
    store.update(_points(500))
    return store


@pytest.fixture()
def disk_store(tmp_path):
    """An on-disk store of 500 points, closed again so that worker processes can open it."""
    with GeoStore(tmp_path / "store") as store:
        store.update(_points(500))
        expected = len(list(store.query(WITHIN)))
        store.warm()
    return tmp_path / "store", expected


def test_protocol_tokens_and_errors(store):
    expected = len(list(store.query(WITHIN)))
    assert 0 < expected < 500
    with Server(create_app(store, update_token=TOKEN)) as url:
        got = httpx.get(f"{url}/sparql", params={"query": WITHIN})
        assert got.status_code == 200
        assert len(got.json()["results"]["bindings"]) == expected
        csv = httpx.post(f"{url}/sparql", data={"query": WITHIN}, headers={"Accept": "text/csv"})
        assert csv.text.splitlines()[0].strip() == "f" and len(csv.text.splitlines()) == expected + 1
        bad = httpx.get(f"{url}/sparql", params={"query": "SELECT WHERE {"})
        assert bad.status_code == 400 and "syntax" in bad.text.lower()
        update = f'INSERT DATA {{ <http://example.org/new> <{GEO}asWKT> "POINT(5 5)"^^<{GEO}wktLiteral> }}'
        assert httpx.post(f"{url}/sparql", data={"update": update}).status_code == 403
        assert httpx.post(f"{url}/sparql", data={"update": update},
                          headers={"Authorization": "Bearer wrong"}).status_code == 403
        ok = httpx.post(f"{url}/sparql", content=update, headers={
            "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 204
        after = httpx.get(f"{url}/sparql", params={"query": WITHIN}).json()["results"]["bindings"]
        assert len(after) == expected + 1
        graph = httpx.put(f"{url}/store", params={"graph": "http://example.org/g"},
                          content=b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .",
                          headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
        assert graph.status_code == 204
        dump = httpx.get(f"{url}/store", params={"graph": "http://example.org/g"})
        assert dump.text.count(" .") == 1


def test_read_only_server_refuses_updates(store):
    with Server(create_app(store)) as url:
        response = httpx.post(f"{url}/sparql", data={"update": "CLEAR ALL"})
        assert response.status_code == 403 and "read-only" in response.text


def test_runaway_query_is_cancelled():
    store = GeoStore()
    numbers = " ".join(str(i) for i in range(400))
    runaway = f"""PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
      PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
      SELECT ?x WHERE {{ VALUES ?a {{ {numbers} }} VALUES ?b {{ {numbers} }} VALUES ?c {{ {numbers} }}
        BIND(geof:buffer("POINT(0 0)"^^geo:wktLiteral, ?a + ?b + ?c, uom:metre) AS ?x) }}"""
    with Server(create_app(store, timeout=0.5)) as url:
        response = httpx.get(f"{url}/sparql", params={"query": runaway}, timeout=120)
        assert response.status_code == 503 and "cancelled" in response.text
        assert httpx.get(f"{url}/health").status_code == 200


def test_concurrent_clients_no_errors(store):
    queries = [WITHIN, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
               f"PREFIX geo: <{GEO}> SELECT ?f ?w WHERE {{ ?f geo:asWKT ?w }} LIMIT 20"]
    with Server(create_app(store)) as url:
        def client(k: int) -> list[tuple[int, float]]:
            out = []
            with httpx.Client(timeout=60) as http:
                for i in range(6):
                    start = time.perf_counter()
                    status = http.get(f"{url}/sparql", params={"query": queries[(k + i) % 3]}).status_code
                    out.append((status, time.perf_counter() - start))
            return out

        with ThreadPoolExecutor(16) as pool:
            results = [r for batch in pool.map(client, range(16)) for r in batch]
    statuses = [s for s, _ in results]
    latencies = sorted(t for _, t in results)
    print(f"\n16 clients x 6 queries: p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p99 {latencies[int(0.99 * (len(latencies) - 1))] * 1000:.1f} ms")
    assert statuses == [200] * 96


def test_worker_processes_kill_a_runaway_query(disk_store):
    path, expected = disk_store
    backend = ProcessBackend(StoreOptions(path), workers=2)
    try:
        before = backend.pool.pids()
        with Server(create_app(backend, timeout=0.5)) as url:
            response = httpx.get(f"{url}/sparql", params={"query": RUNAWAY}, timeout=120)
            assert response.status_code == 503 and "cancelled" in response.text
            # the worker evaluating it was killed (its process is gone), the other one still serves
            assert len(set(before) - set(backend.pool.pids())) == 1
            for _ in range(3):
                got = httpx.get(f"{url}/sparql", params={"query": WITHIN}, timeout=60)
                assert got.status_code == 200 and len(got.json()["results"]["bindings"]) == expected
    finally:
        backend.close()
    assert backend.pool.pids() == []


def test_worker_processes_see_updates(disk_store):
    path, expected = disk_store
    backend = ProcessBackend(StoreOptions(path), workers=2)
    try:
        with Server(create_app(backend, update_token=TOKEN)) as url:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            update = f'INSERT DATA {{ <http://example.org/new> <{GEO}asWKT> "POINT(5 5)"^^<{GEO}wktLiteral> }}'
            # a write restarts the worker processes: seconds on a loaded machine, beyond httpx's 5 s default
            assert httpx.post(f"{url}/sparql", data={"update": update}, headers=auth,
                              timeout=WRITE_TIMEOUT).status_code == 204
            after = httpx.get(f"{url}/sparql", params={"query": WITHIN}).json()["results"]["bindings"]
            assert len(after) == expected + 1
            put = httpx.put(f"{url}/store", params={"graph": "http://example.org/g"}, headers={
                **auth, "Content-Type": "application/n-triples"},
                content=b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .", timeout=WRITE_TIMEOUT)
            assert put.status_code == 204
            assert httpx.get(f"{url}/store", params={"graph": "http://example.org/g"}).text.count(" .") == 1
            bad = httpx.post(f"{url}/store", content=b"<broken", headers={**auth, "Content-Type": "text/turtle"},
                             timeout=WRITE_TIMEOUT)
            assert bad.status_code == 400
    finally:
        backend.close()
    with pytest.raises(BadInputError, match="read-only"):
        GeoStore(path, read_only=True).update(update)


def test_worker_pool_without_a_store_fails_at_start(tmp_path):
    with pytest.raises(QueryError, match="no store at .*; create one with ai4c store load"):
        QueryPool(StoreOptions(tmp_path / "absent"), workers=1)


@pytest.mark.parametrize(("accept", "expected"), [
    ("", "json"),
    ("*/*", "json"),
    ("text/tab-separated-values", "tsv"),
    ("application/sparql-results+json;q=0.5, text/tab-separated-values", "tsv"),
    ("text/csv;q=0.9, application/sparql-results+xml;q=0.95", "xml"),
    ("application/json, text/csv", "json"),
    ("text/csv;q=0, application/xml;q=0.1", "xml"),
    ("TEXT/CSV ; q=0.8", "csv"),
])
def test_accept_header_picks_the_preferred_known_format(accept, expected):
    assert negotiate(accept) == expected
