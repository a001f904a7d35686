"""GeoSPARQL store loading at scale, side by side with plain pyoxigraph in one run.

A GeoSPARQL dataset in which every feature has a geometry (per feature: a class, a name,
`geo:hasGeometry`, and the geometry's `geo:asWKT` point: 4 triples) of AI4C_BENCH_GEOSPARQL_LOAD_TRIPLES
triples (default 10 M; measured smaller on a shared machine) is loaded

* by `ai4c store load` with entailment on (RDFS entailment, geometry properties, R-tree), each run its own
  process (benchmarks/measure.py: wall time and peak RSS);
* by plain pyoxigraph (`Store.load(path=...)`, its atomic load, as a user would) in its own process, and by
  pyoxigraph's non-atomic `Store.bulk_load` (its fastest path, which ours writes through);

then the first spatial query is run on our store in a fresh process (the load built the R-tree: it opens
the saved one), 1,000 new triples are added to our loaded store (`ai4c store load` of a small file), the
same file is loaded again (every triple known: a no-op), and the R-tree is rebuilt from the store in a
fresh process (what the first spatial query paid when a load left the index to it).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from measure import measured

GEO = "http://www.opengis.net/ont/geosparql#"
EX = "http://example.org/bench/"
PEER_LOAD = """
import sys, pyoxigraph
store = pyoxigraph.Store(sys.argv[1])
store.load(path=sys.argv[2])
store.flush()
print(len(store))
"""
PEER_BULK_LOAD = PEER_LOAD.replace("store.load(", "store.bulk_load(")
OURS_LOAD = ["-m", "ai4c", "store", "load", "--store"]
TIMED_LOAD = """
import sys, time
from ai4c.linked.store import GeoStore
store = GeoStore(sys.argv[1])
start = time.perf_counter()
store.load(sys.argv[2])
print(time.perf_counter() - start)
"""
REBUILD = """
import sys, time
from ai4c.linked.store import GeoStore
store = GeoStore(sys.argv[1])
store.index.invalidate()
start = time.perf_counter()
store.index.data()
print(len(store.index.data().geoms), time.perf_counter() - start)
"""
FIRST_QUERY = """
import sys, time
from ai4c.linked.store import GeoStore
store = GeoStore(sys.argv[1])
times = []
for _ in range(2):
    start = time.perf_counter()
    body, _ = store.query_serialized(sys.argv[2], "tsv")
    times.append(time.perf_counter() - start)
print(store.index.builds, body.count(b"\\n") - 1, *times)
"""
SPATIAL_QUERY = f"""PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
SELECT ?f WHERE {{ ?f geo:hasGeometry ?g . ?g geo:asWKT ?w .
  FILTER(geof:sfIntersects(?w, "POLYGON((0 0, 20 0, 20 10, 0 10, 0 0))"^^geo:wktLiteral)) }}"""


def _triples() -> int:
    return int(float(os.environ.get("AI4C_BENCH_GEOSPARQL_LOAD_TRIPLES", "10000000")))


def generate(path: Path, features: int, first: int = 0) -> int:
    """Features with one point geometry each; returns the number of triples written."""
    with path.open("w") as out:
        for start in range(first, first + features, 10_000):
            lines = []
            for i in range(start, min(start + 10_000, first + features)):
                x, y = (i * 7919) % 360_000 / 1000 - 180, (i * 104_729) % 180_000 / 1000 - 90
                lines += [f"<{EX}f{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Building> .",
                          f'<{EX}f{i}> <{EX}name> "building {i}" .',
                          f"<{EX}f{i}> <{GEO}hasGeometry> <{EX}g{i}> .",
                          f'<{EX}g{i}> <{GEO}asWKT> "POINT({x:.3f} {y:.3f})"^^<{GEO}wktLiteral> .']
            out.write("\n".join(lines) + "\n")
    return 4 * features


def _row(metric: str, value: float, unit: str, peer: float | None = None, *, higher_is_better: bool = False,
         peak_mb: float | None = None, cpu: tuple[float, float] | None = None) -> dict:
    row = {"benchmark": "geosparql-load", "metric": metric, "value": value, "unit": unit}
    if cpu is not None:  # CPU seconds (ours, peer): steadier than wall time on a shared machine
        row["cpu_s"], row["peer_cpu_s"] = cpu
    if peak_mb is not None:
        row["peak_mb"] = peak_mb
    if peer is not None:
        row["peer"], row["peer_value"] = "pyoxigraph", peer
        row["ratio"] = value / peer if higher_is_better else peer / value
    print(f"[bench_geosparql_load] {metric}: {value:.4g} {unit} (plain pyoxigraph: {peer})", file=sys.stderr,
          flush=True)
    return row


def run(workdir: Path) -> list[dict]:
    """Load throughput (ours with entailment vs plain pyoxigraph), a 1,000-triple addition, a reload."""
    triples = _triples()
    data, small = workdir / "features.nt", workdir / "more.nt"
    generate(data, triples // 4)
    generate(small, 250, first=triples // 4)
    ours, plain = workdir / "ours", workdir / "plain"
    shutil.rmtree(ours, ignore_errors=True)
    shutil.rmtree(plain, ignore_errors=True)
    python = sys.executable
    mine = measured([python, *OURS_LOAD, str(ours), str(data), "--quiet"])
    peer = measured([python, "-c", PEER_LOAD, str(plain), str(data)])
    shutil.rmtree(plain, ignore_errors=True)
    bulk = measured([python, "-c", PEER_BULK_LOAD, str(plain), str(data)])
    rows = [_row(f"load {triples} triples, entailment on", triples / mine.wall, "triples/s",
                 triples / peer.wall, higher_is_better=True, peak_mb=mine.peak_mb, cpu=(mine.cpu, peer.cpu)),
            _row(f"load {triples} triples, entailment on, vs pyoxigraph bulk_load", triples / mine.wall,
                 "triples/s", triples / bulk.wall, higher_is_better=True, cpu=(mine.cpu, bulk.cpu)),
            _row("load peak memory", mine.peak_mb, "MB", peer.peak_mb)]
    first = measured([python, "-c", FIRST_QUERY, str(ours), SPATIAL_QUERY])
    builds, found, cold, warm = first.stdout.split()[-4:]
    rows.append(_row(f"first spatial query ({found} rows; R-tree built by it: {builds == '1'})", float(cold), "s",
                     peak_mb=first.peak_mb))
    rows.append(_row("the same query again", float(warm), "s"))
    add = measured([python, "-c", TIMED_LOAD, str(ours), str(small)])
    rows.append(_row("add 1,000 triples to the loaded store (GeoStore.load)", float(add.stdout.split()[-1]), "s"))
    again = measured([python, "-c", TIMED_LOAD, str(ours), str(data)])
    rows.append(_row(f"reload the same {triples} triples (no-op)", float(again.stdout.split()[-1]), "s",
                     peer.wall))
    rebuild = measured([python, "-c", REBUILD, str(ours)])
    geometries, seconds = rebuild.stdout.split()[-2:]
    rows.append(_row(f"R-tree rebuilt from the store ({geometries} geometries)", float(seconds), "s",
                     peak_mb=rebuild.peak_mb))
    return rows
