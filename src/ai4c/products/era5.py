"""ERA5 / ERA5-Land files as the CDS delivers them: NetCDF3 (legacy, packed int16, `time`), NetCDF4
(2024+, `valid_time`, `expver`) and GRIB (through cfgrib), opened lazily as one canonical Dataset.

Canonical variables keep the CDS short names (u10, v10, u100, v100, t2m, d2m, sp) with their units; the
dims are (time, latitude, longitude), latitude and longitude ascending, longitude in -180..180.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from ai4c.core.errors import InputNotFoundError, InvalidProductError, first_line
from ai4c.products.cams import normalise_axes

# canonical name -> names met in NetCDF and GRIB deliveries
VARIABLES: dict[str, tuple[str, ...]] = {
    "u10": ("u10", "10u"), "v10": ("v10", "10v"), "u100": ("u100", "100u"), "v100": ("v100", "100v"),
    "t2m": ("t2m", "2t"), "d2m": ("d2m", "2d"), "sp": ("sp",),
}
WIND_PAIRS = (("u10", "v10"), ("u100", "v100"))


def engine_for(path: Path) -> str:
    """The xarray engine for a file, from its first bytes (NetCDF3, NetCDF4/HDF5 or GRIB)."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"CDF"):
        return "scipy"
    if magic.startswith(b"\x89HDF"):
        return "h5netcdf"
    if magic.startswith(b"GRIB"):
        return "cfgrib"
    raise InvalidProductError(f"{path} is neither NetCDF nor GRIB (starts with {magic[:4]!r}); "
                              "give the file as the CDS delivered it")


def dask_chunks(ds: xr.Dataset, target_bytes: int = 128 * 2**20) -> dict[str, int]:
    """Whole grids, and as many hours per chunk as fit in `target_bytes` of float32: few, large tasks
    (the files' own HDF5 chunks are often one hour, which would make a task graph of millions)."""
    cells = 1
    for dim in ("latitude", "longitude", "lat", "lon"):
        cells *= ds.sizes.get(dim, 1)
    hours = max(1, target_bytes // (4 * cells))
    return {dim: (hours if dim in ("time", "valid_time") else -1) for dim in ds.dims}


def _open_one(path: Path) -> xr.Dataset:
    """One delivery file, lazily (one dask chunk per file along time)."""
    if not path.is_file():
        raise InputNotFoundError(f"ERA5 file {path} does not exist")
    engine = engine_for(path)
    kwargs = {"backend_kwargs": {"indexpath": ""}} if engine == "cfgrib" else {}
    try:
        ds = xr.open_dataset(path, engine=engine, **kwargs)  # lazily indexed, not yet dask
    except (OSError, ValueError, TypeError) as err:
        raise InvalidProductError(f"{path} cannot be read as ERA5 {engine} data: {first_line(err)}") from err
    ds = ds.chunk(dask_chunks(ds))
    if engine == "cfgrib":  # analysis fields: valid_time equals time (step 0)
        ds = ds.drop_vars([c for c in ("valid_time", "step", "surface", "heightAboveGround") if c in ds.coords])
    return normalise_axes(ds)


def canonical(ds: xr.Dataset, source: str) -> xr.Dataset:
    """Rename the delivery's variables to the canonical names; refuse a file without any wind pair."""
    renames = {}
    for name, aliases in VARIABLES.items():
        found = next((a for a in aliases if a in ds.data_vars), None)
        if found:
            renames[found] = name
    ds = ds[list(renames)].rename({k: v for k, v in renames.items() if k != v})
    ds = ds.assign_coords(latitude=ds["latitude"].astype("float64"), longitude=ds["longitude"].astype("float64"))
    ds = ds.map(lambda da: da.astype("float32"), keep_attrs=True)
    if not any(u in ds and v in ds for u, v in WIND_PAIRS):
        raise InvalidProductError(f"{source} has no wind components (u10/v10 or u100/v100); it has: "
                                  f"{', '.join(renames.values()) or 'no known ERA5 variable'}")
    return ds


def open_era5(paths: Sequence[Path | str]) -> xr.Dataset:
    """Open ERA5 delivery files (any mix of the layouts) and combine them along time, lazily."""
    files = [Path(p) for p in paths]
    if not files:
        raise InputNotFoundError("no ERA5 file given")
    parts = [canonical(_open_one(p), str(p)) for p in files]
    if len(parts) == 1:
        return parts[0]
    combined = xr.combine_by_coords(parts, combine_attrs="drop_conflicts", data_vars="minimal",
                                    coords="minimal", compat="override", join="outer")
    return combined.sortby("time")
