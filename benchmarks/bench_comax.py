"""CO-max analyzer throughput over simulated orbits, and the REST endpoint under concurrent load.

AI4C_BENCH_COMAX_ORBITS (default 50), AI4C_BENCH_COMAX_SECONDS (default 60), AI4C_BENCH_COMAX_CLIENTS (16).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np

AOI = "POLYGON((0 40, 20 40, 20 60, 0 60, 0 40))"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _simulate(workdir: Path, orbits: int) -> Path:
    from ai4c.catalog.index import build_index
    from ai4c.simulate.s5p import simulate_s5p

    data = workdir / "s5p"
    data.mkdir(exist_ok=True)
    start = dt.datetime(2020, 3, 1, 1, tzinfo=dt.UTC)
    for i in range(orbits):
        when = start + dt.timedelta(minutes=101 * i)
        if not any(data.glob(f"S5P_OFFL_L2__CO_____{when:%Y%m%dT%H%M%S}*.nc")):
            simulate_s5p(data, bbox=(-10, 35, 30, 65), start=when, orbit=12000 + i, scanlines=400,
                         ground_pixels=215, seed=i)
    catalog = workdir / "catalog.sqlite"
    build_index(str(data), catalog)
    return catalog


def _analyzer_rows(catalog: Path, orbits: int) -> list[dict]:
    from shapely import wkt

    from ai4c.pipelines.comax import BrokerRequest, co_max

    request = BrokerRequest(aoi=wkt.loads(AOI), start=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
                            end=dt.datetime(2020, 4, 1, tzinfo=dt.UTC))
    size = sum(p.stat().st_size for p in (catalog.parent / "s5p").glob("*.nc"))
    t0 = time.perf_counter()
    co_max(request, catalog=str(catalog))
    seconds = time.perf_counter() - t0
    return [{"benchmark": "co-max analyzer", "metric": f"throughput over {orbits} orbits", "value": orbits / seconds,
             "unit": "products/s"},
            {"benchmark": "co-max analyzer", "metric": "read throughput", "value": size / seconds / 1e6,
             "unit": "MB/s"}]


def _load_rows(catalog: Path, seconds: float, clients: int) -> list[dict]:
    import httpx
    import uvicorn

    from ai4c.services.comax.rest import create_app

    port = _free_port()
    config = uvicorn.Config(create_app("local", catalog=str(catalog)), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds
    params = {"aoi": "POLYGON((5 45, 10 45, 10 50, 5 50, 5 45))", "start": "2020-03-01T00:00:00Z",
              "end": "2020-03-01T12:00:00Z"}

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = http.get("/co-max", params=params)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors[0] += 1

    workers = [threading.Thread(target=client) for _ in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    server.should_exit = True
    thread.join(timeout=10)
    lat = np.array(latencies) * 1000
    return [{"benchmark": f"REST /co-max, {clients} clients x {seconds:.0f} s", "metric": "p99 latency",
             "value": float(np.percentile(lat, 99)), "unit": "ms"},
            {"benchmark": f"REST /co-max, {clients} clients x {seconds:.0f} s", "metric": "requests/s",
             "value": len(lat) / seconds, "unit": "req/s"},
            {"benchmark": f"REST /co-max, {clients} clients x {seconds:.0f} s", "metric": "errors",
             "value": float(errors[0]), "unit": "count"}]


def run(workdir: Path) -> list[dict]:
    """Simulate the orbits once, then measure the analyzer and the REST endpoint."""
    orbits = int(os.environ.get("AI4C_BENCH_COMAX_ORBITS", 50))
    seconds = float(os.environ.get("AI4C_BENCH_COMAX_SECONDS", 60))
    clients = int(os.environ.get("AI4C_BENCH_COMAX_CLIENTS", 16))
    catalog = _simulate(workdir, orbits)
    return _analyzer_rows(catalog, orbits) + _load_rows(catalog, seconds, clients)
