"""ERA5: the three delivery layouts give identical values; wind, density, point and polygon extraction
checked against computations written here from the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import RegularGridInterpolator
from shapely.geometry import Polygon

NAMES = ["u10", "v10", "u100", "v100", "t2m", "d2m", "sp"]


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory):
    from ai4c.simulate.energy.era5 import Grid, truth, write_grib, write_legacy_netcdf, write_new_netcdf

    folder = tmp_path_factory.mktemp("era5")
    grid = Grid(hours=30)
    files = {"legacy": write_legacy_netcdf(folder / "legacy.nc", NAMES, grid),
             "new": write_new_netcdf(folder / "new.nc", NAMES, grid),
             "grib": write_grib(folder / "era5.grib", NAMES, grid)}
    return files, truth(NAMES, grid), grid


def test_layouts_identical(deliveries):
    from ai4c.products.era5 import open_era5

    files, truth, _ = deliveries
    legacy, new = open_era5([files["legacy"]]), open_era5([files["new"]])
    for name in NAMES:
        np.testing.assert_array_equal(legacy[name].values, truth[name].values)
        np.testing.assert_array_equal(new[name].values, truth[name].values)
    grib = open_era5([files["grib"]])
    for name in NAMES:  # GRIB packs with 24 bits: equal to its precision
        np.testing.assert_allclose(grib[name].values, truth[name].values, rtol=0, atol=1e-5 * float(
            abs(truth[name]).max()))
    assert list(legacy["time"].values) == list(truth["time"].values) == list(new["time"].values)


def test_files_split_in_time_combine(deliveries, tmp_path):
    from ai4c.products.era5 import open_era5
    from ai4c.simulate.energy.era5 import Grid, write_new_netcdf

    _, truth, grid = deliveries
    later = Grid(**{**grid.__dict__, "start": "2021-01-02T06", "hours": 10})
    joined = open_era5([deliveries[0]["legacy"], write_new_netcdf(tmp_path / "later.nc", NAMES, later)])
    assert joined.sizes["time"] == 40 and pd.DatetimeIndex(joined["time"].values).is_monotonic_increasing


def test_wind_speed_direction_density_at_grid_points(deliveries):
    from ai4c.pipelines.energy import Sites, era5_series

    files, truth, _ = deliveries
    lons, lats = [0.5, 2.25, 3.75], [54.25, 56.0, 57.5]
    series = era5_series([files["legacy"]], Sites(["a", "b", "c"], points=list(zip(lons, lats, strict=True))),
                         method="nearest").compute()
    for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        u, v = truth["u100"].sel(longitude=lon, latitude=lat).values, truth["v100"].sel(
            longitude=lon, latitude=lat).values
        np.testing.assert_allclose(series["ws100"].isel(site=i).values, np.sqrt(u**2 + v**2), rtol=1e-6)
        # direction the wind comes from: a wind blowing towards +x (u > 0, v = 0) comes from the west (270)
        expected = (270.0 - np.degrees(np.arctan2(v, u))) % 360.0
        delta = (series["wd100"].isel(site=i).values - expected + 180) % 360 - 180
        assert np.abs(delta).max() < 1e-3
        t, p, d = (truth[n].sel(longitude=lon, latitude=lat).values.astype("float64") for n in ("t2m", "sp", "d2m"))
        e = 611.21 * np.exp(17.502 * (d - 273.16) / (d - 32.19))
        rho = (p - 0.378 * e) / (287.05 * t)  # moist air via virtual temperature, an independent formulation
        np.testing.assert_allclose(series["rho"].isel(site=i).values, rho, rtol=2e-3)


def test_bilinear_points_match_scipy(deliveries):
    from ai4c.pipelines.energy import Sites, era5_series

    files, truth, _ = deliveries
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(0.1, 3.9, 20), rng.uniform(54.1, 57.9, 20)
    series = era5_series([files["new"]], Sites([str(i) for i in range(20)], points=list(zip(lons, lats,
                                                                                          strict=True))))
    lat, lon = truth["latitude"].values, truth["longitude"].values
    for k in (0, 17):
        u, v = (RegularGridInterpolator((lat, lon), truth[n].values.astype("float64")[k])(
            np.column_stack([lats, lons])) for n in ("u10", "v10"))
        np.testing.assert_allclose(series["ws10"].isel(time=k).values, np.hypot(u, v), rtol=1e-5)
    from ai4c.energy.wind import at_points
    from ai4c.products.era5 import open_era5

    raw = at_points(open_era5([files["new"]]), lons, lats, [str(i) for i in range(20)])
    interp = RegularGridInterpolator((truth["latitude"].values, truth["longitude"].values),
                                     truth["u10"].values.astype("float64")[5])
    np.testing.assert_allclose(raw["u10"].isel(time=5).values, interp(np.column_stack([lats, lons])), rtol=1e-5)


def test_polygon_means_match_a_cell_loop(deliveries):
    from ai4c.pipelines.energy import Sites, era5_series

    files, truth, _ = deliveries
    polygons = [Polygon([(0.6, 54.6), (2.1, 54.6), (2.1, 55.9), (0.6, 55.9)]),
                Polygon([(3.0, 57.0), (3.9, 57.2), (3.4, 57.9)]),
                Polygon([(1.01, 56.01), (1.05, 56.01), (1.05, 56.05)])]  # smaller than a cell
    series = era5_series([files["legacy"]], Sites(["p", "q", "r"], polygons=polygons)).compute()
    lat, lon = truth["latitude"].values, truth["longitude"].values
    speed = np.hypot(truth["u10"].values.astype("float64"), truth["v10"].values.astype("float64"))
    for i, polygon in enumerate(polygons[:2]):
        cells = [(a, b) for a in range(len(lat)) for b in range(len(lon))
                 if polygon.contains(Polygon.from_bounds(lon[b], lat[a], lon[b], lat[a]).centroid)]
        weights = np.array([np.cos(np.radians(lat[a])) for a, _ in cells])
        expected = np.array([np.average([speed[t, a, b] for a, b in cells], weights=weights)
                             for t in range(speed.shape[0])])
        np.testing.assert_allclose(series["ws10"].isel(site=i).values, expected, rtol=1e-5)
    nearest = speed[:, np.abs(lat - 56.0).argmin(), np.abs(lon - 1.0).argmin()]
    np.testing.assert_allclose(series["ws10"].isel(site=2).values, nearest, rtol=1e-5)


def test_daily_resample_and_outputs(deliveries, tmp_path):
    from ai4c.pipelines.energy import Sites, era5_series, write_series

    files, truth, _ = deliveries
    hourly = era5_series([files["new"]], Sites(["a"], points=[(1.0, 55.0)]), method="nearest")
    daily = era5_series([files["new"]], Sites(["a"], points=[(1.0, 55.0)]), method="nearest", resample="D")
    frame = hourly.isel(site=0).to_dataframe()
    np.testing.assert_allclose(daily["ws10"].isel(site=0).values, frame["ws10"].resample("D").mean().values,
                               rtol=1e-6)
    write_series(daily, tmp_path / "daily.csv")
    table = pd.read_csv(tmp_path / "daily.csv")
    assert list(table.columns[:2]) == ["time", "site"] and len(table) == 2


def test_bad_inputs(tmp_path, run_cli, deliveries):
    import xarray as xr

    no_wind = tmp_path / "t2m.nc"
    xr.Dataset({"t2m": (("time", "latitude", "longitude"), np.ones((2, 2, 2), "float32"))},
               coords={"time": pd.date_range("2020", periods=2, freq="h"), "latitude": [50.0, 51.0],
                       "longitude": [1.0, 2.0]}).to_netcdf(no_wind, engine="h5netcdf")
    code, _, err = run_cli("energy", "era5", no_wind, "--points", "1.5,50.5", "-o", tmp_path / "s.csv")
    assert code == 2 and "no wind components" in err and not (tmp_path / "s.csv").exists()
    code, _, err = run_cli("energy", "era5", deliveries[0]["legacy"], "--points", "10,40", "-o", tmp_path / "s.csv")
    assert code == 2 and "outside the ERA5 grid" in err
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    code, _, err = run_cli("energy", "era5", text, "--points", "1,55", "-o", tmp_path / "s.csv")
    assert code == 2 and "neither NetCDF nor GRIB" in err


def test_cds_request_written_not_run(tmp_path, run_cli):
    import json

    code, _, _ = run_cli("energy", "era5", "--request", tmp_path / "req.json", "--start", "2021-01-30",
                         "--end", "2021-02-02", "--area=-3,54,2,59")
    request = json.loads((tmp_path / "req.json").read_text())
    assert code == 0 and request["dataset"] == "reanalysis-era5-single-levels"
    assert request["request"]["area"] == [59, -3, 54, 2]
    assert request["request"]["month"] == ["01", "02"] and request["request"]["day"] == ["01", "02", "30", "31"]
    assert len(request["request"]["time"]) == 24
