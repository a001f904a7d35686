"""Wind and air from ERA5 fields: speed, direction, air density, series at points and polygon means.

Lazy throughout: functions take and return dask-backed xarray objects; nothing is computed until the
caller writes or asks for values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
import xarray as xr

from ai4c.core.errors import AoIError, InvalidParameterError

R_DRY = 287.05  # J kg-1 K-1, specific gas constant of dry air
R_VAPOUR = 461.5  # J kg-1 K-1, water vapour
HEIGHTS = (10, 100)


def wind_speed(u: xr.DataArray, v: xr.DataArray) -> xr.DataArray:
    """Horizontal wind speed sqrt(u² + v²) in m s-1."""
    return np.hypot(u, v).assign_attrs(units="m s-1", long_name="wind speed")


def wind_direction(u: xr.DataArray, v: xr.DataArray) -> xr.DataArray:
    """Meteorological direction the wind blows FROM, degrees clockwise from north (0..360)."""
    return (np.degrees(np.arctan2(-u, -v)) % 360.0).assign_attrs(units="degree", long_name="wind direction")


def vapour_pressure(dewpoint: xr.DataArray) -> xr.DataArray:
    """Water vapour pressure (Pa) from the 2 m dewpoint (K), Tetens' formula over water as in the IFS."""
    celsius = dewpoint - 273.16
    return 611.21 * np.exp(17.502 * celsius / (dewpoint - 32.19))


def air_density(t2m: xr.DataArray, sp: xr.DataArray, d2m: xr.DataArray | None = None) -> xr.DataArray:
    """Air density (kg m-3) at 2 m: ideal gas of dry air, or moist air when the dewpoint is known."""
    if d2m is None:
        rho = sp / (R_DRY * t2m)
    else:
        e = vapour_pressure(d2m)
        rho = (sp - e) / (R_DRY * t2m) + e / (R_VAPOUR * t2m)
    return rho.assign_attrs(units="kg m-3", long_name="air density")


def derive(ds: xr.Dataset) -> xr.Dataset:
    """Speed and direction at every height with both components, and density when t2m and sp are present."""
    out = {}
    for height in HEIGHTS:
        u, v = f"u{height}", f"v{height}"
        if u in ds and v in ds:
            out[f"ws{height}"] = wind_speed(ds[u], ds[v])
            out[f"wd{height}"] = wind_direction(ds[u], ds[v])
    if "t2m" in ds and "sp" in ds:
        out["rho"] = air_density(ds["t2m"], ds["sp"], ds["d2m"] if "d2m" in ds else None)
    if not out:
        raise InvalidParameterError("the ERA5 data hold no wind component pair (u10/v10 or u100/v100)")
    return xr.Dataset(out)


def check_inside(ds: xr.Dataset, lon: np.ndarray, lat: np.ndarray, what: str) -> None:
    """Refuse sites outside the grid's extent (no silent extrapolation)."""
    lon_lo, lon_hi = float(ds["longitude"].min()), float(ds["longitude"].max())
    lat_lo, lat_hi = float(ds["latitude"].min()), float(ds["latitude"].max())
    outside = (lon < lon_lo) | (lon > lon_hi) | (lat < lat_lo) | (lat > lat_hi)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise AoIError(f"{int(outside.sum())} {what} outside the ERA5 grid ({lon_lo}..{lon_hi} E, "
                       f"{lat_lo}..{lat_hi} N), e.g. ({lon[i]:.4f}, {lat[i]:.4f}); request a larger area")


def bracket(axis: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the grid line below each value (ascending axis) and the fraction towards the next one."""
    low = np.clip(np.searchsorted(axis, values, side="right") - 1, 0, len(axis) - 2)
    return low, (values - axis[low]) / (axis[low + 1] - axis[low])


def at_points(ds: xr.Dataset, lon: Sequence[float], lat: Sequence[float], names: Sequence[str],
              method: str = "linear") -> xr.Dataset:
    """Series at sites (dim `site`): bilinear (or nearest) interpolation of every variable, done as
    pointwise indexing of the four surrounding cells so that dask reads only those columns."""
    lon_a, lat_a = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    check_inside(ds, lon_a, lat_a, "sites")
    i, fy = bracket(ds["latitude"].values, lat_a)
    j, fx = bracket(ds["longitude"].values, lon_a)
    if method == "nearest":
        i, j = i + (fy > 0.5), j + (fx > 0.5)
        fy, fx = np.zeros_like(fy), np.zeros_like(fx)

    def corner(di: int, dj: int) -> xr.Dataset:
        rows = xr.DataArray(np.minimum(i + di, ds.sizes["latitude"] - 1), dims="site")
        cols = xr.DataArray(np.minimum(j + dj, ds.sizes["longitude"] - 1), dims="site")
        return ds.isel(latitude=rows, longitude=cols).drop_vars(["latitude", "longitude"])

    wy, wx = xr.DataArray(fy, dims="site"), xr.DataArray(fx, dims="site")
    out = ((1 - wy) * (1 - wx) * corner(0, 0) + (1 - wy) * wx * corner(0, 1)
           + wy * (1 - wx) * corner(1, 0) + wy * wx * corner(1, 1))
    out = out.map(lambda da: da.astype("float32"))
    for name in out.data_vars:
        out[name].attrs = ds[name].attrs
    return out.assign_coords(site=("site", list(names)), longitude=("site", lon_a), latitude=("site", lat_a))


def cell_weights(ds: xr.Dataset, polygon) -> xr.DataArray:
    """Area weights (cos latitude) of the grid cells whose centre lies in `polygon`; the cell nearest its
    representative point when the polygon is smaller than a cell."""
    lat, lon = ds["latitude"].values, ds["longitude"].values
    glon, glat = np.meshgrid(lon, lat)
    inside = shapely.contains_xy(polygon, glon, glat)
    if not inside.any():
        point = polygon.representative_point()
        inside = np.zeros_like(inside)
        inside[np.abs(lat - point.y).argmin(), np.abs(lon - point.x).argmin()] = True
    weights = np.where(inside, np.cos(np.radians(glat)), 0.0)
    return xr.DataArray(weights / weights.sum(), coords={"latitude": lat, "longitude": lon},
                        dims=("latitude", "longitude"))


def polygon_means(ds: xr.Dataset, polygons: Sequence, names: Sequence[str]) -> xr.Dataset:
    """Area-weighted means over polygons (dim `site`), per time step, for every variable."""
    if not len(polygons):
        raise AoIError("no polygon to average over")
    for polygon in polygons:
        minx, miny, maxx, maxy = polygon.bounds
        check_inside(ds, np.array([minx, maxx]), np.array([miny, maxy]), "polygon corners")
    weights = xr.concat([cell_weights(ds, p) for p in polygons], dim="site")
    means = {name: (ds[name] * weights).sum(("latitude", "longitude")) for name in ds.data_vars}
    return xr.Dataset(means).assign_coords(site=("site", list(names)))


def polygon_series(ds: xr.Dataset, polygons: Sequence, names: Sequence[str]) -> xr.Dataset:
    """Polygon series: mean wind speed over the cells (the mean of speeds, not the speed of the mean wind),
    direction of the mean wind vector, density from the mean temperature and pressures."""
    grid = derive(ds)
    speeds = grid[[n for n in ("ws10", "ws100") if n in grid]]
    means = polygon_means(xr.merge([ds, speeds]), polygons, names)
    derived = derive(means[list(ds.data_vars)])
    return derived.assign({n: means[n] for n in speeds.data_vars})


def resample(series: xr.Dataset, frequency: str | None) -> xr.Dataset:
    """Time means at a coarser frequency ('D', 'MS', '3h' ...); directions averaged as vectors."""
    if not frequency:
        return series
    directions = [n for n in series.data_vars if str(n).startswith("wd")]
    plain = series.drop_vars(directions).resample(time=frequency).mean()
    for name in directions:
        rad = np.radians(series[name])
        sin, cos = np.sin(rad).resample(time=frequency).mean(), np.cos(rad).resample(time=frequency).mean()
        plain[name] = (np.degrees(np.arctan2(sin, cos)) % 360.0).assign_attrs(series[name].attrs)
    return plain
