"""S2-preprocess helpers: cloud masks from the product's files, and writing the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ai4c.core.errors import InvalidProductError, OutputError
from ai4c.core.grid import Grid

if TYPE_CHECKING:
    import xarray as xr


def l2a_cloud(scl: xr.DataArray) -> xr.DataArray:
    """The L2A cloud mask from the (already resampled) scene classification."""
    from ai4c.optical.masks import scl_cloud_mask

    return scl_cloud_mask(scl)


def l1c_cloud(product, grid: Grid, flagdownsampling: str) -> xr.DataArray:
    """MSK_CLASSI_B00 (opaque | cirrus, from 04.00) or the MSK_CLOUDS_B00.gml polygons (before) on `grid`."""
    from ai4c.core.lazyraster import open_lazy
    from ai4c.optical.masks import classi_cloud_mask, gml_polygons, rasterize_polygons
    from ai4c.optical.resample import resample

    classi = product.qi_member("*MSK_CLASSI_B00*.jp2") or product.qi_member("*MSK_CLASSI_B00*.tif")
    if classi:
        path = product.source.gdal_path(classi)
        opaque, cirrus = (resample(_with_crs(open_lazy(path, band), product), grid, flagdownsampling, flag=True)
                          for band in (1, 2))
        return classi_cloud_mask(opaque, cirrus)
    gml = product.qi_member("*MSK_CLOUDS_B00*.gml")
    if gml:
        return rasterize_polygons(gml_polygons(product.source.read_bytes(gml)), grid)
    raise InvalidProductError(f"{product.name} has no L1C cloud mask (QI_DATA/MSK_CLASSI_B00.jp2 or "
                              "MSK_CLOUDS_B00.gml); use --cloudmask L2A or None")


def _with_crs(da: xr.DataArray, product) -> xr.DataArray:
    return da if da.rio.crs is not None or product.metadata.crs is None else da.rio.write_crs(product.metadata.crs)


def output_file(output_path: Path, product_name: str, output_format: str) -> Path:
    """`--output_path` as given, or `<product>.<ext>` inside it when it is an existing folder."""
    from ai4c.core.formats import extension_for
    from ai4c.core.outputs import check_writable

    output_path = Path(output_path)
    if output_path.is_dir() and output_path.suffix.lower() != ".zarr":
        output_path = output_path / f"{product_name}{extension_for(output_format)}"
    return check_writable(output_path)


def write_outputs(ds: xr.Dataset, state, ctx, output_format: str, quicklook: bool) -> Path:
    """Write the reflectance raster, its STAC Item (with the run's warnings) and an optional PNG."""
    from ai4c.core import log
    from ai4c.core.io import normalise_format, write_raster
    from ai4c.core.progress import dask_progress
    from ai4c.core.stac import write_item

    if ctx.output_path is None:
        raise OutputError("no output path; give --output_path PATH")
    normalise_format(output_format)
    target = output_file(ctx.output_path, state.product.name, output_format)
    refl = ds["reflectance"]
    refl.attrs["units"] = "1"
    with log.collect_warnings() as warnings, dask_progress("S2-preprocess"):
        path = write_raster(refl, target, output_format, tags={"product": state.product.name})
    meta = state.product.metadata
    write_item(path, raster=refl, datetime=meta.datetime, inputs=[str(p) for p in ctx.inputs],
               parameters={**state.params, "bands": state.bands}, warnings=[*ctx.warnings, *warnings],
               properties={"ai4c:source": meta.as_attrs(), "processing:level": "L2A" if meta.level == "L2A" else "L1C-TOA"})
    if quicklook:
        _quicklook(refl, path)
    return path


def _quicklook(refl: xr.DataArray, path: Path) -> Path:
    """RGB (B4, B3, B2) when present, else the first band, decimated to 1024 pixels."""
    from ai4c.core.quicklook import write_quicklook

    pick = quicklook_bands([str(b) for b in refl.band.values])
    step = max(1, int(np.ceil(max(refl.shape[-2:]) / 1024)))
    small = refl[:, ::step, ::step]
    data = small.isel(band=pick).values if len(pick) == 3 else small.isel(band=0).values
    return write_quicklook(data, path.with_suffix(".png"), title=path.name)


def quicklook_bands(names: list[str]) -> list[int]:
    """Indices of B4, B3, B2 among the bands (an RGB quick-look when all three are there)."""
    return [names.index(b) for b in ("B4", "B3", "B2") if b in names]
