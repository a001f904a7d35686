"""s2-timeseries: a folder of Sentinel-2 L2A products -> the REFBOA/LAI layout read by monthlycomposite.

Each product goes through S2-preprocess (nine TimeSen2Crop bands at 10 m on the tile's UTM grid, SCL
cloud and shadow mask); REFBOA/<tile>_<YYYYMMDD>_BOA.tif holds the reflectance x 10000 as uint16 (0 = no
data) and LAI/<tile>_<YYYYMMDD>_LAI.tif the METRIC LAI (optical.lai) as float32 with -999 where the
pixel is cloudy, shadowed or without data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.core.outputs import output_folder
from ai4c.optical.lai import LAI_NODATA, lai_metric
from ai4c.pipelines.parameters import S2TimeseriesParameters
from ai4c.products.refboa import TIMESEN2CROP_BANDS


def find_products(input_dir: Path | str) -> list[Path]:
    """The SAFE folders and zips of a folder, sorted by name."""
    root = Path(input_dir)
    if not root.is_dir():
        raise InputNotFoundError(f"input_dir {root} does not exist; give a folder of Sentinel-2 L2A products")
    found = sorted(p for p in root.iterdir() if p.suffix.upper() in (".SAFE", ".ZIP"))
    if not found:
        raise InvalidProductError(f"{root} holds no .SAFE folder or .zip product; put L2A products in it")
    return found


def boa_uint16(reflectance: xr.DataArray) -> xr.DataArray:
    """Reflectance (0..1, NaN = no data) as uint16 x 10000 with 0 for no data."""
    scaled = (reflectance * 10000.0).round().clip(1, 65535)
    return scaled.fillna(0).astype(np.uint16).assign_attrs(units="reflectance x 10000")


def lai_layer(ds: xr.Dataset) -> xr.DataArray:
    """METRIC LAI from B4 and B8A, -999 where the reflectance is masked (cloud, shadow, no data)."""
    refl = ds.reflectance
    lai = lai_metric(refl.sel(band="B4"), refl.sel(band="B8A"))
    return lai.fillna(LAI_NODATA).astype(np.float32).expand_dims(band=["LAI"]).assign_attrs(units="m2/m2")


def _check_tiles(metas: list) -> str:
    """One tile per folder (the layout has one grid)."""
    tiles = sorted({m.tile for m in metas})
    if len(tiles) != 1:
        raise InvalidProductError(f"the folder mixes tiles {', '.join(tiles)}; put the products of one tile in it")
    return tiles[0]


def run(input_dir: Path | str, output_dir: Path | str, *,
        resolution: float = S2TimeseriesParameters.resolution) -> list[Path]:
    """Convert every L2A product of `input_dir`; returns the written BOA and LAI paths."""
    from ai4c.core.io import write_raster
    from ai4c.core.progress import track
    from ai4c.core.stac import write_item
    from ai4c.pipelines.s2_pre import prepare
    from ai4c.products.sentinel2 import open_sentinel2

    products = find_products(input_dir)
    metas = [open_sentinel2(p).metadata for p in products]
    for path, meta in zip(products, metas, strict=True):
        if meta.level != "L2A":
            raise InvalidProductError(f"{path.name} is {meta.level}; s2-timeseries needs L2A products")
    tile = _check_tiles(metas)
    out = Path(output_dir)
    output_folder(out / "REFBOA")
    output_folder(out / "LAI")
    written = []
    for path, meta in track(list(zip(products, metas, strict=True)), "s2-timeseries"):
        ds = prepare(path, bands=list(TIMESEN2CROP_BANDS), resolution=resolution, projection="UTM",
                     upsampling="Bilinear", cloudmask="L2A")
        stamp = f"{meta.datetime:%Y%m%d}"
        crs, transform = ds.rio.crs, ds.rio.transform()
        boa = boa_uint16(ds.reflectance).rio.write_crs(crs).rio.write_transform(transform)
        lai = lai_layer(ds).rio.write_crs(crs).rio.write_transform(transform)
        for layer, folder, name, nodata in ((boa, "REFBOA", f"{tile}_{stamp}_BOA.tif", 0),
                                            (lai, "LAI", f"{tile}_{stamp}_LAI.tif", LAI_NODATA)):
            target = write_raster(layer, out / folder / name, nodata=nodata)
            write_item(target, raster=layer, inputs=[str(path)], datetime=meta.datetime,
                       parameters={"resolution": resolution, "lai_model": "METRIC SAVI"})
            written.append(target)
    return written
