"""S2-preprocess on a full simulated L2A tile vs GDAL's command-line tools doing the same reading,
resampling and stacking (gdalbuildvrt -separate + gdalwarp -ovr NONE, i.e. full-resolution pixels like
SNAP, to a tiled DEFLATE Float32 GeoTIFF).

Cases: B2,B3,B4,B8 at 10 m with the SCL cloud mask; the same at 20 m with Mean downsampling (GDAL:
-r average). Size: AI4C_BENCH_S2_SIZE (default 10980, the full tile); the product is simulated once and
kept in the work folder. Each run is a separate process measured by benchmarks/measure.py (wall, CPU, own peak RSS).
GDAL's tools come from Debian's gdal-bin (`apt-get install -y gdal-bin`); without them the peer is skipped.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from measure import Measured, measured

SRC = Path(__file__).resolve().parents[1] / "src"
BANDS = ("B02", "B03", "B04", "B08")
CASES = (("10 m, SCL cloud mask", 10, "First", "near"), ("20 m Mean, SCL cloud mask", 20, "Mean", "average"))
GTIFF = ["-co", "TILED=YES", "-co", "BLOCKXSIZE=512", "-co", "BLOCKYSIZE=512", "-co", "COMPRESS=DEFLATE",
         "-co", "PREDICTOR=3", "-co", "BIGTIFF=IF_SAFER", "-co", "NUM_THREADS=ALL_CPUS"]


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


def _ours(product: Path, out: Path, resolution: int, downsampling: str) -> Measured:
    cmd = [sys.executable, "-m", "ai4c", "s2-pre", "--input", str(product), "--output_path", str(out),
           "--cloudmask", "L2A", "--resolution", str(resolution), "--downsampling", downsampling, "--quiet",
           "--overwrite"]
    return measured(cmd)


def _gdal(product: Path, workdir: Path, resolution: int, method: str) -> Measured | None:
    if not (shutil.which("gdalbuildvrt") and shutil.which("gdalwarp")):
        return None
    files = [str(next(product.glob(f"GRANULE/*/IMG_DATA/R10m/*_{b}_10m.jp2"))) for b in BANDS]
    vrt, out = workdir / "stack.vrt", workdir / f"gdal_{resolution}m.tif"
    out.unlink(missing_ok=True)
    first = measured(["gdalbuildvrt", "-q", "-separate", str(vrt), *files])
    second = measured(["gdalwarp", "-q", "-overwrite", "-ovr", "NONE", "-multi", "-wo", "NUM_THREADS=2", "-ot", "Float32", "-r", method,
                     "-tr", str(resolution), str(resolution), *GTIFF, str(vrt), str(out)])
    return Measured(wall=first.wall + second.wall, cpu=first.cpu + second.cpu,
                    peak_mb=max(first.peak_mb, second.peak_mb), stdout="")


def run(workdir: Path) -> list[dict]:
    """Both cases, ours then GDAL's, in the same run."""
    size = int(os.environ.get("AI4C_BENCH_S2_SIZE", "10980"))
    product = _product(workdir, size)
    rows = []
    for label, resolution, downsampling, gdal_method in CASES:
        name = f"S2-preprocess {size}px {label}"
        ours = _ours(product, workdir / f"ai4c_{resolution}m.tif", resolution, downsampling)
        peer = _gdal(product, workdir, resolution, gdal_method)
        ratio = ours.wall / peer.wall if peer else None
        rows.append({"benchmark": name, "metric": "wall time", "value": ours.wall, "unit": "s",
                     "peer": "gdalbuildvrt+gdalwarp" if peer else "", "peer_value": peer and peer.wall,
                     "ratio": ratio})
        rows.append({"benchmark": name, "metric": "CPU time", "value": ours.cpu, "unit": "s",
                     "peer": "gdalbuildvrt+gdalwarp" if peer else "", "peer_value": peer and peer.cpu,
                     "ratio": ours.cpu / peer.cpu if peer else None})
        rows.append({"benchmark": name, "metric": "peak memory", "value": ours.peak_mb, "unit": "MB",
                     "peer": "gdalbuildvrt+gdalwarp" if peer else "", "peer_value": peer and peer.peak_mb})
        print(f"[bench_s2_pre] {name}: ours {ours}, gdal {peer}", flush=True)
    return rows
