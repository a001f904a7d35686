"""S1-GRD-preprocess vs sarsen `gtc` on the same simulated IW GRD product, DEM and output grid.

The product is simulated with xarray-sentinel's real GRD metadata as template (its orbit, timing and
range geometry). `AI4C_BENCH_S1_SIZE` picks the size: `full` (16685 x 25788, the whole IW scene) or
LINESxSAMPLES (default 4000x4000, a crop of the scene's first lines/samples). `AI4C_BENCH_S1_SARSEN=0`
skips the peer. Each run is a separate process (benchmarks/measure.py) so peak memory and CPU time are its own.

The simulated product is cached in the work folder (keyed by size and by a hash of the simulator's sources),
so repeated runs reuse it. Both `gtc` runs are made at two sizes, on the same DEM grid: the whole product and a
20 km square AoI at the scene centre up to 8000x8000 pixels; above (sarsen needs hours and >> 24 GB for a whole
IW scene) 30 and 60 km AoIs; `AI4C_BENCH_S1_SARSEN_AOI_KM=K1,K2` chooses the AoI sides. Without sarsen
installed the peer column says so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import time
from pathlib import Path

from measure import measured_python

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / ".." / "shared" / "data" / "s1" / "xarray-sentinel" / "tests" / "data" / \
    "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"

OURS = """
import sys, json
from ai4c.pipelines.s1_grd import run
run(sys.argv[1], sys.argv[2], **json.loads(sys.argv[3]))
"""

SARSEN = """
import sys, warnings
warnings.simplefilter("ignore")
import sarsen
product = sarsen.Sentinel1SarProduct(sys.argv[1], measurement_group="IW/VV")
sarsen.terrain_correction(product, sys.argv[3], output_urlpath=sys.argv[2])
"""
SIM_SOURCES = ROOT / "src" / "ai4c" / "simulate" / "s1"  # the cache key hashes every module of the S1 simulator
FULL_PIXELS = 8000 * 8000  # above this sarsen runs on an AoI
SARSEN_MISSING = "sarsen missing: pip install sarsen"


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


def _simulated(workdir: Path, size_text: str):
    """The simulated product of this size, from the cache when the simulator's sources are unchanged."""
    from ai4c.simulate.s1.grd import SimulatedGrd, simulate_grd

    digest = hashlib.sha1(b"".join(f.read_bytes() for f in sorted(SIM_SOURCES.glob("*.py"))))
    cache = workdir / f"sim-{size_text}-hilly-11-{digest.hexdigest()[:10]}"
    record = cache / "sim.json"
    if record.exists():
        saved = json.loads(record.read_text())
        return SimulatedGrd(cache / saved["path"], cache / saved["truth_path"], saved["targets"]), 0.0
    size = None if size_text == "full" else tuple(int(v) for v in size_text.split("x"))
    start = time.perf_counter()
    sim = simulate_grd(cache, size=size, template=TEMPLATE, terrain="hilly", seed=11)
    seconds = time.perf_counter() - start
    record.write_text(json.dumps({"path": sim.path.name, "truth_path": sim.truth_path.name, "targets": sim.targets}))
    return sim, seconds


def _square_aoi(targets: list[dict], km: float) -> str:
    """A km x km WKT square centred on the mean of the point targets (the scene's inner part)."""
    lat = sum(t["lat"] for t in targets) / len(targets)
    lon = sum(t["lon"] for t in targets) / len(targets)
    dlat = km / 2 / 111.32
    dlon = dlat / max(0.2, math.cos(math.radians(lat)))
    return (f"POLYGON(({lon - dlon} {lat - dlat}, {lon + dlon} {lat - dlat}, {lon + dlon} {lat + dlat}, "
            f"{lon - dlon} {lat + dlat}, {lon - dlon} {lat - dlat}))")


def _row(label: str, metric: str, value: float, unit: str, **peer) -> dict:
    """One result row."""
    return {"benchmark": label, "metric": metric, "value": value, "unit": unit, **peer}


def _versus_sarsen(workdir: Path, sim, truth_dem: Path, label: str, aoi_km: float | None) -> list[dict]:
    """ours vs sarsen `gtc` (no speckle filter) on the same product, DEM grid and output grid (an AoI or all)."""
    extra = {} if aoi_km is None else {"aoi": _square_aoi(sim.targets, aoi_km)}
    where = "" if aoi_km is None else f" ({aoi_km:g} km AoI)"
    grid_ref = workdir / "ours_grid.tif"
    measured_python(OURS, str(sim.path), str(grid_ref), json.dumps(
        {"dem": str(truth_dem), "dem_geoid": "none", "speckle": "None", **extra}))
    grid_dem = workdir / "dem_on_grid.tif"
    _dem_on_grid(truth_dem, grid_ref, grid_dem)
    ours = measured_python(OURS, str(sim.path), str(workdir / "ours_gtc.tif"), json.dumps(
        {"dem": str(grid_dem), "dem_geoid": "none", "speckle": "None", **extra}))
    try:
        peer = measured_python(SARSEN, str(sim.path), str(workdir / "sarsen_gtc.tif"), str(grid_dem))
    except RuntimeError as exc:
        return [_row(label, f"sarsen gtc failed: {exc}"[:60], float("nan"), "s")]
    return [_row(label, f"gtc wall{where}", ours.wall, "s", peer="sarsen gtc", peer_value=peer.wall,
                 ratio=peer.wall / ours.wall),
            _row(label, f"gtc CPU{where}", ours.cpu, "s", peer="sarsen gtc", peer_value=peer.cpu,
                 ratio=peer.cpu / ours.cpu),
            _row(label, f"gtc peak RSS{where}", ours.peak_mb, "MB", peer="sarsen gtc", peer_value=peer.peak_mb,
                 ratio=peer.peak_mb / ours.peak_mb)]


def run(workdir: Path) -> list[dict]:
    """Simulate (or reuse) the product, then time ours (full chain, and a 20 x 20 km AoI) and sarsen gtc."""
    size_text = os.environ.get("AI4C_BENCH_S1_SIZE", "4000x4000")
    sim, sim_seconds = _simulated(workdir, size_text)
    truth_dem = sim.truth_path.with_name(sim.truth_path.name.replace(".truth.json", ".truth-dem.tif"))
    label = f"s1_grd {size_text}"
    common = {"dem": str(truth_dem), "dem_geoid": "none"}
    chain = measured_python(OURS, str(sim.path), str(workdir / "ours.tif"), json.dumps(common))
    rows = [_row(label, "simulate product (0 = cached)", sim_seconds, "s"),
            _row(label, "default chain 10 m wall", chain.wall, "s"), _row(label, "default chain CPU", chain.cpu, "s"),
            _row(label, "default chain peak RSS", chain.peak_mb, "MB")]
    aoi = measured_python(OURS, str(sim.path), str(workdir / "ours_aoi.tif"),
                          json.dumps({**common, "aoi": _square_aoi(sim.targets, 20.0)}))
    rows += [_row(label, "20x20 km AoI wall", aoi.wall, "s"), _row(label, "20x20 km AoI peak RSS", aoi.peak_mb, "MB")]
    if os.environ.get("AI4C_BENCH_S1_SARSEN", "1") != "0":
        if importlib.util.find_spec("sarsen") is None:
            return [*rows, _row(label, "gtc wall", float("nan"), "s", peer=SARSEN_MISSING)]
        for aoi_km in _sarsen_aois(sim):
            rows += _versus_sarsen(workdir, sim, truth_dem, label, aoi_km)
    return rows


def _sarsen_aois(sim) -> list[float | None]:
    """The AoI sides (km; None = the whole product) of the sarsen comparisons: AI4C_BENCH_S1_SARSEN_AOI_KM
    (comma-separated), else the whole product and a 20 km AoI up to 8000 x 8000 pixels, 30 and 60 km above."""
    import rasterio

    km_env = os.environ.get("AI4C_BENCH_S1_SARSEN_AOI_KM")
    if km_env:
        return [float(v) for v in km_env.split(",") if v.strip()]
    with rasterio.open(next((sim.path / "measurement").glob("*vv*.tiff"))) as src:
        pixels = src.width * src.height
    return [30.0, 60.0] if pixels > FULL_PIXELS else [None, 20.0]
