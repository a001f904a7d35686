"""Raster writing: tiled compressed GeoTIFF, COG, NetCDF, Zarr or any GDAL driver, always atomic.

Readers and writers never compute science: they receive a georeferenced DataArray and store it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from ai4c.core.errors import InvalidParameterError, OutputError
from ai4c.core.outputs import check_writable, output_folder

__all__ = ["atomic_path", "check_writable", "extension_for", "normalise_format", "write_raster",
           "write_text_atomic"]

EXTENSIONS = {"gtiff": ".tif", "geotiff": ".tif", "cog": ".tif", "netcdf": ".nc", "zarr": ".zarr",
              "enviheader": ".hdr", "envi": ".img", "hfa": ".img", "png": ".png", "jp2openjpeg": ".jp2",
              "vrt": ".vrt", "gpkg": ".gpkg"}


def normalise_format(fmt: str) -> str:
    """Map user spellings (GeoTIFF, GTiff, COG, netCDF, NetCDF4-CF, Zarr, GDAL names) to one key."""
    key = (fmt or "GeoTIFF").strip()
    low = key.lower()
    if low in ("geotiff", "gtiff", "tif", "tiff", "geotiff-bigtiff"):
        return "GTiff"
    if low in ("cog",):
        return "COG"
    if low in ("netcdf", "netcdf4", "netcdf4-cf", "nc"):
        return "netCDF"
    if low == "zarr":
        return "Zarr"
    import rasterio

    with rasterio.Env() as env:
        drivers = env.drivers()
    for name in drivers:
        if name.lower() == low:
            return name
    raise InvalidParameterError(
        f"output format {fmt!r} is unknown; use GeoTIFF, COG, netCDF, Zarr or a GDAL raster driver name")


def extension_for(fmt: str) -> str:
    """File extension for an output format key."""
    return EXTENSIONS.get(normalise_format(fmt).lower(), "." + normalise_format(fmt).lower())


@contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a path with `final`'s name inside a hidden scratch folder beside it; on success move it
    (and any sidecar files a driver wrote, e.g. ENVI's .hdr) onto the target, else remove everything."""
    final = check_writable(Path(final))
    output_folder(final.parent if str(final.parent) else ".")
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        yield scratch / final.name
        produced = sorted(scratch.iterdir(), key=lambda p: p.name == final.name)
        if not any(p.name == final.name for p in produced):
            raise OutputError(f"nothing was written to {final}")
        for item in produced:
            target = final.parent / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write a small text file (JSON, YAML, HTML) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


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
    bands = _as_bands(da)
    dtype = np.dtype(bands.dtype)
    profile = {
        "driver": "GTiff", "count": bands.shape[0], "height": bands.shape[1], "width": bands.shape[2],
        "dtype": dtype.name, "crs": da.rio.crs, "transform": da.rio.transform(recalc=True),
        "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": compress,
        "bigtiff": "IF_SAFER", "num_threads": "ALL_CPUS",
    }
    if compress.lower() in ("deflate", "lzw", "zstd"):
        profile["predictor"] = 3 if dtype.kind == "f" else 2
    if nodata is not None:
        profile["nodata"] = nodata
    return profile


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
    import rasterio
    from rasterio.windows import Window

    bands = _as_bands(da)
    profile = _gtiff_profile(da, nodata, compress)
    with rasterio.open(path, "w", **profile) as dst:
        for index, name in enumerate(band_names, start=1):
            dst.set_band_description(index, name)
        units = da.attrs.get("units")
        if units:
            dst.units = tuple(str(units) for _ in band_names)
        if tags:
            dst.update_tags(**{k: str(v) for k, v in tags.items()})
        if colormap:
            dst.write_colormap(1, colormap)
        for row0, row1 in _row_blocks(bands):
            strip = np.asarray(bands[:, row0:row1, :].values)
            dst.write(strip, window=Window(0, row0, strip.shape[2], row1 - row0))


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
