"""Energy datasets: JRC-PPDB-OPEN load + AoI selection, ERA5 point series for many farms over years of
hourly data (simulated files in the 2024 CDS layout, lazily with dask), and training chips per second.

Sizes: AI4C_BENCH_ERA5_YEARS (default 10), AI4C_BENCH_ERA5_FARMS (100), AI4C_BENCH_CHIP_SCENE (pixels per
side of the simulated S1 scene, default 4000). JRC-PPDB-OPEN comes from ../shared/data (skipped when absent).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from measure import measured_python

SHARED = Path(os.environ.get("AI4C_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
JRC = SHARED / "misc" / "jrc_ppdb_open_v1.0"
VARIABLES = ["u10", "v10", "u100", "v100", "t2m", "sp"]

LOAD = """
import sys, time
from ai4c.core.aoi import parse_aoi
from ai4c.pipelines.energy import powerplants
start = time.perf_counter()
frame = powerplants(sys.argv[1], aoi=parse_aoi("POLYGON((2 50, 9 50, 9 55, 2 55, 2 50))"))
print(len(frame), time.perf_counter() - start)
"""

SERIES = """
import sys, time
import numpy as np
from pathlib import Path
from ai4c.pipelines.energy import Sites, era5_series, write_series
files = sorted(Path(sys.argv[1]).glob("era5_*.nc"))
rng = np.random.default_rng(0)
n = int(sys.argv[2])
points = list(zip(rng.uniform(0.2, 3.8, n), rng.uniform(54.2, 57.8, n)))
start = time.perf_counter()
series = era5_series(files, Sites([f"farm{i}" for i in range(n)], points=points))
write_series(series, Path(sys.argv[3]))
print(series.sizes["time"] * n, time.perf_counter() - start)
"""

CHIPS = """
import sys, time
import geopandas as gpd
from pathlib import Path
from ai4c.pipelines.energy_training import TrainingSetParameters, build
farms = gpd.read_file(sys.argv[2])
start = time.perf_counter()
table = build(farms, [Path(sys.argv[1])], Path(sys.argv[3]), TrainingSetParameters(chip=128, negatives=200),
              overwrite=True)
print(len(table), time.perf_counter() - start)
"""


def jrc_rows() -> list[dict]:
    """Whole-registry load + AoI selection, in a fresh process (imports included) and in-process."""
    if not JRC.exists():
        print(f"bench_energy: {JRC} absent, JRC-PPDB-OPEN load skipped")
        return []
    run = measured_python(LOAD, str(JRC))
    count, inner = run.stdout.split()
    return [{"benchmark": "energy powerplants (JRC-PPDB-OPEN)", "metric": "load + AoI select, process wall",
             "value": run.wall, "unit": "s"},
            {"benchmark": "energy powerplants (JRC-PPDB-OPEN)", "metric": "load + AoI select, after imports",
             "value": float(inner), "unit": "s"},
            {"benchmark": "energy powerplants (JRC-PPDB-OPEN)", "metric": f"units selected ({count})",
             "value": run.peak_mb, "unit": "MB peak"}]


def era5_rows(workdir: Path) -> list[dict]:
    """Hourly point series at many farms from yearly files, lazily."""
    from ai4c.simulate.energy.era5 import Grid, write_new_netcdf

    years, farms = int(os.environ.get("AI4C_BENCH_ERA5_YEARS", 10)), int(os.environ.get("AI4C_BENCH_ERA5_FARMS", 100))
    folder = workdir / f"era5_{years}y"
    for year in range(2011, 2011 + years):
        path = folder / f"era5_{year}.nc"
        if not path.exists():
            hours = 8784 if year % 4 == 0 else 8760
            write_new_netcdf(path, VARIABLES, Grid(start=f"{year}-01-01T00", hours=hours), seed=year)
    run = measured_python(SERIES, str(folder), str(farms), str(workdir / "series.parquet"))
    values, inner = run.stdout.split()
    return [{"benchmark": f"energy era5 ({farms} farms x {years} y hourly)", "metric": "point series, wall",
             "value": run.wall, "unit": "s"},
            {"benchmark": f"energy era5 ({farms} farms x {years} y hourly)", "metric": "site-hours per second",
             "value": int(values) / float(inner), "unit": "1/s"},
            {"benchmark": f"energy era5 ({farms} farms x {years} y hourly)", "metric": "peak memory",
             "value": run.peak_mb, "unit": "MB"}]


def chip_rows(workdir: Path) -> list[dict]:
    """Chips per second over a simulated offshore scene with 20 farms."""
    import geopandas as gpd

    from ai4c.simulate.energy.scene import farm_square, simulate_offshore_scene

    side = int(os.environ.get("AI4C_BENCH_CHIP_SCENE", 4000))
    span = side * 10 / 111_000  # degrees covered at 10 m
    farms = gpd.GeoDataFrame({"name": [f"farm{i}" for i in range(20)], "type": "wind_farm", "capacity_mw": 300.0},
                             geometry=[farm_square(6.3 + span * (0.1 + 0.2 * (i % 5)) * 1.6,
                                                   54.0 + span * (0.1 + 0.2 * (i // 5)), 300.0) for i in range(20)],
                             crs="EPSG:4326")
    farms.to_file(workdir / "farms.geojson")
    scene = workdir / f"scene_{side}.tif"
    if not scene.exists():
        simulate_offshore_scene(scene, (6.3, 54.0, 6.3 + span * 1.6, 54.0 + span), list(farms.geometry),
                                resolution=10.0)
    run = measured_python(CHIPS, str(scene), str(workdir / "farms.geojson"), str(workdir / "chips"))
    count, inner = run.stdout.split()
    return [{"benchmark": "energy training-set (128 px chips)", "metric": f"chips per second ({count} chips)",
             "value": int(count) / float(inner), "unit": "1/s"},
            {"benchmark": "energy training-set (128 px chips)", "metric": "peak memory", "value": run.peak_mb,
             "unit": "MB"}]


def run(workdir: Path) -> list[dict]:
    """All energy rows."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return jrc_rows() + era5_rows(workdir) + chip_rows(workdir)
