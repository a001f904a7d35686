"""S2-CD and monthlycomposite at (configurable) full size, against plain xarray / numpy peers.

Sizes (env vars): AI4C_BENCH_MC_SIZE (pixels a side, default 2048; a tile is 10980), AI4C_BENCH_MC_N
(acquisitions, default 70), AI4C_BENCH_CD_SIZE (S2-CD tile side, default 10980); a size of 0 skips that
part. Above 2048 pixels the series is simulated tile by tile and only AI4C_BENCH_MC_DISTINCT (default 4)
acquisitions are real files, the others hard links to them under their own dates (a full tile x 70 needs
~8 GB of disk instead of ~150 GB; the links sit in the page cache, so disk reads are cheaper than with 70
real files, decoding and the median cost the same). The xarray peer runs only up to
AI4C_BENCH_MC_PEER_MAX pixels a side (default 2048: at full size it would take hours). S2-CD runs with --projection UTM (the tile's own grid). Measured on a shared, loaded 2-core machine:
see docs/s2-change-detection.md for the figures.
Each measured run happens in its own process (benchmarks/measure.py), so its peak memory is its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from measure import measured_python

ROOT = Path(__file__).resolve().parents[1]

OURS_MC = """
from ai4c.pipelines.monthly_composite import run
run({src!r}, {out!r}, season_start=2017, tile="33UVP")
"""

PEER_MC = """
import rioxarray, xarray as xr, numpy as np
from pathlib import Path
from ai4c.products.refboa import list_acquisitions, agronomic_months
acqs = list_acquisitions({src!r})
out = Path({out!r}); out.mkdir(exist_ok=True)
for year, month in agronomic_months(2017):
    chosen = [a for a in acqs if (a.date.year, a.date.month) == (year, month)]
    if not chosen:
        continue
    stack = []
    for a in chosen:
        boa = rioxarray.open_rasterio(a.boa, chunks={{"y": 1024, "x": 1024}})
        lai = rioxarray.open_rasterio(a.lai, chunks={{"y": 1024, "x": 1024}}).isel(band=0, drop=True)
        stack.append(boa.where((lai >= 0) & (lai != -999.0)))
    med = xr.concat(stack, dim="time").median("time", skipna=True).fillna(0).round().astype(np.uint16)
    med.rio.to_raster(out / f"peer_{{year}}{{month:02d}}.tif", tiled=True, compress="DEFLATE")
"""

OURS_CD = """
from ai4c.pipelines.s2_cd import run
run({a!r}, {b!r}, {out!r}, projection="UTM")
"""


def bench_composite(workdir: Path) -> list[dict]:
    """monthlycomposite vs xarray median(skipna=True) on a size x size x N x 9 series."""
    sys.path.insert(0, str(ROOT / "src"))
    from ai4c.simulate.s2.refboa import series_dates, write_refboa_series, write_refboa_series_large

    size = int(os.environ.get("AI4C_BENCH_MC_SIZE", 2048))
    count = int(os.environ.get("AI4C_BENCH_MC_N", 70))
    if size <= 0:
        return []
    distinct = int(os.environ.get("AI4C_BENCH_MC_DISTINCT", 4)) if size > 2048 else count
    src = workdir / (f"series_{size}_{count}" + ("" if distinct >= count else f"_{distinct}distinct"))
    if not (src / "REFBOA").is_dir() or len(list((src / "REFBOA").glob("*.tif"))) != count:
        if distinct >= count:
            write_refboa_series(src, series_dates(2017, count), size=size, bands=9, seed=1, block=512)
        else:
            write_refboa_series_large(src, series_dates(2017, count), size=size, distinct=distinct, seed=1)
    label = f"monthlycomposite {size}px x {count} acq x 9 bands"
    ours = measured_python(OURS_MC.format(src=str(src), out=str(workdir / "mc_ours")))
    rows = [{"benchmark": label, "metric": "CPU time (user + system)", "value": ours.cpu, "unit": "s"}]
    if size > int(os.environ.get("AI4C_BENCH_MC_PEER_MAX", 2048)):
        return [{"benchmark": label, "metric": "wall time", "value": ours.wall, "unit": "s"},
                {"benchmark": label, "metric": "peak memory", "value": ours.peak_gb, "unit": "GB"}, *rows]
    peer = measured_python(PEER_MC.format(src=str(src), out=str(workdir / "mc_peer")))
    return [
        {"benchmark": label, "metric": "wall time", "value": ours.wall, "unit": "s",
         "peer": "xarray median(skipna=True)", "peer_value": peer.wall, "ratio": peer.wall / ours.wall},
        {"benchmark": label, "metric": "peak memory", "value": ours.peak_gb, "unit": "GB",
         "peer": "xarray median(skipna=True)", "peer_value": peer.peak_gb,
         "ratio": peer.peak_gb / max(ours.peak_gb, 1e-9)},
        *rows,
    ]


def bench_change_detection(workdir: Path) -> list[dict]:
    """S2-CD on two simulated L2A products of `size` pixels a side (4 bands at 10 m)."""
    size = int(os.environ.get("AI4C_BENCH_CD_SIZE", 10980))
    if size <= 0:
        return []
    sys.path.insert(0, str(ROOT / "src"))
    from ai4c.simulate.s2.pair import simulate_pair

    src = workdir / f"pair_{size}"
    if not (src / "truth.nc").exists():
        simulate_pair(src, size=size, seed=1, bands=["B2", "B3", "B4", "B8"])
    products = sorted(src.glob("*.SAFE"))
    done = measured_python(OURS_CD.format(a=str(products[0]), b=str(products[1]), out=str(workdir / "cd")))
    label = f"S2-CD {size}x{size} 4 bands 10 m"
    return [{"benchmark": label, "metric": "wall time", "value": done.wall, "unit": "s"},
            {"benchmark": label, "metric": "peak memory", "value": done.peak_gb, "unit": "GB"},
            {"benchmark": label, "metric": "CPU time (user + system)", "value": done.cpu, "unit": "s"}]


def run(workdir: Path) -> list[dict]:
    """Both benchmarks."""
    return bench_composite(workdir) + bench_change_detection(workdir)
