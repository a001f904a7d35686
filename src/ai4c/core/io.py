"""Raster writing: tiled compressed GeoTIFF, COG, NetCDF, Zarr or any GDAL driver, always atomic.

Readers and writers never compute science: they receive a georeferenced DataArray and store it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from ai4c.core.errors import InvalidParameterError
from ai4c.core.formats import extension_for, gtiff_profile, normalise_format, write_gtiff
from ai4c.core.outputs import atomic_path, check_writable, write_text_atomic

__all__ = ["atomic_path", "check_writable", "extension_for", "normalise_format", "write_raster",
           "write_text_atomic"]


def _as_bands(da: xr.DataArray) -> xr.DataArray:
    """Return the array with a leading `band` dimension (adds one for 2-D input)."""
    if da.ndim == 2:
        return da.expand_dims("band")
    if da.ndim != 3:
        raise InvalidParameterError(f"cannot write a {da.ndim}-D raster; expected (band, y, x)")
    return da.transpose(da.dims[0], *da.dims[-2:])


def band_names_of(da: xr.DataArray) -> list[str]:
    """Band descriptions: the `band` coordinate when it holds names, else 1..N."""
    bands = _as_bands(da)
    first = bands.dims[0]
    if first in bands.coords:
        return [str(v) for v in bands.coords[first].values]
    return [str(i + 1) for i in range(bands.shape[0])]


def _gtiff_profile(da: xr.DataArray, nodata: float | None, compress: str) -> dict[str, Any]:
    """A tiled, compressed GeoTIFF profile for the array."""
    count, height, width = _as_bands(da).shape
    return gtiff_profile(count, height, width, da.dtype, da.rio.crs, da.rio.transform(recalc=True), nodata, compress)


def _row_blocks(da: xr.DataArray) -> Iterator[tuple[int, int]]:
    """Row ranges that follow the array's dask chunks (or 1024-row strips for numpy)."""
    if da.chunks is not None:
        start = 0
        for size in da.chunks[-2]:
            yield start, start + size
            start += size
        return
    height = da.shape[-2]
    for start in range(0, height, 1024):
        yield start, min(start + 1024, height)


def _write_gtiff(da: xr.DataArray, path: Path, nodata: float | None, compress: str,
                 colormap: dict | None, tags: dict | None, band_names: list[str]) -> None:
    """Stream the array strip by strip into a GeoTIFF so memory stays bounded by the chunk size."""
    bands = _as_bands(da)
    strips = ((row0, np.asarray(bands[:, row0:row1, :].values)) for row0, row1 in _row_blocks(bands))
    write_gtiff(path, _gtiff_profile(da, nodata, compress), strips, names=band_names, units=da.attrs.get("units"),
                tags=tags, colormap=colormap)


def write_raster(da: xr.DataArray, path: Path | str, fmt: str = "GeoTIFF", *, nodata: float | None = None,
                 colormap: dict | None = None, tags: dict | None = None, compress: str = "DEFLATE") -> Path:
    """Write a georeferenced (band, y, x) or (y, x) DataArray atomically in the requested format."""
    driver = normalise_format(fmt)
    path = Path(path)
    names = band_names_of(da)
    if nodata is None and np.dtype(da.dtype).kind == "f":
        nodata = float("nan")
    with atomic_path(path) as tmp:
        if driver == "GTiff":
            _write_gtiff(da, tmp, nodata, compress, colormap, tags, names)
        elif driver in ("netCDF", "Zarr"):
            _write_xarray_store(da, tmp, driver, nodata, names, tags)
        else:
            _write_via_gdal_copy(da, tmp, driver, nodata, compress, colormap, tags, names)
    return path


def _write_via_gdal_copy(da: xr.DataArray, tmp: Path, driver: str, nodata: float | None, compress: str,
                         colormap: dict | None, tags: dict | None, names: list[str]) -> None:
    """Write a GeoTIFF first, then let GDAL translate it (COG and every other raster driver)."""
    import rasterio.shutil

    with tempfile.TemporaryDirectory(dir=tmp.parent) as scratch:
        staging = Path(scratch) / "staging.tif"
        _write_gtiff(da, staging, nodata, compress, colormap, tags, names)
        options = {"compress": compress} if driver in ("COG",) else {}
        try:
            rasterio.shutil.copy(staging, tmp, driver=driver, **options)
        except Exception as exc:  # GDAL refuses dtypes or features per driver
            raise InvalidParameterError(f"GDAL driver {driver} cannot write this raster: {exc}") from exc


def _write_xarray_store(da: xr.DataArray, tmp: Path, driver: str, nodata: float | None,
                        names: list[str], tags: dict | None) -> None:
    """NetCDF (CF grid mapping) or Zarr through xarray, with band names as a coordinate."""
    bands = _as_bands(da).assign_coords({_as_bands(da).dims[0]: names})
    bands = bands.rename({bands.dims[0]: "band"})
    name = str(da.name or "data")
    out = bands.rio.write_crs(da.rio.crs).rio.write_transform(da.rio.transform(recalc=True))
    if nodata is not None:
        out = out.rio.write_nodata(nodata, encoded=False)
    ds = out.to_dataset(name=name)
    ds.attrs.update({k: str(v) for k, v in (tags or {}).items()})
    if driver == "netCDF":
        ds.to_netcdf(tmp, engine="h5netcdf")
    else:
        ds.to_zarr(tmp, mode="w")
