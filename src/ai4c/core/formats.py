"""Output formats without heavy imports: the user's spelling of a format, its file extension and the tiled
compressed GeoTIFF profile every raster writer uses (so fast command paths need neither xarray nor dask)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ai4c.core.errors import InvalidParameterError

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


def gtiff_profile(count: int, height: int, width: int, dtype: Any, crs: Any, transform: Any,
                  nodata: float | None, compress: str = "DEFLATE") -> dict[str, Any]:
    """A tiled (512 x 512), compressed, multi-threaded GeoTIFF profile for rasterio."""
    dtype = np.dtype(dtype)
    profile = {
        "driver": "GTiff", "count": count, "height": height, "width": width, "dtype": dtype.name, "crs": crs,
        "transform": transform, "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": compress,
        "bigtiff": "IF_SAFER", "num_threads": "ALL_CPUS",
    }
    if compress.lower() in ("deflate", "lzw", "zstd"):
        profile["predictor"] = 3 if dtype.kind == "f" else 2
    if nodata is not None:
        profile["nodata"] = nodata
    return profile


def write_gtiff(path: Path | str, profile: dict[str, Any], strips: Iterable[tuple[int, np.ndarray]], *,
                names: list[str], units: str | None = None, tags: dict | None = None,
                colormap: dict | None = None) -> None:
    """Stream (first row, (band, rows, width) array) strips into a GeoTIFF of `profile` (gtiff_profile), with
    band descriptions, units, tags and a colour table on band 1: memory stays bounded by a strip."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path, "w", **profile) as dst:
        for index, name in enumerate(names, start=1):
            dst.set_band_description(index, name)
        if units:
            dst.units = tuple(str(units) for _ in names)
        if tags:
            dst.update_tags(**{k: str(v) for k, v in tags.items()})
        if colormap:
            dst.write_colormap(1, colormap)
        for row, strip in strips:
            dst.write(strip, window=Window(0, row, strip.shape[2], strip.shape[1]))
