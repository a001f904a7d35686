"""EarthQA: question -> answer latency over a large simulated catalogue (default 1 M products), and the
time to index it into the GeoSPARQL store.

AI4C_BENCH_EARTHQA_PRODUCTS (default 1_000_000; measured here at 100_000), AI4C_BENCH_EARTHQA_REPEATS (5).
No peer runs offline: EarthQA/TerraQ answer over the CREODIAS SPARQL endpoint and DBpedia.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import statistics
import time
from pathlib import Path

QUESTIONS = [
    "Sentinel-1 images of Etna in March 2018", "the least cloudy Sentinel-2 image of Rome in 2021",
    "how many Sentinel-1 products over Etna in 2021?", "Sentinel-2 images of Paris last summer",
    "Sentinel-1 images within 50 km of Athens in 2019", "Sentinel-2 images of Crete in July 2021",
    "the latest Sentinel-1 image of Etna", "Sentinel-1 ascending images of Hekla",
    "Sentinel-2 images of Madrid with cloud cover below 10%", "Sentinel-1 images of Italy in March 2018",
    "Sentinel-2 L2A products over Lisbon in June 2021", "Sentinel-1 images north of Rome in June 2021",
    "S5P CO products in March 2018", "Sentinel-2 images of Lake Garda between 1 and 15 June 2021",
    "Sentinel-1 images of Greece in December 2021", "Sentinel-1 SLC images of Berlin in 2018",
]


def _build(workdir: Path, count: int) -> tuple[Path, float, float]:
    """The catalogue and store of `count` products (reused when already built); seconds to simulate+write
    the catalogue and to index it."""
    from ai4c.pipelines.earthqa_index import index
    from ai4c.simulate.eo_catalog import global_products, site_products, write_catalog

    store = workdir / f"store-{count}"
    catalog = workdir / f"catalog-{count}.sqlite"
    if (store / ".complete").exists():
        return store, float("nan"), float("nan")
    start = time.perf_counter()
    done = catalog.with_suffix(".complete")
    if not done.exists():
        sites = site_products()
        catalog.unlink(missing_ok=True)
        write_catalog(itertools.chain(sites, global_products(count - len(sites), seed=7, first_serial=10**6,
                                                             avoid=())), catalog)
        done.write_text("ok")
    simulated = time.perf_counter() - start
    start = time.perf_counter()
    shutil.rmtree(store, ignore_errors=True)
    index(store, catalog=catalog)
    indexed = time.perf_counter() - start
    (store / ".complete").write_text("ok")
    return store, simulated, indexed


def _reindex_unchanged(workdir: Path, store: Path, count: int) -> float:
    """Seconds to re-index the unchanged catalogue (every product's digest matches: nothing is written)."""
    from ai4c.pipelines.earthqa_index import index

    start = time.perf_counter()
    report = index(store, catalog=workdir / f"catalog-{count}.sqlite")
    assert report.added == report.updated == report.removed == 0, report
    return time.perf_counter() - start


def time_questions(store: Path, repeats: int, *, read_only: bool = False) -> tuple[list[float], float]:
    """Seconds of each question -> answer (QUESTIONS x repeats, one Answerer), and to open the store and
    answer the first question; prints the median per question and the p50/p90."""
    from ai4c.pipelines.earthqa import Answerer

    start = time.perf_counter()
    answerer = Answerer(store, read_only=read_only)
    answerer.ask("Sentinel-1 images of Etna in March 2018", dt.date(2022, 1, 15))  # opens the R-tree cache
    opened = time.perf_counter() - start
    times = []
    for question in QUESTIONS:
        for _ in range(repeats):
            t0 = time.perf_counter()
            answer = answerer.ask(question, dt.date(2022, 1, 15))
            times.append(time.perf_counter() - t0)
        print(f"{statistics.median(times[-repeats:]) * 1000:8.1f} ms  {answer['count']:7d}  {question}", flush=True)
    answerer.close()
    ordered = sorted(times)
    print(f"p50 {statistics.median(times):.3f} s  p90 {ordered[int(0.9 * (len(times) - 1))]:.3f} s  "
          f"max {ordered[-1]:.3f} s  (open + first answer {opened:.2f} s)", flush=True)
    return times, opened


def run(workdir: Path) -> list[dict]:
    count = int(os.environ.get("AI4C_BENCH_EARTHQA_PRODUCTS", 1_000_000))
    repeats = int(os.environ.get("AI4C_BENCH_EARTHQA_REPEATS", 5))
    store, simulated, indexed = _build(workdir, count)
    print(f"indexed {count} products in {indexed:.1f} s", flush=True)
    times, opened = time_questions(store, repeats)
    resync = _reindex_unchanged(workdir, store, count)  # last: the latencies are measured even if cut short
    print(f"re-index unchanged {resync:.1f} s", flush=True)
    name = f"earthqa {count:,} products"
    times.sort()
    return [
        {"benchmark": name, "metric": "question->answer p50", "value": statistics.median(times), "unit": "s"},
        {"benchmark": name, "metric": "question->answer p90", "value": times[int(0.9 * (len(times) - 1))], "unit": "s"},
        {"benchmark": name, "metric": "question->answer p95", "value": times[int(0.95 * (len(times) - 1))], "unit": "s"},
        {"benchmark": name, "metric": "question->answer max", "value": times[-1], "unit": "s"},
        {"benchmark": name, "metric": "open store + first answer", "value": opened, "unit": "s"},
        {"benchmark": name, "metric": "index catalogue -> store", "value": indexed, "unit": "s"},
        {"benchmark": name, "metric": "re-index the unchanged catalogue (digests: no-op)", "value": resync, "unit": "s"},
        {"benchmark": name, "metric": "simulate + write catalogue", "value": simulated, "unit": "s"},
    ]


if __name__ == "__main__":  # latencies over an already indexed store, opened read-only: STORE [REPEATS]
    import sys

    time_questions(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2, read_only=True)
