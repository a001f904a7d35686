"""Sentinel-5P L2 CO products in the real NetCDF group layout, with known CO plumes as the truth.

Each file holds one granule: PRODUCT (scanline x ground_pixel: carbonmonoxide_total_column, qa_value,
latitude, longitude, delta_time, time_utc), SUPPORT_DATA/GEOLOCATIONS (pixel corner bounds) and the
global attributes of a real product. A decoy spike with a bad qa_value tests quality filtering.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ai4c.core.io import atomic_path, write_text_atomic

EPOCH_2010 = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
FILL_FLOAT = np.float32(9.96921e36)
MOL_M2_TO_MOLEC_CM2 = 6.02214e19


@dataclass(frozen=True)
class Plume:
    """A Gaussian CO enhancement: centre, peak (mol m-2 above background) and width (km)."""

    lon: float
    lat: float
    peak: float
    sigma_km: float


def product_name(start: dt.datetime, orbit: int, stream: str = "OFFL") -> str:
    """An ESA-style S5P CO file stem for a granule starting at `start`."""
    end = start + dt.timedelta(minutes=5)
    stamp = "%Y%m%dT%H%M%S"
    created = end + dt.timedelta(days=2)
    return (f"S5P_{stream}_L2__CO_____{start.strftime(stamp)}_{end.strftime(stamp)}_{orbit:05d}_01_010400_"
            f"{created.strftime(stamp)}")


def swath_geometry(bbox: tuple[float, float, float, float], scanlines: int, ground_pixels: int,
                   tilt_deg: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre lat/lon of a swath covering `bbox`, slightly tilted like a sun-synchronous track."""
    lon0, lat0, lon1, lat1 = bbox
    across = np.linspace(0.0, 1.0, ground_pixels)
    along = np.linspace(0.0, 1.0, scanlines)[:, None]
    lat = lat0 + (lat1 - lat0) * along + 0.0 * across
    shift = np.tan(np.radians(tilt_deg)) * (lat - lat0) * 0.3
    lon = lon0 + (lon1 - lon0) * across + shift
    return lat.astype("float32"), lon.astype("float32")


def co_field(lat: np.ndarray, lon: np.ndarray, plumes: list[Plume], rng: np.random.Generator,
             background: float = 0.03) -> np.ndarray:
    """Background CO column with smooth variation, noise and Gaussian plumes (mol m-2)."""
    field = background + 0.002 * np.sin(np.radians(lat) * 20) + rng.normal(0, 0.0005, lat.shape)
    km_per_deg = 111.32
    for p in plumes:
        dx = (lon - p.lon) * km_per_deg * np.cos(np.radians(p.lat))
        dy = (lat - p.lat) * km_per_deg
        field = field + p.peak * np.exp(-(dx**2 + dy**2) / (2 * p.sigma_km**2))
    return field.astype("float32")


def corner_bounds(centres: np.ndarray) -> np.ndarray:
    """(scanline, ground_pixel, 4) corner coordinates around pixel centres (counter-clockwise)."""
    padded = np.pad(centres.astype("float64"), 1, mode="reflect", reflect_type="odd")
    mids = (padded[:-1, :-1] + padded[1:, :-1] + padded[:-1, 1:] + padded[1:, 1:]) / 4
    return np.stack([mids[:-1, :-1], mids[:-1, 1:], mids[1:, 1:], mids[1:, :-1]], axis=-1).astype("float32")


def simulate_s5p(output_dir: Path | str, *, bbox: tuple[float, float, float, float] = (5.0, 45.0, 15.0, 55.0),
                 start: dt.datetime | None = None, orbit: int = 12367, plumes: list[Plume] | None = None,
                 scanlines: int = 120, ground_pixels: int = 80, seed: int = 0,
                 decoy: bool = True) -> Path:
    """Write one S5P L2 CO granule over `bbox`; its truth (plumes, decoy) is saved as `<name>.truth.json`."""
    rng = np.random.default_rng(seed)
    start = start or dt.datetime(2020, 3, 3, 1, 35, 47, tzinfo=dt.UTC)
    if plumes is None:
        plumes = [Plume(lon=bbox[0] + (bbox[2] - bbox[0]) * rng.uniform(0.2, 0.8),
                        lat=bbox[1] + (bbox[3] - bbox[1]) * rng.uniform(0.2, 0.8),
                        peak=float(rng.uniform(0.01, 0.05)), sigma_km=float(rng.uniform(15, 40)))]
    lat, lon = swath_geometry(bbox, scanlines, ground_pixels)
    co = co_field(lat, lon, plumes, rng)
    qa = np.where(rng.random(co.shape) < 0.15, 0.4, 1.0)
    decoy_at = None
    if decoy:
        i, j = int(rng.integers(0, scanlines)), int(rng.integers(0, ground_pixels))
        co[i, j] = co.max() + 0.05
        qa[i, j] = 0.3
        decoy_at = {"lat": float(lat[i, j]), "lon": float(lon[i, j]), "value": float(co[i, j])}
    co[0, :3] = np.nan  # a few fill values, as in real granules
    name = product_name(start, orbit)
    output_dir = Path(output_dir)
    path = output_dir / f"{name}.nc"
    with atomic_path(path) as tmp:
        _write_netcdf(tmp, name, start, orbit, lat, lon, co, qa)
    truth = {"product": name, "plumes": [asdict(p) for p in plumes], "decoy": decoy_at, "bbox": list(bbox)}
    write_text_atomic(output_dir / f"{name}.truth.json", json.dumps(truth, indent=2))
    return path


def _write_netcdf(path: Path, name: str, start: dt.datetime, orbit: int, lat: np.ndarray, lon: np.ndarray,
                  co: np.ndarray, qa: np.ndarray) -> None:
    """Write the NetCDF-4 file with the real group layout and attributes."""
    import netCDF4

    scanlines, pixels = co.shape
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    delta_ms = (start - day).total_seconds() * 1000 + np.arange(scanlines) * 840.0
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.setncatts(_global_attributes(name, start, orbit, lat, lon, scanlines))
        product = nc.createGroup("PRODUCT")
        for dim, size in (("scanline", scanlines), ("ground_pixel", pixels), ("corner", 4), ("time", 1),
                          ("layer", 50)):
            product.createDimension(dim, size)
            var = product.createVariable(dim, "i4" if dim == "time" else "f4", (dim,))
            var[:] = np.arange(size)
        product["time"][:] = int((day - EPOCH_2010).total_seconds())
        product["time"].setncatts({"units": "seconds since 2010-01-01 00:00:00", "standard_name": "time"})
        dims3 = ("time", "scanline", "ground_pixel")
        delta = product.createVariable("delta_time", "i4", ("time", "scanline"))
        delta[0] = delta_ms.astype("int32")
        delta.setncatts({"units": "milliseconds", "long_name": "offset from reference start time of measurement"})
        utc = product.createVariable("time_utc", str, ("time", "scanline"))
        for i, ms in enumerate(delta_ms):
            utc[0, i] = (day + dt.timedelta(milliseconds=float(ms))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        _variable(product, "latitude", lat, dims3, "degrees_north", "latitude", "f4")
        _variable(product, "longitude", lon, dims3, "degrees_east", "longitude", "f4")
        qa_var = product.createVariable("qa_value", "u1", dims3, fill_value=np.uint8(255))
        qa_var.setncatts({"scale_factor": np.float32(0.01), "add_offset": np.float32(0.0), "units": "1",
                          "long_name": "data quality value", "valid_min": np.uint8(0), "valid_max": np.uint8(100)})
        qa_var.set_auto_scale(False)
        qa_var[0] = np.round(qa * 100).astype("uint8")
        co_var = _variable(product, "carbonmonoxide_total_column", np.nan_to_num(co, nan=FILL_FLOAT), dims3,
                           "mol m-2", "atmosphere_mole_content_of_carbon_monoxide", "f4", FILL_FLOAT)
        co_var.setncatts({"multiplication_factor_to_convert_to_molecules_percm2": np.float32(MOL_M2_TO_MOLEC_CM2),
                          "coordinates": "longitude latitude", "ancillary_variables": "qa_value"})
        precision = np.full(co.shape, 0.002, dtype="float32")
        _variable(product, "carbonmonoxide_total_column_precision", precision, dims3, "mol m-2",
                  "atmosphere_mole_content_of_carbon_monoxide standard_error", "f4", FILL_FLOAT)
        geo = nc.createGroup("PRODUCT/SUPPORT_DATA/GEOLOCATIONS")
        dims4 = (*dims3, "corner")
        _variable(geo, "latitude_bounds", corner_bounds(lat), dims4, "degrees_north", None, "f4", FILL_FLOAT)
        _variable(geo, "longitude_bounds", corner_bounds(lon), dims4, "degrees_east", None, "f4", FILL_FLOAT)
        nc.createGroup("PRODUCT/SUPPORT_DATA/DETAILED_RESULTS")
        nc.createGroup("PRODUCT/SUPPORT_DATA/INPUT_DATA")
        meta = nc.createGroup("METADATA")
        for sub in ("ALGORITHM_SETTINGS", "GRANULE_DESCRIPTION", "QA_STATISTICS", "ESA_METADATA", "EOP_METADATA",
                    "ISO_METADATA"):
            meta.createGroup(sub)


def _variable(group, name, data, dims, units, standard_name, dtype, fill=None):
    """Create a variable with CF attributes and write its first time slice."""
    var = group.createVariable(name, dtype, dims, fill_value=fill)
    var.units = units
    if standard_name:
        var.standard_name = standard_name
    var[0] = data
    return var


def _global_attributes(name: str, start: dt.datetime, orbit: int, lat: np.ndarray, lon: np.ndarray,
                       scanlines: int) -> dict:
    """Global attributes with the real products' names and meanings."""
    iso = "%Y-%m-%dT%H:%M:%SZ"
    end = start + dt.timedelta(seconds=scanlines * 0.84)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "Conventions": "CF-1.7", "institution": "KNMI/SRON",
        "source": "Sentinel 5 precursor, TROPOMI, space-borne remote sensing, L2",
        "summary": "TROPOMI/S5P CO Column 1-Orbit L2 Swath 7x7km", "id": name,
        "time_reference": day.strftime(iso), "time_coverage_start": start.strftime(iso),
        "time_coverage_end": end.strftime(iso), "time_coverage_resolution": "PT0.840S", "orbit": np.int32(orbit),
        "processor_version": "1.4.0", "cdm_data_type": "Swath", "platform": "S5P", "sensor": "TROPOMI",
        "spatial_resolution": "7x7km2", "title": "TROPOMI/S5P CO Column 1-Orbit L2 Swath 7x7km",
        "product_version": "1.1.0", "processing_status": "Nominal",
        "geospatial_lat_min": np.float32(lat.min()), "geospatial_lat_max": np.float32(lat.max()),
        "geospatial_lon_min": np.float32(lon.min()), "geospatial_lon_max": np.float32(lon.max()),
        "history": "simulated by ai4c", "license": "No conditions apply",
    }
