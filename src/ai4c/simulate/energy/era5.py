"""ERA5 single-level files written exactly as the CDS delivers them, from one known field.

The field is defined by integer packing codes, so the legacy layout (NetCDF3, int16 with scale_factor /
add_offset) and the 2024+ layout (NetCDF4, float32, `valid_time`, `expver`) hold identical values, and a
GRIB1 copy holds the same values within GRIB's own packing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

# CDS short name -> (GRIB paramId, units, long name, typical range for the packing)
SPECS: dict[str, tuple[int, str, str, tuple[float, float]]] = {
    "u10": (165, "m s**-1", "10 metre U wind component", (-30.0, 30.0)),
    "v10": (166, "m s**-1", "10 metre V wind component", (-30.0, 30.0)),
    "u100": (228246, "m s**-1", "100 metre U wind component", (-40.0, 40.0)),
    "v100": (228247, "m s**-1", "100 metre V wind component", (-40.0, 40.0)),
    "t2m": (167, "K", "2 metre temperature", (230.0, 320.0)),
    "d2m": (168, "K", "2 metre dewpoint temperature", (220.0, 310.0)),
    "sp": (134, "Pa", "Surface pressure", (90000.0, 106000.0)),
}
FILL = -32767


@dataclass(frozen=True)
class Grid:
    """A regular lat/lon grid (degrees) and an hourly period."""

    west: float = 0.0
    south: float = 54.0
    east: float = 4.0
    north: float = 58.0
    step: float = 0.25
    start: str = "2021-01-01T00"
    hours: int = 48

    def axes(self) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
        """Latitudes descending (as the CDS writes them), longitudes ascending, hourly times."""
        lat = np.round(np.arange(self.north, self.south - self.step / 2, -self.step), 6)
        lon = np.round(np.arange(self.west, self.east + self.step / 2, self.step), 6)
        return lat, lon, pd.date_range(self.start, periods=self.hours, freq="h")


def packing(name: str) -> tuple[float, float]:
    """(scale_factor, add_offset) the CDS would use for a variable's range."""
    low, high = SPECS[name][3]
    scale = (high - low) / (2**16 - 2)
    return scale, (high + low) / 2


def field_codes(name: str, grid: Grid, seed: int = 0) -> np.ndarray:
    """Integer packing codes (time, lat, lon) of a smooth moving pattern plus noise."""
    lat, lon, times = grid.axes()
    t = np.arange(len(times))[:, None, None]
    y, x = np.meshgrid(lat, lon, indexing="ij")
    phase = {"u10": 0.0, "v10": 1.3, "u100": 0.4, "v100": 1.7, "t2m": 2.1, "d2m": 2.6, "sp": 3.0}[name]
    low, high = SPECS[name][3]
    mid, amp = (high + low) / 2, (high - low) / 6
    wave = np.sin(2 * np.pi * t / 24.0 + phase + 0.6 * x[None] - 0.4 * y[None])
    rng = np.random.default_rng(seed + int(SPECS[name][0]) % 1000)
    values = mid + amp * wave + rng.normal(0, amp / 20, size=wave.shape)
    scale, offset = packing(name)
    return np.clip(np.round((values - offset) / scale), -32766, 32766).astype(np.int16)


def truth(names: list[str], grid: Grid, seed: int = 0) -> xr.Dataset:
    """The field every layout encodes, in canonical form (time, latitude asc, longitude asc), float32."""
    lat, lon, times = grid.axes()
    data = {}
    for name in names:
        scale, offset = packing(name)
        values = (offset + field_codes(name, grid, seed).astype(np.float64) * scale).astype(np.float32)
        data[name] = (("time", "latitude", "longitude"), values, {"units": SPECS[name][1]})
    ds = xr.Dataset(data, coords={"time": times, "latitude": lat, "longitude": lon})
    return ds.sortby("latitude")


def write_legacy_netcdf(path: Path, names: list[str], grid: Grid, seed: int = 0) -> Path:
    """The pre-2024 CDS NetCDF3 layout: `time` in hours since 1900, packed int16 variables."""
    lat, lon, times = grid.axes()
    hours = ((times - pd.Timestamp("1900-01-01")) // pd.Timedelta(hours=1)).astype("int32")
    ds = xr.Dataset(coords={
        "longitude": ("longitude", lon.astype("float32"), {"units": "degrees_east", "long_name": "longitude"}),
        "latitude": ("latitude", lat.astype("float32"), {"units": "degrees_north", "long_name": "latitude"}),
        "time": ("time", np.asarray(hours), {"units": "hours since 1900-01-01 00:00:00.0", "long_name": "time",
                                              "calendar": "gregorian"}),
    })
    for name in names:
        scale, offset = packing(name)
        ds[name] = (("time", "latitude", "longitude"), field_codes(name, grid, seed),
                    {"scale_factor": scale, "add_offset": offset, "_FillValue": np.int16(FILL),
                     "missing_value": np.int16(FILL), "units": SPECS[name][1], "long_name": SPECS[name][2]})
    ds.attrs = {"Conventions": "CF-1.6", "history": "ai4c simulate: legacy CDS NetCDF3 layout"}
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(path, format="NETCDF3_64BIT", engine="scipy", encoding={
        n: {"dtype": "int16", "_FillValue": None} for n in names} | {"time": {"dtype": "int32"}})
    return path


def write_new_netcdf(path: Path, names: list[str], grid: Grid, seed: int = 0) -> Path:
    """The 2024+ CDS NetCDF4 layout: `valid_time` (seconds since 1970), `number`, `expver` per hour."""
    lat, lon, times = grid.axes()
    values = truth(names, grid, seed).sortby("latitude", ascending=False)
    seconds = ((times - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)).astype("int64")
    ds = xr.Dataset(coords={
        "valid_time": ("valid_time", np.asarray(seconds), {"units": "seconds since 1970-01-01",
                                                           "calendar": "proleptic_gregorian"}),
        "latitude": ("latitude", lat), "longitude": ("longitude", lon),
        "number": ((), 0), "expver": ("valid_time", np.array(["0001"] * len(times), dtype=object)),
    })
    for name in names:
        ds[name] = (("valid_time", "latitude", "longitude"), values[name].values,
                    {"units": SPECS[name][1], "long_name": SPECS[name][2], "GRIB_paramId": SPECS[name][0]})
    ds.attrs = {"GRIB_centre": "ecmf", "Conventions": "CF-1.7", "institution": "European Centre for "
                "Medium-Range Weather Forecasts"}
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(path, engine="h5netcdf", encoding={n: {"zlib": True} for n in names})
    return path


def write_grib(path: Path, names: list[str], grid: Grid, seed: int = 0) -> Path:
    """A GRIB1 file (one message per variable and hour) from ecCodes' regular lat/lon sample."""
    import eccodes

    lat, lon, times = grid.axes()
    values = truth(names, grid, seed).sortby("latitude", ascending=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for i, when in enumerate(times):
            for name in names:
                handle = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib1")
                try:
                    for key, value in (("Ni", len(lon)), ("Nj", len(lat)), ("latitudeOfFirstGridPointInDegrees",
                                       float(lat[0])), ("longitudeOfFirstGridPointInDegrees", float(lon[0])),
                                       ("latitudeOfLastGridPointInDegrees", float(lat[-1])),
                                       ("longitudeOfLastGridPointInDegrees", float(lon[-1])),
                                       ("iDirectionIncrementInDegrees", grid.step),
                                       ("jDirectionIncrementInDegrees", grid.step),
                                       ("table2Version", 128 if SPECS[name][0] < 1000 else 228),
                                       ("indicatorOfParameter", SPECS[name][0] % 1000),
                                       ("dataDate", int(when.strftime("%Y%m%d"))), ("dataTime", when.hour * 100),
                                       ("bitsPerValue", 24)):
                        eccodes.codes_set(handle, key, value)
                    eccodes.codes_set_values(handle, values[name].values[i].astype("float64").ravel())
                    eccodes.codes_write(handle, out)
                finally:
                    eccodes.codes_release(handle)
    return path
