"""S1-SLC-preprocess on a simulated IW SLC (3 sub-swaths) and S1-CD on a simulated pair of one sub-swath.

`AI4C_BENCH_SLC_SIZE`: `full` (the default of `make bench`: 9 bursts of 1501 lines x 21632 samples per
sub-swath, the issue's sizes) or LINESxSAMPLESxBURSTS (lines per burst, samples per sub-swath, bursts).
Products are simulated once per size and simulator version and cached in benchmarks/work/bench_s1_slc/.
Every run is its own process (benchmarks/measure.py): wall, CPU (user + system) and peak RSS are its own.
S1-CD runs twice, on the pair and on a pair half as wide (same lines and bursts): with its tiles cut by lines
and columns, peak memory should stay nearly the same.
No peer runs here: SNAP (Java, 16-32 GB) and ALUs (CUDA) cannot be installed with pip, and no pip package
goes from two SAFE products to ESD-refined coherence; xarray-sentinel/sarsen read bursts but do not deburst,
coregister or estimate coherence.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from measure import measured_python

ROOT = Path(__file__).resolve().parents[1]
SIM_SOURCES = ("slc.py", "slc_safe.py", "pair.py", "geometry.py")
FULL = "1501x21632x9"

SIMULATE_SLC = """
import sys, json
from ai4c.simulate.s1.slc import make_truth
from ai4c.simulate.s1.slc_safe import write_product
lines, samples, bursts = (int(v) for v in sys.argv[2].split("x"))
truth = make_truth((41.9, 12.5), lines_per_burst=lines, samples=samples, bursts=bursts, height=0.0)
print(write_product(sys.argv[1], truth, seed=1))
"""

SIMULATE_PAIR = """
import sys
from ai4c.simulate.s1.pair import make_pair, write_pair
lines, samples, bursts = (int(v) for v in sys.argv[2].split("x"))
pair = make_pair(lines_per_burst=lines, samples=samples, bursts=bursts)
pair.reference.swaths = pair.reference.swaths[1:2]
pair.secondary.swaths = pair.secondary.swaths[1:2]
pair.discs = [d for d in pair.discs if abs(d.change_db) > 0][:1]
for path in write_pair(sys.argv[1], pair, seed=2):
    print(path)
"""

PREPROCESS = """
import sys
from ai4c.pipelines.s1_slc import run
run(sys.argv[1], sys.argv[2], projection="UTM")
"""

DETECT = """
import sys
from ai4c.pipelines.s1_cd import run
run(sys.argv[1], sys.argv[2], sys.argv[3], projection="UTM")
"""


def _cached(workdir: Path, kind: str, size: str, code: str) -> tuple[list[Path], float]:
    """Simulated product(s) of this kind and size, simulated in a child process unless cached."""
    digest = hashlib.sha1(b"".join((ROOT / "src" / "ai4c" / "simulate" / "s1" / f).read_bytes()
                                   for f in SIM_SOURCES)).hexdigest()[:10]
    cache = workdir / f"{kind}-{size}-{digest}"
    record = cache / "products.json"
    if record.exists():
        return [cache / p for p in json.loads(record.read_text())], 0.0
    cache.mkdir(parents=True, exist_ok=True)
    run = measured_python(code, str(cache), size)
    paths = [Path(line) for line in run.stdout.split() if line.strip()]
    record.write_text(json.dumps([p.name for p in paths]))
    return paths, run.wall


def _row(label: str, metric: str, value: float, unit: str) -> dict:
    return {"benchmark": label, "metric": metric, "value": value, "unit": unit, "peer": "none runnable (see doc)"}


def run(workdir: Path) -> list[dict]:
    """Simulate (or reuse) the products, then time S1-SLC-preprocess and S1-CD."""
    import shutil

    size = os.environ.get("AI4C_BENCH_SLC_SIZE", "full").replace("full", FULL)
    rows = []
    (slc,), sim_seconds = _cached(workdir, "slc", size, SIMULATE_SLC)
    out = workdir / "sigma0.tif"
    out.unlink(missing_ok=True)
    pre = measured_python(PREPROCESS, str(slc), str(out))
    label = f"s1_slc {size} (3 sub-swaths)"
    rows += [_row(label, "simulate product (0 = cached)", sim_seconds, "s"),
             _row(label, "S1-SLC-preprocess wall", pre.wall, "s"), _row(label, "S1-SLC-preprocess CPU", pre.cpu, "s"),
             _row(label, "S1-SLC-preprocess peak RSS", pre.peak_mb, "MB")]
    for pair_size in (size, half_width(size)):  # the same tiles at two widths: peak memory should not follow
        (first, second), pair_seconds = _cached(workdir, "pair", pair_size, SIMULATE_PAIR)
        folder = workdir / "cd"
        shutil.rmtree(folder, ignore_errors=True)
        cd = measured_python(DETECT, str(first), str(second), str(folder))
        label = f"s1_cd {pair_size} (1 sub-swath pair)"
        rows += [_row(label, "simulate pair (0 = cached)", pair_seconds, "s"),
                 _row(label, "S1-CD wall", cd.wall, "s"), _row(label, "S1-CD CPU", cd.cpu, "s"),
                 _row(label, "S1-CD peak RSS", cd.peak_mb, "MB")]
    return rows


def half_width(size: str) -> str:
    """LINESxSAMPLESxBURSTS with half the samples (a sub-swath half as wide)."""
    lines, samples, bursts = size.split("x")
    return f"{lines}x{int(samples) // 2}x{bursts}"
