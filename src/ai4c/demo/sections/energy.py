"""Demo: offshore wind farm chips over a simulated S1 scene, with the JRC plants and ERA5 wind around them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 85
TITLE = "Energy datasets: power plants, ERA5 wind and wind farm training chips"
BOUNDS = (6.30, 53.88, 7.20, 54.12)  # German Bight: Borkum Riffgrund, Trianel Borkum, Nordsee One, Gode Wind
ERA5_VARIABLES = ["u10", "v10", "u100", "v100", "t2m", "d2m", "sp"]


def shared_data(*parts: str) -> Path | None:
    """A path in the project's sample data (AI4C_SHARED_DATA, or ../shared/data beside the checkout)."""
    import os

    root = Path(os.environ.get("AI4C_SHARED_DATA", Path.cwd().parent / "shared" / "data"))
    path = root.joinpath(*parts)
    return path if path.exists() else None


def plants(workdir: Path):
    """Offshore wind plants of JRC-PPDB-OPEN in the scene (simulated ones when ../shared is absent)."""
    import geopandas as gpd

    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import powerplants

    area = "POLYGON(({0} {1}, {2} {1}, {2} {3}, {0} {3}, {0} {1}))".format(*BOUNDS)
    jrc = shared_data("misc", "jrc_ppdb_open_v1.0")
    if jrc is not None:
        return powerplants(jrc, level="plant", types=["wind_offshore"], aoi=parse_aoi(area),
                           output=workdir / "offshore_plants.geojson"), "JRC-PPDB-OPEN"
    names = ["Sim A", "Sim B", "Sim C"]
    frame = gpd.GeoDataFrame({"plant_name": names, "capacity_mw": [300.0, 200.0, 330.0], "type": "wind_offshore"},
                             geometry=gpd.points_from_xy([6.5, 6.8, 7.05], [54.0, 53.98, 54.03]), crs="EPSG:4326")
    return frame, "simulated plants (../shared absent)"


def run(workdir: Path) -> Section:
    """Plants -> farm areas -> simulated S1 scene -> chips; ERA5 in two layouts -> wind at each plant."""
    import geopandas as gpd
    import shapely

    from ai4c.pipelines.energy import Sites, era5_series
    from ai4c.pipelines.energy_training import TrainingSetParameters, build
    from ai4c.products.era5 import open_era5
    from ai4c.simulate.energy.era5 import Grid, truth, write_legacy_netcdf, write_new_netcdf
    from ai4c.simulate.energy.scene import farm_square, simulate_offshore_scene

    section = Section(TITLE)
    plant_frame, source = plants(workdir)
    farms = gpd.GeoDataFrame({"name": plant_frame["plant_name"], "type": "wind_farm",
                              "capacity_mw": plant_frame["capacity_mw"], "status": "operating"},
                             geometry=[farm_square(g.x, g.y, c) for g, c in zip(plant_frame.geometry,
                                                                                 plant_frame["capacity_mw"],
                                                                                 strict=True)], crs="EPSG:4326")
    scene = workdir / "s1_sigma0.tif"
    turbines = simulate_offshore_scene(scene, BOUNDS, list(farms.geometry), seed=3)
    table = build(farms, [scene], workdir / "chips", TrainingSetParameters(chip=64, negatives=30, seed=0))
    positives, negatives = table[table["kind"] == "positive"], table[table["kind"] == "negative"]
    grid = Grid(west=6.0, south=53.5, east=7.5, north=54.5, step=0.25, start="2021-03-01T00", hours=72)
    legacy = write_legacy_netcdf(workdir / "era5_legacy.nc", ERA5_VARIABLES, grid)
    new = write_new_netcdf(workdir / "era5_2024.nc", ERA5_VARIABLES, grid)
    same = all(np.array_equal(open_era5([legacy])[n].values, open_era5([new])[n].values) for n in ERA5_VARIABLES)
    sites = Sites(list(plant_frame["plant_name"]), points=[(g.x, g.y) for g in plant_frame.geometry])
    wind = era5_series([new], sites).compute()
    section.paragraphs.append(
        f"{len(plant_frame)} offshore wind plants from {source} lie in the German Bight box; each becomes a farm "
        f"area sized by its capacity, and a simulated Sentinel-1 sigma0 scene (40 m) shows {len(turbines)} "
        f"turbines as bright targets in them. The training set has {len(positives)} positive and "
        f"{len(negatives)} negative 64 x 64 chips (images/ + labels/ + STAC Items + chips.csv).")
    mean_ws = float(wind["ws100"].mean())
    section.paragraphs.append(f"ERA5 (simulated, legacy NetCDF3 and 2024 NetCDF4 layouts): mean 100 m wind at the "
                              f"plants {mean_ws:.1f} m/s, air density {float(wind['rho'].mean()):.3f} kg/m³.")
    shapes = list(farms.to_crs("EPSG:32632").geometry)
    clean = all(not any(shapely.box(r.minx, r.miny, r.maxx, r.maxy).intersects(s) for s in shapes)
                for r in negatives.itertuples())
    section.check("farms with at least one positive chip", positives["asset_index"].nunique(),
                  f"= {len(farms)}", positives["asset_index"].nunique() == len(farms), "{:d}")
    section.check("negative chips touching a farm", 0 if clean else 1, "= 0", clean, "{:d}")
    section.check("ERA5 layouts holding identical values", float(same), "= 1", same, "{:.0f}")
    t = truth(ERA5_VARIABLES, grid)
    u, v = (t[n].interp(latitude=plant_frame.geometry.y.iloc[0], longitude=plant_frame.geometry.x.iloc[0]).values
            for n in ("u100", "v100"))
    error = float(np.abs(wind["ws100"].isel(site=0).values - np.hypot(u, v)).max())
    section.check("ws100 - sqrt(u² + v²) at the first plant (m/s)", error, "< 1e-4", error < 1e-4, "{:.2g}")
    section.images.append((_figure(scene, farms, plant_frame, workdir, positives), "sigma0 VV with farms and chips"))
    return section


def _figure(scene: Path, farms, plant_frame, workdir: Path, positives) -> str:
    """Scene in dB with farm outlines, plants and chip footprints."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import rasterio

    with rasterio.open(scene) as src:
        vv, bounds = src.read(1), src.bounds
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=100)
    ax.imshow(10 * np.log10(vv), cmap="gray", vmin=-24, vmax=-5,
              extent=(bounds.left, bounds.right, bounds.bottom, bounds.top))
    farms.to_crs("EPSG:32632").boundary.plot(ax=ax, color="deepskyblue", linewidth=1.2, label="farm areas")
    plant_frame.to_crs("EPSG:32632").plot(ax=ax, color="orange", markersize=30, label="JRC plants")
    for r in positives.itertuples():
        ax.add_patch(plt.Rectangle((r.minx, r.miny), r.maxx - r.minx, r.maxy - r.miny, fill=False, color="lime",
                                   linewidth=0.6))
    ax.set_title("Simulated S1 sigma0 VV (dB), farm areas, plants, positive chips")
    ax.legend(loc="lower right")
    path = workdir / "energy_chips.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return f"{path.parent.name}/{path.name}"
