"""Readers for CAMS European air quality, CAMS global EAC4, ERA5 single levels and static fields (NetCDF).

Both layouts of the Copernicus data stores are understood: the old one (`time`, sometimes a `level`
axis, longitudes in 0..360) and the new one (`valid_time`, `number`, `expver`). Every reader returns
an xarray Dataset with canonical names, dims (time, latitude, longitude), latitude and longitude
ascending, longitudes in -180..180 and PM concentrations in µg m-3.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError, first_line

# canonical name -> names found in the files, per dataset
VARIABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "cams-eu": {"pm2p5": ("pm2p5_conc", "pm2p5"), "pm10": ("pm10_conc", "pm10"),
                "no2": ("no2_conc",), "o3": ("o3_conc",), "so2": ("so2_conc",), "co": ("co_conc",),
                "nh3": ("nh3_conc",), "no": ("no_conc",), "dust": ("dust",)},
    "eac4": {"pm2p5": ("pm2p5",), "pm10": ("pm10",), "pm1": ("pm1",)},
    "era5": {"u10": ("u10",), "v10": ("v10",), "t2m": ("t2m",), "lsm": ("lsm",), "sp": ("sp",),
             "z": ("z",), "blh": ("blh",)},
    "static": {"urban_frac": ("urban_frac", "built_frac"), "orography": ("orography", "orog", "z")},
}
DATASETS = tuple(VARIABLES)
DERIVED = {"orog_scal": "orography"}
KG_TO_UG = 1e9


def known_variables(dataset: str) -> list[str]:
    """Canonical variable names a dataset can provide (static also offers the derived `orog_scal`)."""
    names = list(VARIABLES[dataset])
    return names + list(DERIVED) if dataset == "static" else names


def _open(paths: Sequence[Path | str]) -> xr.Dataset:
    """Open one or several NetCDF files lazily, combining them along time."""
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise InputNotFoundError(f"input file {path} does not exist; run `ai4c simulate cams` or download it")
    try:
        parts = [xr.open_dataset(p, engine="h5netcdf", chunks={}) for p in files]
    except (OSError, ValueError) as exc:
        raise InvalidProductError(f"{files[0]} is not a readable NetCDF file ({first_line(exc)})") from exc
    parts = [normalise_axes(p) for p in parts]
    if len(parts) == 1 or "time" not in parts[0].dims:
        return parts[0]
    return xr.concat(parts, dim="time", data_vars="minimal", coords="minimal", compat="override").sortby("time")


def normalise_axes(ds: xr.Dataset) -> xr.Dataset:
    """valid_time -> time, drop number/expver/level, ascending lat/lon in -180..180.

    An `expver` dimension (the legacy CDS mix of final ERA5 and preliminary ERA5T hours, NaN where the
    other holds the value) is folded into one series: the first non-missing value of each hour.
    """
    if "expver" in ds.dims:
        ds = ds.bfill("expver").isel(expver=0)
    if "valid_time" in ds.dims or "valid_time" in ds.coords:
        ds = ds.drop_vars("time", errors="ignore").rename({"valid_time": "time"})
    for axis in ("number", "level"):
        if axis in ds.dims and ds.sizes[axis] == 1:
            ds = ds.isel({axis: 0})
    ds = ds.drop_vars([c for c in ("number", "expver", "level", "step", "surface") if c in ds.coords])
    renames = {k: v for k, v in (("lat", "latitude"), ("lon", "longitude")) if k in ds.dims}
    ds = ds.rename(renames)
    if "latitude" not in ds.dims or "longitude" not in ds.dims:
        raise InvalidProductError(f"file has dims {tuple(ds.dims)}; expected latitude and longitude axes")
    lon = ((ds["longitude"] + 180.0) % 360.0) - 180.0
    ds = ds.assign_coords(longitude=lon).sortby("longitude").sortby("latitude")
    return ds


def open_dataset(paths: Sequence[Path | str], dataset: str, variables: Sequence[str] | None = None) -> xr.Dataset:
    """Open `dataset` files and return the requested canonical variables (all found when None)."""
    if dataset not in VARIABLES:
        raise InvalidParameterError(f"dataset={dataset!r} is unknown; use one of: {', '.join(DATASETS)}")
    raw = _open(paths)
    table = VARIABLES[dataset]
    wanted = list(variables) if variables is not None else [n for n, a in table.items()
                                                             if any(x in raw for x in a)]
    out = {}
    for name in wanted:
        source = DERIVED.get(name, name)
        if source not in table:
            raise InvalidParameterError(f"variable {name!r} is not a {dataset} variable; known: "
                                        f"{', '.join(known_variables(dataset))}")
        found = next((alias for alias in table[source] if alias in raw), None)
        if found is None:
            raise InvalidProductError(f"{dataset} file(s) {[str(p) for p in paths]} lack {source!r} "
                                      f"(looked for {', '.join(table[source])}); it has: {', '.join(raw.data_vars)}")
        da = raw[found].astype("float32")
        units = str(da.attrs.get("units", ""))
        if source.startswith("pm") and units.replace("*", "").replace(" ", "").startswith("kgm"):
            da = da * KG_TO_UG
            units = "µg m-3"
        out[source] = da.assign_attrs(units=units)
    return xr.Dataset(out)


def select_period(ds: xr.Dataset, start: pd.Timestamp, end: pd.Timestamp, dataset: str) -> xr.Dataset:
    """The hours start..end (inclusive), or an error when the files do not cover them all."""
    if "time" not in ds.dims:
        return ds
    times = pd.DatetimeIndex(ds["time"].values)
    wanted = pd.date_range(start, end, freq="h")
    missing = wanted.difference(times)
    if len(missing):
        raise InvalidParameterError(
            f"the {dataset} files cover {times.min():%Y%m%d%H}..{times.max():%Y%m%d%H} but not "
            f"{missing[0]:%Y%m%d%H} ({len(missing)} hours missing); give dates inside that range or more files")
    return ds.sel(time=wanted)


def min_max_scale(field: xr.DataArray) -> xr.DataArray:
    """Scale to [0, 1] (orography -> orog_scal); a constant field becomes 0."""
    lo, hi = float(field.min()), float(field.max())
    return ((field - lo) / (hi - lo if hi > lo else 1.0)).astype("float32")


def files_for(folder: Path | str, pattern: str) -> list[Path]:
    """The files in `folder` matching a glob pattern, sorted; an error when there is none."""
    folder = Path(folder)
    found = sorted(folder.glob(pattern))
    if not found:
        raise InputNotFoundError(f"no file matches {folder / pattern}; fix input paths in the config")
    return found


def parse_date(text: str, name: str = "date") -> pd.Timestamp:
    """A YYYYMMDDHH date, or an error showing the expected form."""
    value = str(text)
    if len(value) != 10 or not value.isdigit():
        raise InvalidParameterError(f"{name}={value!r} is not a date; use YYYYMMDDHH, e.g. 2021010100")
    try:
        return pd.to_datetime(value, format="%Y%m%d%H")
    except ValueError as err:
        raise InvalidParameterError(f"{name}={value!r} is not a valid date; use YYYYMMDDHH, e.g. 2021010100") from err


def parse_period(start: str, end: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Validated (start, end) with start <= end."""
    first, last = parse_date(start, "--start-date"), parse_date(end, "--end-date")
    if first > last:
        raise InvalidParameterError(f"--start-date {start} is after --end-date {end}; swap them")
    return first, last


def lat_lon_step(ds: xr.Dataset) -> float:
    """The grid spacing in degrees (latitude axis)."""
    return float(np.median(np.diff(ds["latitude"].values)))
