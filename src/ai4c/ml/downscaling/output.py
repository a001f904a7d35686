"""Generated ensembles as a CF-1.8 Dataset (time, member, lat, lon) with mean and spread, and point tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ai4c import __version__
from ai4c.ml.downscaling.tiles import TileGrid

STANDARD_NAMES = {
    "pm2p5": "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
    "pm10": "mass_concentration_of_pm10_ambient_aerosol_particles_in_air",
    "no2": "mass_concentration_of_nitrogen_dioxide_in_air",
    "o3": "mass_concentration_of_ozone_in_air",
}
LONG_NAMES = {"pm2p5": "PM2.5", "pm10": "PM10", "no2": "nitrogen dioxide", "o3": "ozone"}


def ensemble_dataset(fields: dict[str, np.ndarray], times: np.ndarray, grid: TileGrid, source: dict) -> xr.Dataset:
    """Members (member, time, lat, lon) per variable -> CF Dataset with <var>, <var>_mean, <var>_spread."""
    lat, lon = grid.lats(True), grid.lons(True)
    data = {}
    for name, members in fields.items():
        ens = np.moveaxis(members, 0, 1).astype("float32")
        std_name = STANDARD_NAMES.get(name)
        attrs = {"units": "ug m-3", "long_name": f"{LONG_NAMES.get(name, name)} ensemble member",
                 "coverage_content_type": "modelResult"}
        if std_name:
            attrs["standard_name"] = std_name
        data[name] = (("time", "member", "lat", "lon"), ens, attrs)
        data[f"{name}_mean"] = (("time", "lat", "lon"), ens.mean(axis=1),
                                {**attrs, "long_name": f"{LONG_NAMES.get(name, name)} ensemble mean",
                                 "cell_methods": "member: mean"})
        data[f"{name}_spread"] = (("time", "lat", "lon"), ens.std(axis=1),
                                  {"units": "ug m-3", "long_name": f"{LONG_NAMES.get(name, name)} ensemble spread "
                                   "(standard deviation)", "cell_methods": "member: standard_deviation"})
    coords = {
        "time": ("time", pd.DatetimeIndex(times), {"standard_name": "time", "axis": "T"}),
        "member": ("member", np.arange(next(iter(fields.values())).shape[0], dtype="int32"),
                   {"long_name": "ensemble member", "standard_name": "realization"}),
        "lat": ("lat", lat, {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}),
        "lon": ("lon", lon, {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}),
    }
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {"Conventions": "CF-1.8", "title": "Downscaled air quality ensemble (SR-GAN)",
                "institution": "ai4c", "source": f"ai4c {__version__} aqgan srgan trained on {source.get('model')}",
                "history": f"{pd.Timestamp.now(tz='UTC'):%Y-%m-%dT%H:%M:%SZ} aqgan-generate (seed {source.get('seed')})",
                "references": "Leinonen et al. 2020, doi:10.1109/TGRS.2020.3032790"}
    ds["time"].encoding["units"] = "hours since 1970-01-01 00:00:00"
    return ds


def points_table(ds: xr.Dataset, points: list[dict], variables: list[str]) -> pd.DataFrame:
    """Nearest-cell ensemble mean and 10th/90th percentiles at each point: name, lat, lon, variable, time, ..."""
    rows = []
    for point in points:
        cell = ds.sel(lat=float(point["lat"]), lon=float(point["lon"]), method="nearest")
        for name in variables:
            members = cell[name].values
            p10, p90 = np.percentile(members, [10, 90], axis=1)
            for k, t in enumerate(pd.DatetimeIndex(cell["time"].values)):
                rows.append({"name": point["name"], "lat": float(point["lat"]), "lon": float(point["lon"]),
                             "variable": name, "time": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "mean": round(float(members[k].mean()), 4), "p10": round(float(p10[k]), 4),
                             "p90": round(float(p90[k]), 4)})
    return pd.DataFrame(rows, columns=["name", "lat", "lon", "variable", "time", "mean", "p10", "p90"])
