"""DEM sources: a GeoTIFF/VRT (any GDAL raster) or a folder of SRTM .hgt tiles (mosaicked by a VRT), the one
place that turns a `--dem` path into a raster; `open_dem` samples it lazily on any grid, `dem.heights` reads a
window of it for geocoding."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.core.grid import Grid

HGT_PATTERNS = ("*.hgt", "*.HGT", "*.hgt.zip", "*.HGT.zip")


def open_dem(path: Path | str, chunks: int | None = None) -> xr.DataArray:
    """Elevation in metres as a lazy float32 (y, x) DataArray, NaN where the DEM is void or no data."""
    from ai4c.core.lazyraster import open_lazy

    raw = open_lazy(dem_raster(path), chunks=chunks, name="elevation")
    nodata = raw.rio.nodata
    void = -32768.0 if nodata is None else float(nodata)
    data = raw.data.map_blocks(_void_to_nan, void, dtype=np.float32)
    out = raw.copy(data=data)
    out.attrs = {"units": "m", "source": str(path)}
    return out.rio.write_nodata(np.nan)


def _void_to_nan(block: np.ndarray, void: float) -> np.ndarray:
    out = block.astype(np.float32)
    out[(block == void) | ~np.isfinite(out)] = np.nan
    return out


def dem_on_grid(dem: xr.DataArray, grid: Grid, resampling: str = "bilinear") -> xr.DataArray:
    """The DEM sampled on a target grid, lazily, block by block (NaN outside the DEM)."""
    from ai4c.core.warp import reproject_to_grid

    return reproject_to_grid(dem, grid, resampling, nodata=np.nan).rename("elevation")


def dem_raster(path: Path | str) -> str:
    """The raster a `--dem` path names: the GeoTIFF/VRT itself, or a VRT mosaic of a folder's SRTM tiles."""
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"DEM {path} does not exist; give a GeoTIFF/VRT or a folder of SRTM .hgt tiles")
    return str(tiles_vrt(hgt_tiles(path)) if path.is_dir() else path)


def hgt_tiles(folder: Path) -> list[Path]:
    """The SRTM tiles (.hgt, .hgt.zip, any case of the extension) of a folder; an error when there are none."""
    tiles = sorted({p for pattern in HGT_PATTERNS for p in folder.glob(pattern)})
    if not tiles:
        raise InvalidProductError(f"DEM folder {folder} holds no SRTM .hgt tiles; give .hgt/.hgt.zip files or a "
                                  "GeoTIFF/VRT")
    return tiles


def tiles_vrt(tiles: list[Path]) -> Path:
    """A VRT mosaicking SRTM .hgt/.hgt.zip tiles (written once into the temp folder, named by its content)."""
    import rasterio

    infos = []
    for tile in tiles:
        name = f"/vsizip/{tile.resolve()}/{tile.name[:-4]}" if tile.name.lower().endswith(".zip") else str(tile.resolve())
        try:
            with rasterio.open(name) as ds:
                infos.append((name, ds.transform, ds.width, ds.height))
        except rasterio.errors.RasterioIOError as exc:
            raise InvalidProductError(f"cannot read SRTM tile {tile} ({exc}); remove or replace it") from exc
    res = min(t.a for _, t, _, _ in infos)
    left = min(t.c for _, t, _, _ in infos)
    top = max(t.f for _, t, _, _ in infos)
    right = max(t.c + t.a * w for _, t, w, _ in infos)
    bottom = min(t.f + t.e * h for _, t, _, h in infos)
    width, height = round((right - left) / res), round((top - bottom) / res)
    sources = "".join(
        f"<ComplexSource><SourceFilename relativeToVRT='0'>{name}</SourceFilename><SourceBand>1</SourceBand>"
        f"<SrcRect xOff='0' yOff='0' xSize='{w}' ySize='{h}'/><DstRect xOff='{round((t.c - left) / res)}' "
        f"yOff='{round((top - t.f) / res)}' xSize='{round(w * t.a / res)}' ySize='{round(h * -t.e / res)}'/>"
        f"<NODATA>-32768</NODATA></ComplexSource>" for name, t, w, h in infos)
    xml = (f"<VRTDataset rasterXSize='{width}' rasterYSize='{height}'><SRS>EPSG:4326</SRS>"
           f"<GeoTransform>{left}, {res}, 0, {top}, 0, {-res}</GeoTransform>"
           f"<VRTRasterBand dataType='Int16' band='1'><NoDataValue>-32768</NoDataValue>{sources}</VRTRasterBand></VRTDataset>")
    digest = hashlib.sha1(xml.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"ai4c-dem-{digest}.vrt"
    if not path.exists():  # a unique scratch name: processes building the same mosaic at once never clash
        handle, scratch = tempfile.mkstemp(prefix=path.name, suffix=".partial", dir=path.parent)
        with os.fdopen(handle, "w") as stream:
            stream.write(xml)
        os.replace(scratch, path)
    return path
