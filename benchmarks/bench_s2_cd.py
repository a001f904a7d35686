"""S2-CD and monthlycomposite at (configurable) full size, against plain xarray / numpy peers.

Sizes (env vars): AI4C_BENCH_MC_SIZE (pixels a side, default 2048; a tile is 10980), AI4C_BENCH_MC_N
(acquisitions, default 70), AI4C_BENCH_CD_SIZE (S2-CD tile sides, comma-separated, default 10980); a size of 0 skips that
part. Above 2048 pixels the series is simulated tile by tile and only AI4C_BENCH_MC_DISTINCT (default 4)
acquisitions are real files, the others hard links to them under their own dates (a full tile x 70 needs
~8 GB of disk instead of ~150 GB; the links sit in the page cache, so disk reads are cheaper than with 70
real files, decoding and the median cost the same). The xarray peer runs only up to
AI4C_BENCH_MC_PEER_MAX pixels a side (default 2048: at full size it would take hours). S2-CD runs with --projection UTM (the tile's own grid), side
by side with benchmarks/peer_s2_cd.py (GDAL + numpy + scikit-learn, up to AI4C_BENCH_CD_PEER_MAX=5490 pixels a
side; gdal-bin needed), and both are scored against the planted changes. Measured on a shared, loaded 2-core machine:
see docs/s2-change-detection.md for the figures.
Each measured run happens in its own process (benchmarks/measure.py), so its peak memory is its own.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from measure import measured, measured_python

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
    """S2-CD on two simulated L2A products of each AI4C_BENCH_CD_SIZE (comma-separated) side, 4 bands at 10 m,
    against the GDAL + numpy + scikit-learn script of benchmarks/peer_s2_cd.py (up to AI4C_BENCH_CD_PEER_MAX)."""
    rows = []
    for size in (int(v) for v in os.environ.get("AI4C_BENCH_CD_SIZE", "10980").split(",") if v.strip()):
        if size > 0:
            rows += _change_detection(workdir, size)
    return rows


def _change_detection(workdir: Path, size: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "src"))
    from ai4c.simulate.s2.pair import simulate_pair

    src = workdir / f"pair_{size}"
    if not (src / "truth.nc").exists():
        simulate_pair(src, size=size, seed=1, bands=["B2", "B3", "B4", "B8"])
    products = sorted(src.glob("*.SAFE"))
    done = measured_python(OURS_CD.format(a=str(products[0]), b=str(products[1]), out=str(workdir / "cd")))
    label = f"S2-CD {size}x{size} 4 bands 10 m"
    peer, name = None, "GDAL+numpy+scikit-learn CVA"
    if not (shutil.which("gdalbuildvrt")):
        name = "peer missing: apt-get install -y gdal-bin"
    elif size <= int(os.environ.get("AI4C_BENCH_CD_PEER_MAX", 5490)):
        peer = measured([sys.executable, str(ROOT / "benchmarks" / "peer_s2_cd.py"), str(products[0]),
                         str(products[1]), str(workdir / "cd_peer")])
    else:
        name = f"peer skipped above AI4C_BENCH_CD_PEER_MAX={os.environ.get('AI4C_BENCH_CD_PEER_MAX', 5490)}"
    rows = [{"benchmark": label, "metric": "wall time", "value": done.wall, "unit": "s", "peer": name,
             "peer_value": peer and peer.wall, "ratio": peer and done.wall / peer.wall},
            {"benchmark": label, "metric": "peak memory", "value": done.peak_gb, "unit": "GB", "peer": name,
             "peer_value": peer and peer.peak_gb, "ratio": peer and done.peak_gb / peer.peak_gb},
            {"benchmark": label, "metric": "CPU time (user + system)", "value": done.cpu, "unit": "s", "peer": name,
             "peer_value": peer and peer.cpu, "ratio": peer and done.cpu / peer.cpu}]
    rows += _accuracy(label, src, workdir / "cd", workdir / "cd_peer" if peer else None)
    print(f"[bench_s2_cd] {label}: ours {done}, peer {peer or name}", flush=True)
    return rows


def _accuracy(label: str, src: Path, ours: Path, peer: Path | None) -> list[dict]:
    """Planted changes detected and false-alarm rate (clear pixels) of ours and of the peer, against the truth."""
    import rasterio
    import xarray as xr

    truth = xr.open_dataset(src / "truth.nc")["change"].values > 0

    def scores(folder: Path) -> tuple[float, float]:
        with rasterio.open(folder / "S2-CD.tif") as ds:
            classes = ds.read(1)
        clear = classes < 255
        changed = (classes > 0) & clear
        return float((changed & truth).sum() / max((truth & clear).sum(), 1)), float(
            (changed & ~truth).sum() / max((~truth & clear).sum(), 1))

    mine = scores(ours)
    other = scores(peer) if peer else None
    return [{"benchmark": label, "metric": "planted changes detected", "value": mine[0], "unit": "fraction",
             "peer_value": other and other[0]},
            {"benchmark": label, "metric": "false alarms (unchanged clear pixels)", "value": mine[1],
             "unit": "fraction", "peer_value": other and other[1]}]


def run(workdir: Path) -> list[dict]:
    """Both benchmarks."""
    return bench_composite(workdir) + bench_change_detection(workdir)
