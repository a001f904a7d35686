"""monthlycomposite (seed §5.2.3, AI4C_MComp.py): 12 monthly median composites of a BOA series.

For every month of the agronomic year (September `season_start` .. August `season_start`+1) each
pixel is the median of the BOA samples whose LAI is valid (not no-data, not NaN, >= 0), 0 where none
remains; written as uint16 GeoTIFFs `MC_<tile>_<YYYYMM>.tif` on the inputs' grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidProductError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, register_service
from ai4c.core.outputs import output_folder
from ai4c.pipelines.parameters import MonthlyCompositeParameters
from ai4c.products.refboa import TIMESEN2CROP_BANDS, Acquisition, agronomic_months, list_acquisitions

GRAPH = "monthly-composite"
register_service(GRAPH, MonthlyCompositeParameters, ("Read", "Monthly-Median", "Write"))


@dataclass
class Series:
    """The validated acquisitions of a REFBOA/LAI folder, their common grid and block size."""

    acquisitions: list[Acquisition]
    template: xr.DataArray
    band_names: list[str]
    block: int = 1024


@dataclass
class Months:
    """The acquisitions of each month of the agronomic year (keyed YYYYMM) and the series they come from."""

    series: Series
    chosen: dict[str, list[Acquisition]] = field(default_factory=dict)


def _grid_of(path: Path) -> tuple[Any, tuple, tuple[int, int], int, tuple]:
    """CRS, transform, shape, band count and band descriptions of a raster (header only)."""
    import rasterio

    try:
        with rasterio.open(path) as src:
            return src.crs, tuple(src.transform)[:6], (src.height, src.width), src.count, src.descriptions
    except rasterio.errors.RasterioIOError as exc:
        raise InvalidProductError(f"{path.name} is not a readable GeoTIFF ({exc}); replace the file") from exc


def check_grids(acquisitions: list[Acquisition]) -> tuple[int, list[str]]:
    """All BOA and LAI files on one grid and all BOA with the same bands; returns (count, band names)."""
    first = _grid_of(acquisitions[0].boa)
    for acq in acquisitions:
        for path in (acq.boa, acq.lai):
            crs, transform, shape, count, _ = _grid_of(path)
            if crs != first[0] or not np.allclose(transform, first[1]) or shape != first[2]:
                raise InvalidProductError(
                    f"{path.name} is on another grid (shape {shape}, CRS {crs}) than {acquisitions[0].boa.name} "
                    f"(shape {first[2]}, CRS {first[0]}); resample all inputs to one grid")
            if path == acq.boa and count != first[3]:
                raise InvalidProductError(f"{path.name} has {count} bands, {acquisitions[0].boa.name} has "
                                          f"{first[3]}; every BOA needs the same bands")
    descriptions = [d for d in first[4] if d]
    if len(descriptions) == first[3]:
        names = list(descriptions)
    elif first[3] == len(TIMESEN2CROP_BANDS):
        names = list(TIMESEN2CROP_BANDS)
    else:
        names = [f"band{i + 1}" for i in range(first[3])]
    return first[3], names


def _open(path: Path, block: int) -> xr.DataArray:
    """A lazy (band, y, x) view of a GeoTIFF in square blocks."""
    import rioxarray

    return rioxarray.open_rasterio(path, chunks={"band": -1, "y": block, "x": block}, lock=False)


@operator(GRAPH, "Read", ("block",), aliases=("read-refboa",))
def read_series(data: Any, ctx: Context, p: MonthlyCompositeParameters) -> Series:
    """List and validate the REFBOA/LAI acquisitions (dates, partners, one grid)."""
    acquisitions = list_acquisitions(ctx.inputs[0])
    _, names = check_grids(acquisitions)
    return Series(acquisitions, _open(acquisitions[0].boa, p.block), names, p.block)


@operator(GRAPH, "Monthly-Median", ("season_start",), aliases=("monthly-median",))
def compute_months(series: Series, ctx: Context, p: MonthlyCompositeParameters) -> Months:
    """The acquisitions of each month of the agronomic year, keyed YYYYMM (the medians are computed
    while writing, window by window)."""
    return Months(series, {f"{year}{month:02d}": [a for a in series.acquisitions
                                                  if (a.date.year, a.date.month) == (year, month)]
                           for year, month in agronomic_months(p.season_start)})


@operator(GRAPH, "Write", ("tile",), aliases=("write-composites",))
def write_composites(months: Months, ctx: Context, p: MonthlyCompositeParameters) -> list[Path]:
    """Write MC_<tile>_<YYYYMM>.tif (uint16, 0 = no valid sample) and a STAC Item per month."""
    from ai4c.core.progress import track
    from ai4c.core.stac import write_item
    from ai4c.pipelines.monthly_composite_stream import write_month

    series, tile = months.series, p.tile
    folder = output_folder(ctx.output_path)
    template = series.template.assign_coords(band=series.band_names)
    paths = []
    for key, chosen in track(list(months.chosen.items()), "monthly composites"):
        path = folder / f"MC_{tile}_{key}.tif"
        write_month(chosen, path, template=series.acquisitions[0].boa, band_names=series.band_names,
                    tags={"month": key, "tile": tile}, block=series.block)
        write_item(path, raster=template, inputs=[str(p) for p in ctx.inputs],
                   parameters={"tile": tile, "month": key},
                   properties={"ai4c:acquisitions": len(chosen)})
        paths.append(path)
    return paths


def run(input_dir: Path | str, output_dir: Path | str, season_start: int = 2017, tile: str = "33UVP",
        *, block: int = 1024) -> list[Path]:
    """Write the 12 monthly composites of a REFBOA/LAI folder; returns their paths (September first)."""
    params = parameters_of(GRAPH, {"season_start": season_start, "tile": tile, "block": block})
    return default_graph(GRAPH).run(Context(inputs=[Path(input_dir)], output_path=Path(output_dir)),
                                    parameters=params)


monthly_composites = run
