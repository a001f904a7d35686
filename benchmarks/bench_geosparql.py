"""GeoSPARQL store benchmark: load throughput, spatial join, points in polygon, Geographica shapes,
and the endpoint under 16 concurrent clients; each against plain pyoxigraph (native geof:) on the
same data and queries in the same run.

Data are generated like Geographica's synthetic generator (landOwnership squares, state squares,
pointOfInterest points, each with hasTag/hasKey tags "1", "2", ... "512"). Plain pyoxigraph runs in
a subprocess capped at AI4C_BENCH_GEOSPARQL_PEER_TIMEOUT seconds (reported as "> T").
Size: AI4C_BENCH_GEOSPARQL_SCALE (1.0 = 100k points x 10k polygons and a 1M-geometry store);
AI4C_BENCH_GEOSPARQL_CLIENT_SECONDS: duration of the concurrent-client run (default 60).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GEN = "http://geographica.di.uoa.gr/generator/"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
PREFIXES = f"""PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX landOwnership: <{GEN}landOwnership/>
PREFIX state: <{GEN}state/>
PREFIX pointOfInterest: <{GEN}pointOfInterest/>
"""
QUERIES = Path("/work/shared/data/linked/geographica-queries-albiston/queries/geographica_benchmarking/"
               "synthetic_queries")
GEOGRAPHICA = ["Query0", "Query8", "Query11", "Query12", "Query20", "Query25", "Query29", "Query34"]
PEER_SCRIPT = """
import io, sys, time, pyoxigraph
store = pyoxigraph.Store.read_only(sys.argv[1])
query = sys.stdin.read()
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    out = io.BytesIO()
    store.query(query).serialize(out, pyoxigraph.QueryResultsFormat.TSV)
    times.append(time.perf_counter() - start)
print(times[0], min(times), out.getvalue().count(10) - 1)
"""
PEER_LOAD = """
import sys, time, pyoxigraph
store = pyoxigraph.Store(sys.argv[1])
start = time.perf_counter()
store.load(path=sys.argv[2])
store.flush()
print(time.perf_counter() - start, len(store))
"""


def _scale() -> float:
    return float(os.environ.get("AI4C_BENCH_GEOSPARQL_SCALE", "1.0"))


def _peer_timeout() -> float:
    return float(os.environ.get("AI4C_BENCH_GEOSPARQL_PEER_TIMEOUT", "60"))


def _tags(kind: str, i: int) -> list[str]:
    lines = []
    for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):
        if i % k == 0:
            tag = f"<{GEN}{kind}/tag{i}_{k}>"
            lines += [f"<{GEN}{kind}/f{i}> <{GEN}{kind}/hasTag> {tag} .",
                      f'{tag} <{GEN}{kind}/hasKey> "{k}" .']
    return lines


def _feature(kind: str, i: int, wkt: str) -> list[str]:
    subject, geom = f"<{GEN}{kind}/f{i}>", f"<{GEN}{kind}/g{i}>"
    return [f"{subject} <{GEN}{kind}/hasGeometry> {geom} .",
            f'{geom} <{GEN}{kind}/asWKT> "{wkt}"^^<{WKT}> .', *_tags(kind, i)]


def generate(path: Path, n_points: int, n_side: int, seed: int = 7) -> int:
    """Geographica-like data: n_side^2 landOwnership squares, 10x10 states, n_points POIs over [0,90]^2."""
    rng = np.random.default_rng(seed)
    count = 0
    with path.open("w") as out:
        def emit(lines: list[str]) -> None:
            nonlocal count
            out.write("\n".join(lines) + "\n")
            count += len(lines)

        cell = 90.0 / n_side
        for i in range(n_side * n_side):
            x, y = (i % n_side) * cell, (i // n_side) * cell
            emit(_feature("landOwnership", i, _square(x, y, cell)))
        for i in range(100):
            x, y = (i % 10) * 9.0, (i // 10) * 9.0
            emit(_feature("state", i, _square(x, y, 9.0)))
        for i, (x, y) in enumerate(rng.uniform(0, 90, size=(n_points, 2))):
            emit(_feature("pointOfInterest", i, f"POINT ({x:.6f} {y:.6f})"))
    return count


def _square(x: float, y: float, size: float) -> str:
    return (f"POLYGON (({x:.6f} {y:.6f}, {x + size:.6f} {y:.6f}, {x + size:.6f} {y + size:.6f}, "
            f"{x:.6f} {y + size:.6f}, {x:.6f} {y:.6f}))")


def _repeat() -> int:
    """Runs of each Geographica query per side (the best is compared, the first reported too)."""
    return int(os.environ.get("AI4C_BENCH_GEOSPARQL_REPEAT", "3"))


def _peer(store_dir: Path, query: str, repeat: int = 1) -> float | None:
    """Seconds plain pyoxigraph needs for `query` (the best of `repeat` runs in one process), or None
    past the cap (or when it fails, e.g. out of memory materialising a cartesian product)."""
    runs = _peer_runs(store_dir, query, repeat)
    return None if runs is None else runs[1]


def _peer_runs(store_dir: Path, query: str, repeat: int) -> tuple[float, float, int] | None:
    """(first, best) seconds of `repeat` runs of `query` by plain pyoxigraph in a fresh process, and
    the number of rows it found."""
    try:
        done = subprocess.run([sys.executable, "-c", PEER_SCRIPT, str(store_dir), str(repeat)], input=query,
                              text=True, capture_output=True, timeout=_peer_timeout() * repeat, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(f"plain pyoxigraph failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    first, best, found = done.stdout.split()[:3]
    return float(first), float(best), int(found)


def _timed(func, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def _row(metric: str, value: float, unit: str, peer: float | None = None, *, lower_is_better: bool = True,
         peer_measured: bool = True) -> dict:
    row = {"benchmark": "geosparql-store", "metric": metric, "value": value, "unit": unit}
    print(f"[bench_geosparql] {metric}: {value:.4g} {unit} (plain pyoxigraph: {peer})", file=sys.stderr, flush=True)
    if peer_measured:
        row["peer"] = "pyoxigraph"
        if peer is None:
            cap = _peer_timeout()
            row["peer_value"] = f"> {cap:g}"
            row["ratio"] = cap / value if lower_is_better else None
            row["ratio_is_lower_bound"] = True
        else:
            row["peer_value"] = peer
            row["ratio"] = (peer / value) if lower_is_better else (value / peer)
    return row


def _count(store, query: str) -> int:
    """Rows of a query answered as the CLI and the endpoint do (planned, serialised as TSV)."""
    body, _ = store.query_serialized(query, "tsv")
    return body.count(b"\n") - 1


JOIN = PREFIXES + """SELECT ?s1 ?s2 WHERE {
  ?s1 pointOfInterest:hasGeometry ?s1Geo . ?s1Geo pointOfInterest:asWKT ?geo1 .
  ?s2 landOwnership:hasGeometry ?s2Geo . ?s2Geo landOwnership:asWKT ?geo2 .
  FILTER(geof:sfWithin(?geo1, ?geo2)) }"""


def run(workdir: Path) -> list[dict]:
    """All measurements; see the module docstring."""
    from ai4c.linked.store import GeoStore

    scale = _scale()
    n_points, n_side = int(100_000 * scale), max(2, int(round(100 * scale ** 0.5)))
    rows: list[dict] = []
    data = workdir / "geographica.nt"
    triples = generate(data, n_points, n_side)
    ours_dir, peer_dir = workdir / "ours", workdir / "plain"
    shutil.rmtree(ours_dir, ignore_errors=True)
    shutil.rmtree(peer_dir, ignore_errors=True)

    store = GeoStore(ours_dir)
    load_s, _ = _timed(lambda: (store.load(data), store.index.data()))  # R-tree included
    peer_out = subprocess.run([sys.executable, "-c", PEER_LOAD, str(peer_dir), str(data)], capture_output=True,
                              text=True, check=True).stdout.split()
    rows.append(_row("load throughput", triples / load_s, "triples/s", triples / float(peer_out[0]),
                     lower_is_better=False))

    store.index.invalidate()
    build_s, _ = _timed(lambda: store.index.data())
    rows.append(_row(f"R-tree build ({n_points + n_side ** 2 + 100} geometries)", build_s, "s", peer_measured=False))
    join_s, n_join = _timed(lambda: _count(store, JOIN), repeat=2)
    assert n_join == n_points, f"join found {n_join} pairs for {n_points} points"
    rows.append(_row(f"join {n_points} points x {n_side ** 2} polygons sfWithin", join_s, "s",
                     _peer(peer_dir, JOIN)))

    for name in GEOGRAPHICA:
        text = (QUERIES / f"{name}.spl").read_text() if QUERIES.exists() else None
        if text is None:
            continue
        title = text.splitlines()[0].split(" - ", 1)[-1].rstrip(":")
        rows.append(_geographica(store, peer_dir, title, text))

    store.warm()
    store.close()  # the endpoint's workers open it read-only, as `ai4c store serve` does
    rows += _clients(ours_dir)
    rows += _points_in_polygon(workdir, int(1_000_000 * scale))
    return rows


def _geographica(store, peer_dir: Path, title: str, text: str) -> dict:
    """One Geographica query, each side run `_repeat()` times in one process (ours: the benchmark's
    store object, as an endpoint would; plain pyoxigraph: a fresh process): the best runs compared, the
    first runs (ours: rewriting and planning included, nothing remembered) reported beside them."""
    times = []
    for _ in range(_repeat()):
        seconds, found = _timed(lambda: _count(store, text))
        times.append(seconds)
    peer = _peer_runs(peer_dir, text, _repeat())
    assert peer is None or peer[2] == found, f"{title}: {found} rows, plain pyoxigraph {peer[2]}"
    row = _row(f"geographica {title}", min(times), "s", None if peer is None else peer[1])
    row.update({"rows": found, "first": times[0], "peer_first": None if peer is None else peer[0]})
    if peer is not None:
        row["first_ratio"] = peer[0] / times[0]
    return row


def _clients(store_dir: Path) -> list[dict]:
    """16 clients sending mixed queries for a fixed time to the endpoint on 127.0.0.1, served like
    `ai4c store serve` (worker processes)."""
    import socket
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import uvicorn

    from ai4c.services.sparql import ProcessBackend, StoreOptions, create_app

    seconds = float(os.environ.get("AI4C_BENCH_GEOSPARQL_CLIENT_SECONDS", "60"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = ProcessBackend(StoreOptions(store_dir))
    server = uvicorn.Server(uvicorn.Config(create_app(backend), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    mixed = [PREFIXES + """SELECT ?s WHERE { ?s pointOfInterest:asWKT ?w
               FILTER(geof:sfWithin(?w, "POLYGON((10 10, 12 10, 12 12, 10 12, 10 10))"^^geo:wktLiteral)) }""",
             PREFIXES + 'SELECT (COUNT(*) AS ?n) WHERE { ?t landOwnership:hasKey "64" }',
             PREFIXES + """SELECT ?s ?d WHERE { ?s state:asWKT ?w
               BIND(geof:distance(?w, "POINT(45 45)"^^geo:wktLiteral, <http://www.opengis.net/def/uom/OGC/1.0/metre>) AS ?d) }
               ORDER BY ?d LIMIT 5"""]
    deadline = time.monotonic() + seconds

    def client(k: int) -> list[tuple[int, float]]:
        out = []
        with httpx.Client(timeout=120) as http:
            i = 0
            while time.monotonic() < deadline:
                start = time.perf_counter()
                status = http.get(f"http://127.0.0.1:{port}/sparql", params={"query": mixed[(k + i) % 3]}).status_code
                out.append((status, time.perf_counter() - start))
                i += 1
        return out

    with ThreadPoolExecutor(16) as pool:
        results = [r for batch in pool.map(client, range(16)) for r in batch]
    server.should_exit = True
    thread.join(timeout=10)
    backend.close()
    latencies = np.array([t for _, t in results])
    errors = sum(1 for s, _ in results if s != 200)
    return [_row("16 clients: requests", len(results), "requests", peer_measured=False),
            _row("16 clients: errors", errors, "requests", peer_measured=False),
            _row("16 clients: p50 latency", float(np.percentile(latencies, 50)) * 1000, "ms", peer_measured=False),
            _row("16 clients: p99 latency", float(np.percentile(latencies, 99)) * 1000, "ms", peer_measured=False)]


def _points_in_polygon(workdir: Path, n: int) -> list[dict]:
    """Selection over an n-geometry store: points inside one small polygon."""
    from ai4c.linked.store import GeoStore

    data = workdir / "points.nt"
    rng = np.random.default_rng(11)
    with data.open("w") as out:
        for i, (x, y) in enumerate(rng.uniform(0, 90, size=(n, 2))):
            out.write(f'<{GEN}pointOfInterest/g{i}> <{GEN}pointOfInterest/asWKT> "POINT ({x:.6f} {y:.6f})"^^<{WKT}> .\n')
    ours_dir, peer_dir = workdir / "ours-points", workdir / "plain-points"
    shutil.rmtree(ours_dir, ignore_errors=True)
    shutil.rmtree(peer_dir, ignore_errors=True)
    store = GeoStore(ours_dir, entail=False)
    store.load(data)
    subprocess.run([sys.executable, "-c", PEER_LOAD, str(peer_dir), str(data)], capture_output=True, check=True)
    store.index.invalidate()
    build_s, _ = _timed(lambda: store.index.data())
    query = PREFIXES + """SELECT ?g WHERE { ?g pointOfInterest:asWKT ?w .
      FILTER(geof:sfWithin(?w, "POLYGON((40 40, 45 40, 45 45, 40 45, 40 40))"^^geo:wktLiteral)) }"""
    seconds, found = _timed(lambda: _count(store, query), repeat=3)
    expected = n * (25 / 8100)
    assert abs(found - expected) < 6 * expected ** 0.5 + 5, (found, expected)
    return [_row(f"R-tree build ({n} points)", build_s, "s", peer_measured=False),
            _row(f"points in polygon over {n} geometries ({found} hits)", seconds, "s", _peer(peer_dir, query))]


if __name__ == "__main__":
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("benchmarks/work/bench_geosparql")
    work.mkdir(parents=True, exist_ok=True)
    for result in run(work):
        print(result)
