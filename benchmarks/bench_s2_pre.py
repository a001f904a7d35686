"""S2-preprocess on simulated L2A tiles of several sizes vs GDAL's command-line tools doing the same reading,
resampling and stacking (gdalbuildvrt -separate + gdalwarp -ovr NONE, i.e. full-resolution pixels like
SNAP, to a tiled DEFLATE Float32 GeoTIFF), side by side in one run.

Cases: B2,B3,B4,B8 at 10 m with the SCL cloud mask; the same at 20 m with Mean downsampling (GDAL:
-r average). Sizes: AI4C_BENCH_S2_SIZES (comma-separated, default 1098,2745,5490,10980; the old
AI4C_BENCH_S2_SIZE=N runs one size); each product is simulated once and kept in the work folder. Each run is
a separate process measured by benchmarks/measure.py (wall, CPU, own peak RSS); ours and GDAL's alternate,
AI4C_BENCH_S2_REPEAT times each (default 3 up to 2745 pixels, 1 above) and the median is reported.
ai4c's modules are compiled to bytecode first (measure.compile_bytecode), as an installed package's are.
Start-up: the time from our process's start to its first pixel read (AI4C_FIRST_READ_LOG, written by
ai4c.core.lazyraster.note_first_read) and the wall time of `ai4c s2-pre --help`.
GDAL's tools come from Debian's gdal-bin (`apt-get install -y gdal-bin`); without them the peer column says so.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from measure import SRC, Measured, measured

BANDS = ("B02", "B03", "B04", "B08")
CASES = (("10 m, SCL cloud mask", 10, "First", "near"), ("20 m Mean, SCL cloud mask", 20, "Mean", "average"))
GTIFF = ["-co", "TILED=YES", "-co", "BLOCKXSIZE=512", "-co", "BLOCKYSIZE=512", "-co", "COMPRESS=DEFLATE",
         "-co", "PREDICTOR=3", "-co", "BIGTIFF=IF_SAFER", "-co", "NUM_THREADS=ALL_CPUS"]
PEER = "gdalbuildvrt+gdalwarp"
PEER_MISSING = "GDAL peer missing: apt-get install -y gdal-bin"


def sizes() -> list[int]:
    """The tile sides to run, from AI4C_BENCH_S2_SIZES (or the single AI4C_BENCH_S2_SIZE)."""
    text = os.environ.get("AI4C_BENCH_S2_SIZES") or os.environ.get("AI4C_BENCH_S2_SIZE") or "1098,2745,5490,10980"
    return [int(v) for v in text.split(",") if v.strip()]


def _product(workdir: Path, size: int) -> Path:
    """The simulated L2A product of that size (made once, reused)."""
    found = sorted((workdir / f"input{size}").glob("*.SAFE"))
    if found:
        return found[0]
    sys.path.insert(0, str(SRC))
    from ai4c.simulate.s2.product import simulate_s2

    start = time.perf_counter()
    product = simulate_s2(workdir / f"input{size}", level="L2A", baseline="05.09", size=size, seed=1,
                          bands=list(BANDS))  # only the bands read: the full tile takes long to simulate
    print(f"[bench_s2_pre] simulated {size} x {size} L2A in {time.perf_counter() - start:.0f} s", flush=True)
    return product


def _ours(product: Path, out: Path, resolution: int, downsampling: str) -> tuple[Measured, float]:
    """One measured run and its start-to-first-pixel time."""
    cmd = [sys.executable, "-m", "ai4c", "s2-pre", "--input", str(product), "--output_path", str(out),
           "--cloudmask", "L2A", "--resolution", str(resolution), "--downsampling", downsampling, "--quiet",
           "--overwrite"]
    with tempfile.TemporaryDirectory(prefix="ai4c-first-read-") as scratch:
        log = Path(scratch) / "first_read.txt"
        done = measured(cmd, env={"AI4C_FIRST_READ_LOG": str(log)})
        first = float(log.read_text().split()[0]) - done.started if log.exists() else float("nan")
    return done, first


def gdal_installed() -> bool:
    """Whether the peer's tools are on PATH."""
    return bool(shutil.which("gdalbuildvrt") and shutil.which("gdalwarp"))


def _gdal(product: Path, workdir: Path, resolution: int, method: str) -> Measured:
    files = [str(next(product.glob(f"GRANULE/*/IMG_DATA/R10m/*_{b}_10m.jp2"))) for b in BANDS]
    vrt, out = workdir / "stack.vrt", workdir / f"gdal_{resolution}m.tif"
    out.unlink(missing_ok=True)
    first = measured(["gdalbuildvrt", "-q", "-separate", str(vrt), *files])
    second = measured(["gdalwarp", "-q", "-overwrite", "-ovr", "NONE", "-multi", "-wo", "NUM_THREADS=2", "-ot",
                       "Float32", "-r", method, "-tr", str(resolution), str(resolution), *GTIFF, str(vrt), str(out)])
    return Measured(wall=first.wall + second.wall, cpu=first.cpu + second.cpu,
                    peak_mb=max(first.peak_mb, second.peak_mb), stdout="")


def _median(runs: list[Measured]) -> Measured:
    """Median wall and CPU, largest peak memory."""
    return Measured(wall=statistics.median(r.wall for r in runs), cpu=statistics.median(r.cpu for r in runs),
                    peak_mb=max(r.peak_mb for r in runs), stdout="")


def _rows(name: str, ours: Measured, peer: Measured | None, first: float) -> list[dict]:
    label = PEER if peer else PEER_MISSING
    return [
        {"benchmark": name, "metric": "wall time", "value": ours.wall, "unit": "s", "peer": label,
         "peer_value": peer and peer.wall, "ratio": peer and ours.wall / peer.wall},
        {"benchmark": name, "metric": "CPU time", "value": ours.cpu, "unit": "s", "peer": label,
         "peer_value": peer and peer.cpu, "ratio": peer and ours.cpu / peer.cpu},
        {"benchmark": name, "metric": "peak memory", "value": ours.peak_mb, "unit": "MB", "peer": label,
         "peer_value": peer and peer.peak_mb, "ratio": peer and ours.peak_mb / peer.peak_mb},
        {"benchmark": name, "metric": "process start to first pixel", "value": first, "unit": "s"},
    ]


def bench_size(workdir: Path, size: int) -> list[dict]:
    """Both cases at one size, ours and GDAL's alternating."""
    product = _product(workdir, size)
    repeat = int(os.environ.get("AI4C_BENCH_S2_REPEAT", 3 if size <= 2745 else 1))
    rows = []
    for label, resolution, downsampling, gdal_method in CASES:
        ours, firsts, peers = [], [], []
        for _ in range(repeat):
            done, first = _ours(product, workdir / f"ai4c_{resolution}m.tif", resolution, downsampling)
            ours.append(done)
            firsts.append(first)
            if gdal_installed():
                peers.append(_gdal(product, workdir, resolution, gdal_method))
        name = f"S2-preprocess {size}px {label}"
        mine, peer = _median(ours), _median(peers) if peers else None
        rows += _rows(name, mine, peer, statistics.median(firsts))
        print(f"[bench_s2_pre] {name}: ours {mine} first pixel {statistics.median(firsts):.3f} s, "
              f"gdal {peer or PEER_MISSING}", flush=True)
    return rows


def bench_help() -> list[dict]:
    """`ai4c s2-pre --help`: the start-up of the command without any work."""
    runs = [measured([sys.executable, "-m", "ai4c", "s2-pre", "--help"]) for _ in range(3)]
    return [{"benchmark": "S2-preprocess --help", "metric": "wall time", "value": _median(runs).wall, "unit": "s"}]


def run(workdir: Path) -> list[dict]:
    """Every size, then the --help start-up."""
    rows = []
    for size in sizes():
        rows += bench_size(workdir, size)
    return rows + bench_help()
