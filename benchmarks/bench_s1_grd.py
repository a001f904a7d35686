"""S1-GRD-preprocess vs sarsen `gtc` on the same simulated IW GRD product, DEM and output grid.

The product is simulated with xarray-sentinel's real GRD metadata as template (its orbit, timing and
range geometry). `AI4C_BENCH_S1_SIZE` picks the size: `full` (16685 x 25788, the whole IW scene) or
LINESxSAMPLES (default 4000x4000, a crop of the scene's first lines/samples). `AI4C_BENCH_S1_SARSEN=0`
skips the peer. Each run is a separate process so peak memory (ru_maxrss of the child) is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / ".." / "shared" / "data" / "s1" / "xarray-sentinel" / "tests" / "data" / \
    "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"

OURS = """
import sys, json, resource
from ai4c.pipelines.s1_grd import run
kw = json.loads(sys.argv[3])
run(sys.argv[1], sys.argv[2], **kw)
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SARSEN = """
import sys, json, resource, warnings
warnings.simplefilter("ignore")
import sarsen
product = sarsen.Sentinel1SarProduct(sys.argv[1], measurement_group="IW/VV")
sarsen.terrain_correction(product, sys.argv[3], output_urlpath=sys.argv[2])
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _timed(code: str, *args: str) -> tuple[float, float]:
    """Run a Python snippet in a child process: (wall seconds, peak RSS MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"]


def _dem_on_grid(truth_dem: Path, grid_file: Path, out: Path) -> None:
    """The truth DEM resampled onto our output grid (so that sarsen, which geocodes onto its DEM's grid,
    produces the same grid as ours)."""
    import numpy as np
    import rasterio
    from rasterio.warp import Resampling, reproject

    with rasterio.open(grid_file) as ref, rasterio.open(truth_dem) as src:
        data = np.zeros((ref.height, ref.width), np.float32)
        reproject(rasterio.band(src, 1), data, dst_transform=ref.transform, dst_crs=ref.crs,
                  resampling=Resampling.bilinear)
        profile = {"driver": "GTiff", "dtype": "float32", "width": ref.width, "height": ref.height, "count": 1,
                   "crs": ref.crs, "transform": ref.transform, "tiled": True, "compress": "deflate"}
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)


def run(workdir: Path) -> list[dict]:
    """Simulate once, then time ours (full chain, and a 20 x 20 km AoI) and sarsen gtc."""
    from ai4c.simulate.s1 import simulate_grd

    size_text = os.environ.get("AI4C_BENCH_S1_SIZE", "4000x4000")
    size = None if size_text == "full" else tuple(int(v) for v in size_text.split("x"))
    start = time.perf_counter()
    sim = simulate_grd(workdir, size=size, template=TEMPLATE, terrain="hilly", seed=11)
    sim_seconds = time.perf_counter() - start
    truth_dem = sim.truth_path.with_name(sim.truth_path.name.replace(".truth.json", ".truth-dem.tif"))
    label = f"s1_grd {size_text}"
    common = {"dem": str(truth_dem), "dem_geoid": "none"}
    wall, rss = _timed(OURS, str(sim.path), str(workdir / "ours.tif"), json.dumps(common))
    rows = [{"benchmark": label, "metric": "simulate product", "value": sim_seconds, "unit": "s"},
            {"benchmark": label, "metric": "default chain 10 m wall", "value": wall, "unit": "s"},
            {"benchmark": label, "metric": "default chain peak RSS", "value": rss, "unit": "MB"}]
    lat = sum(t["lat"] for t in sim.targets) / len(sim.targets)
    lon = sum(t["lon"] for t in sim.targets) / len(sim.targets)
    dlat, dlon = 0.09, 0.09 / max(0.2, __import__("math").cos(__import__("math").radians(lat)))
    aoi = (f"POLYGON(({lon - dlon} {lat - dlat}, {lon + dlon} {lat - dlat}, {lon + dlon} {lat + dlat}, "
           f"{lon - dlon} {lat + dlat}, {lon - dlon} {lat - dlat}))")
    wall_aoi, _ = _timed(OURS, str(sim.path), str(workdir / "ours_aoi.tif"), json.dumps({**common, "aoi": aoi}))
    rows.append({"benchmark": label, "metric": "20x20 km AoI wall", "value": wall_aoi, "unit": "s"})
    if os.environ.get("AI4C_BENCH_S1_SARSEN", "1") != "0":
        grid_dem = workdir / "dem_on_grid.tif"
        _dem_on_grid(truth_dem, workdir / "ours.tif", grid_dem)
        ours_gtc, ours_gtc_rss = _timed(OURS, str(sim.path), str(workdir / "ours_gtc.tif"), json.dumps(
            {"dem": str(grid_dem), "dem_geoid": "none", "speckle": "None"}))
        try:
            peer, peer_rss = _timed(SARSEN, str(sim.path), str(workdir / "sarsen_gtc.tif"), str(grid_dem))
        except RuntimeError as exc:
            rows.append({"benchmark": label, "metric": f"sarsen gtc failed: {exc}"[:60], "value": float("nan"),
                         "unit": "s"})
        else:
            rows += [{"benchmark": label, "metric": "gtc wall (no speckle)", "value": ours_gtc, "unit": "s",
                      "peer": "sarsen gtc", "peer_value": peer, "ratio": peer / ours_gtc},
                     {"benchmark": label, "metric": "gtc peak RSS", "value": ours_gtc_rss, "unit": "MB",
                      "peer": "sarsen gtc", "peer_value": peer_rss, "ratio": peer_rss / ours_gtc_rss}]
    return rows
