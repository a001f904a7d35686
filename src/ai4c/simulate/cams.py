"""CAMS-like air-quality scenes from a known high-resolution truth (`ai4c simulate cams`).

The truth is PM2.5/PM10 on a 0.1 degree grid built from plausible physics: emissions tied to the urban
fraction with a traffic diurnal cycle, transport downwind by the ERA5-like wind, accumulation in
valleys (orography), a boundary-layer diurnal cycle, a slowly evolving large-scale background, and a
multiplicative small-scale turbulent field that no low-resolution input can determine. The EAC4-like
low-resolution fields are block means of the truth (coarse-graining), the ERA5-like fields are on a
0.25 degree grid. Files use the real variable names and units, in the old (`time`) or the new
data-store layout (`valid_time`, `number`, `expver`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage, signal

from ai4c.core.io import atomic_path

HIRES_DEG = 0.1
ERA5_DEG = 0.25
FACTOR = 8


@dataclass(frozen=True)
class Domain:
    """A lat/lon box on the 0.1 degree grid: south-west corner and size in high-resolution pixels."""

    lon0: float = 2.0
    lat0: float = 44.0
    nx: int = 192
    ny: int = 128

    def lats(self, step: float = HIRES_DEG) -> np.ndarray:
        """Cell-centre latitudes (ascending) at `step` degrees."""
        return self.lat0 + step / 2 + step * np.arange(int(round(self.ny * HIRES_DEG / step)))

    def lons(self, step: float = HIRES_DEG) -> np.ndarray:
        """Cell-centre longitudes (ascending) at `step` degrees."""
        return self.lon0 + step / 2 + step * np.arange(int(round(self.nx * HIRES_DEG / step)))

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(lon_min, lat_min, lon_max, lat_max)."""
        return (self.lon0, self.lat0, self.lon0 + self.nx * HIRES_DEG, self.lat0 + self.ny * HIRES_DEG)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise with unit variance (spatial axes are the last two)."""
    white = rng.standard_normal(shape)
    sig = (0,) * (len(shape) - 2) + (sigma, sigma)
    field = ndimage.gaussian_filter(white, sig, mode="wrap")
    axes = (-2, -1)
    return (field - field.mean(axis=axes, keepdims=True)) / field.std(axis=axes, keepdims=True)


def static_fields(domain: Domain, seed: int) -> xr.Dataset:
    """Orography (m), land-sea mask and urban fraction on the high-resolution grid."""
    rng = np.random.default_rng(seed)
    shape = (domain.ny, domain.nx)
    relief = _smooth_noise(rng, shape, 10.0) + 0.6 * _smooth_noise(rng, shape, 3.0)
    yy, xx = np.mgrid[0:domain.ny, 0:domain.nx]
    ridge = np.exp(-((yy - 0.7 * domain.ny + 0.3 * (xx - domain.nx / 2)) / (0.06 * domain.ny)) ** 2)
    land = relief > np.quantile(relief, 0.12)
    orog = np.where(land, np.clip(350 * (relief + 1.2) + 1800 * ridge, 0, None), 0.0)
    urban = np.zeros(shape)
    weights = (land * np.exp(-orog / 400.0)).ravel()
    centres = rng.choice(orog.size, size=max(4, shape[0] * shape[1] // 1200), p=weights / weights.sum())
    for index in centres:
        cy, cx = divmod(int(index), domain.nx)
        size = rng.uniform(1.0, 4.0)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * size**2))
        urban += rng.uniform(0.4, 1.0) * blob
    urban *= np.clip(1 + 0.3 * _smooth_noise(rng, shape, 0.8), 0, None)
    urban = np.clip(urban, 0.0, 1.0) * land
    coords = {"latitude": domain.lats(), "longitude": domain.lons()}
    dims = ("latitude", "longitude")
    return xr.Dataset(
        {"orography": (dims, orog.astype("float32"), {"units": "m", "long_name": "surface elevation"}),
         "lsm": (dims, land.astype("float32"), {"units": "(0 - 1)", "long_name": "Land-sea mask"}),
         "urban_frac": (dims, urban.astype("float32"), {"units": "1", "long_name": "urban fraction"})},
        coords=coords)


def _plume_kernel(u: float, v: float, tau_hours: float = 3.0, size: int = 25) -> np.ndarray:
    """Downwind smearing kernel: emissions transported along (u, v) m/s, decaying over `tau_hours`."""
    half = size // 2
    kernel = np.zeros((size, size))
    step_km = HIRES_DEG * 111.0
    for hour in np.linspace(0, 3 * tau_hours, 24):
        dx = u * 3.6 * hour / step_km
        dy = v * 3.6 * hour / step_km
        if abs(dx) > half or abs(dy) > half:
            break
        x0, y0 = int(np.floor(dx)), int(np.floor(dy))
        fx, fy = dx - x0, dy - y0
        weight = np.exp(-hour / tau_hours)
        for oy, wy in ((0, 1 - fy), (1, fy)):
            for ox, wx in ((0, 1 - fx), (1, fx)):
                iy, ix = half + y0 + oy, half + x0 + ox
                if 0 <= iy < size and 0 <= ix < size:
                    kernel[iy, ix] += weight * wy * wx
    kernel = ndimage.gaussian_filter(kernel, 0.7)
    return kernel / kernel.sum()


def _diurnal(hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Traffic emission factor (peaks at 8 and 18 h) and boundary-layer dilution factor (low at night)."""
    traffic = 0.5 + 0.5 * (np.exp(-((hours - 8) / 2.0) ** 2) + np.exp(-((hours - 18) / 2.5) ** 2))
    blh = 350 + 900 * np.clip(np.sin(np.pi * (hours - 6) / 14), 0, None)
    return traffic, 600.0 / blh


def truth(domain: Domain, times: pd.DatetimeIndex, seed: int, static: xr.Dataset) -> xr.Dataset:
    """High-resolution hourly PM2.5/PM10 (µg m-3) and the wind, 2 m temperature used to make them."""
    rng = np.random.default_rng(seed + 1)
    nt, shape = len(times), (domain.ny, domain.nx)
    urban, orog = static["urban_frac"].values, static["orography"].values
    hours = (times.hour.values + domain.lon0 / 15.0 + domain.nx * HIRES_DEG / 30.0) % 24
    traffic, dilution = _diurnal(hours)
    direction = np.cumsum(rng.normal(0, 0.08, nt)) + rng.uniform(0, 2 * np.pi)
    speed = np.clip(4 + np.cumsum(rng.normal(0, 0.25, nt)) * 0.5, 1.0, 9.0)
    u, v = speed * np.cos(direction), speed * np.sin(direction)
    valley = np.exp(-orog / 1200.0)
    background = np.empty((nt, *shape))
    state = _smooth_noise(rng, shape, 14.0)
    for t in range(nt):
        state = 0.97 * state + np.sqrt(1 - 0.97**2) * _smooth_noise(rng, shape, 14.0)
        background[t] = 7.0 * np.exp(0.45 * state)
    turbulence = np.exp(0.4 * _smooth_noise(rng, (nt, *shape), 1.0) - 0.08)
    pm25 = np.empty((nt, *shape), dtype="float32")
    emission = urban + 0.03
    for t in range(nt):
        plume = signal.fftconvolve(emission * traffic[t], _plume_kernel(u[t], v[t]), mode="same")
        local = 60.0 * np.clip(plume, 0, None) * dilution[t] * valley
        pm25[t] = (background[t] * (0.7 + 0.3 * dilution[t]) + local) * turbulence[t]
    dust = 3.0 * np.exp(0.5 * _smooth_noise(rng, (nt, *shape), 10.0))
    pm10 = pm25 * 1.35 + dust.astype("float32")
    t2m = 283.0 + 5.0 * np.sin(np.pi * (hours - 9) / 12)[:, None, None] - 0.0065 * orog[None]
    dims = ("time", "latitude", "longitude")
    coords = {"time": times, "latitude": domain.lats(), "longitude": domain.lons()}
    wind = np.ones((nt, *shape), dtype="float32")
    return xr.Dataset({"pm2p5": (dims, pm25), "pm10": (dims, pm10.astype("float32")),
                       "u10": (dims, wind * u[:, None, None].astype("float32")),
                       "v10": (dims, wind * v[:, None, None].astype("float32")),
                       "t2m": (dims, t2m.astype("float32"))}, coords=coords)


def coarsen(field: xr.DataArray, factor: int = FACTOR) -> xr.DataArray:
    """Block means over factor x factor high-resolution cells (the low-resolution model's view)."""
    return field.coarsen(latitude=factor, longitude=factor).mean()


def _layout(ds: xr.Dataset, layout: str, wrap_lon: bool) -> xr.Dataset:
    """Write order of real files: latitude descending; old or new data-store time axis."""
    ds = ds.isel(latitude=slice(None, None, -1))
    ds["latitude"].attrs = {"units": "degrees_north", "standard_name": "latitude", "long_name": "latitude"}
    if wrap_lon:
        ds = ds.assign_coords(longitude=ds["longitude"] % 360.0)
    ds["longitude"].attrs = {"units": "degrees_east", "standard_name": "longitude", "long_name": "longitude"}
    if layout == "new":
        ds = ds.rename({"time": "valid_time"})
        ds = ds.assign_coords(number=0, expver=("valid_time", np.full(ds.sizes["valid_time"], "0001")))
    return ds


def _write(ds: xr.Dataset, path: Path) -> Path:
    """Atomic NetCDF write."""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    return path


PM_ATTRS = {"pm2p5": "Particulate matter d < 2.5 um", "pm10": "Particulate matter d < 10 um"}


def simulate_cams(output: Path | str, start: str = "2021010100", hours: int = 48, *, layout: str = "old",
                  seed: int = 0, domain: Domain | None = None) -> dict[str, Path]:
    """Write CAMS-EU (truth, 0.1 deg), EAC4 (0.8 deg), ERA5 (0.25 deg) and static NetCDF files."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    domain = domain or Domain()
    times = pd.date_range(pd.to_datetime(start, format="%Y%m%d%H"), periods=hours, freq="h")
    static = static_fields(domain, seed)
    hi = truth(domain, times, seed + int(times[0].value // 3_600_000_000_000), static)
    tag = f"{times[0]:%Y%m%d%H}_{times[-1]:%Y%m%d%H}"
    paths = {}
    eu = xr.Dataset({f"{v}_conc": hi[v].astype("float32").assign_attrs(units="µg m-3", long_name=PM_ATTRS[v])
                     for v in ("pm2p5", "pm10")})
    if layout == "old":
        eu = eu.expand_dims(level=[0.0], axis=1)
    paths["cams-eu"] = _write(_layout(eu, layout, wrap_lon=layout == "old"), output / f"cams_eu_{tag}.nc")
    eac4 = xr.Dataset({v: (coarsen(hi[v]) * 1e-9).astype("float32").assign_attrs(units="kg m**-3",
                                                                                  long_name=PM_ATTRS[v])
                       for v in ("pm2p5", "pm10")})
    paths["eac4"] = _write(_layout(eac4, layout, wrap_lon=False), output / f"eac4_{tag}.nc")
    paths["era5"] = _write(_layout(_era5(hi, static, domain), layout, wrap_lon=layout == "old"),
                           output / f"era5_{tag}.nc")
    static_out = static[["urban_frac", "orography"]]
    static_out = static_out.isel(latitude=slice(None, None, -1))
    paths["static"] = _write(static_out, output / "static_fields.nc")
    return paths


def _era5(hi: xr.Dataset, static: xr.Dataset, domain: Domain) -> xr.Dataset:
    """ERA5 single-level fields on the 0.25 degree grid (interpolated from the high-resolution state)."""
    grid = {"latitude": domain.lats(ERA5_DEG), "longitude": domain.lons(ERA5_DEG)}
    interp = {"method": "linear", "kwargs": {"fill_value": None}}
    met = hi[["u10", "v10", "t2m"]].interp(**grid, **interp)
    orog = static["orography"].interp(**grid, **interp)
    lsm = static["lsm"].interp(**grid, **interp)
    sp = (101325.0 * np.exp(-orog / 8000.0)).expand_dims(time=hi["time"]) * xr.ones_like(met["t2m"])
    out = xr.Dataset({
        "u10": met["u10"].assign_attrs(units="m s**-1", long_name="10 metre U wind component"),
        "v10": met["v10"].assign_attrs(units="m s**-1", long_name="10 metre V wind component"),
        "t2m": met["t2m"].assign_attrs(units="K", long_name="2 metre temperature"),
        "lsm": lsm.expand_dims(time=hi["time"]).assign_attrs(units="(0 - 1)", long_name="Land-sea mask"),
        "sp": sp.assign_attrs(units="Pa", long_name="Surface pressure"),
        "z": (orog * 9.80665).expand_dims(time=hi["time"]).assign_attrs(units="m**2 s**-2",
                                                                         long_name="Geopotential"),
    })
    return out.astype("float32")
