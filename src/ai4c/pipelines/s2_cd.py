"""S2-CD (seed §4.2.5): Change Vector Analysis of two Sentinel-2 L2A products of one tile.

Chain: Collocate (S2-preprocess of both dates: bands + SCL at the common resolution, cloud and
shadow masks, AoI, projection) -> Change-Vector-Analysis (relative normalisation, polar CVA, chi-squared
test, K-means) -> Write (CVA.tif magnitude/angle, S2-CD.tif classes with a colour table, polar scatter PNG,
STAC Items).

Run locally (no --scheduler) on the tile's own grid with GeoTIFF outputs, pipelines.s2_cd_local reads both
dates in S2-preprocess's threaded one pass instead of the graph, without dask or xarray (the same pixels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4c.core.errors import InvalidParameterError, InvalidProductError, OutputError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, record, register_service
from ai4c.core.grid import Grid
from ai4c.core.outputs import check_writable
from ai4c.optical.cva import CvaResult, check_reference_vector
from ai4c.pipelines.parameters import S2CdParameters
from ai4c.pipelines.s2_cd_io import ChangeMap

GRAPH = "s2-cd"
SCL_NO_DATA = 0   # Sen2Cor's "no data" class: outside the swath or not processed, whatever the band values say
register_service(GRAPH, S2CdParameters, ("Collocate", "Change-Vector-Analysis", "Write"))

if TYPE_CHECKING:
    import xarray as xr


@dataclass
class Pair:
    """The two pre-processed dates on one grid, with their acquisition times, baselines and tile."""

    date1: xr.Dataset
    date2: xr.Dataset
    dates: list[str] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)
    tile: str | None = None


def parse_bands(bands: str | list[str] | tuple[str, ...]) -> list[str]:
    """Band names from `B2,B3,B4,B8` or a list; at least one."""
    from ai4c.products.sentinel2 import normalise_band

    items = bands.split(",") if isinstance(bands, str) else list(bands)
    names = [normalise_band(b.strip()) for b in items if str(b).strip()]
    if not names:
        raise InvalidParameterError("no band selected; give e.g. --bands B2,B3,B4,B8")
    return names


def open_pair(path1: Path, path2: Path) -> tuple[Any, Any]:
    """The two products, opened; both must be L2A of one tile (different processing baselines are fine)."""
    from ai4c.products.sentinel2 import open_sentinel2

    products = [open_sentinel2(p) for p in (path1, path2)]
    meta = [p.metadata for p in products]
    for path, m in zip((path1, path2), meta, strict=True):
        if m.level != "L2A":
            raise InvalidProductError(f"{Path(path).name} is {m.level}; S2-CD needs two L2A products")
    if meta[0].tile != meta[1].tile:
        raise InvalidProductError(f"input1 is tile {meta[0].tile} and input2 is tile {meta[1].tile}; "
                                  "give two products of the same tile")
    return products[0], products[1]


def check_same_grid(grid1: Grid, grid2: Grid) -> Grid:
    """The grid both pre-processed dates share; different grids are an error."""
    if (grid1.height, grid1.width) != (grid2.height, grid2.width) or not np.allclose(
            tuple(grid1.transform)[:6], tuple(grid2.transform)[:6]):
        raise InvalidProductError("the two products do not share a grid after pre-processing; give products "
                                  "of the same tile")
    return grid1


def grid_of(layer: xr.DataArray | xr.Dataset) -> Grid:
    """The grid of a georeferenced (rioxarray) layer."""
    return Grid(layer.rio.crs, layer.rio.transform(), layer.rio.width, layer.rio.height)


def scl_rules(scl1: Any, scl2: Any) -> tuple[Any, Any]:
    """From the scene classes of both dates (numpy or xarray): where a pixel may be valid (SCL 0, no data, in
    neither date: e.g. swath edges, whatever the band values say) and where both dates have the same class."""
    return (scl1 != SCL_NO_DATA) & (scl2 != SCL_NO_DATA), scl1 == scl2


def pre_parameters(p: S2CdParameters) -> dict[str, Any]:
    """The S2-preprocess values S2-CD pre-processes each date with (SCL cloud mask)."""
    return {"bands": ",".join(parse_bands(p.bands)), "resolution": p.resolution, "projection": p.projection, "aoi": p.aoi,
            "upsampling": p.upsampling, "cloudmask": "L2A"}


@operator(GRAPH, "Collocate", ("bands", "resolution", "projection", "aoi", "upsampling"), aliases=("S2-CD-Prepare",))
def prepare_op(data: Any, ctx: Context, p: S2CdParameters) -> Pair:
    """Pre-process both dates with S2-preprocess (SCL cloud/shadow mask, AoI, projection) onto one grid."""
    from ai4c.pipelines.s2_pre import prepare

    if len(ctx.inputs) != 2:
        raise InvalidParameterError(f"S2-CD needs two inputs, got {len(ctx.inputs)}; give --input1 and --input2")
    meta = [product.metadata for product in open_pair(*ctx.inputs)]
    dates = [prepare(path, **pre_parameters(p)) for path in ctx.inputs]
    check_same_grid(grid_of(dates[0].reflectance), grid_of(dates[1].reflectance))
    return Pair(*dates, dates=[m.datetime.isoformat() for m in meta], baselines=[m.baseline for m in meta],
                tile=meta[0].tile)


def detect(pair: Pair, *, reference_vector: str | list[float] | None = None, level_confidence: float = 99.99,
           number_classes: int = 4, normalisation: str = "irmad") -> CvaResult:
    """CVA of date 2 against date 1; no data where either date is cloudy, masked, outside the AoI or SCL 0."""
    from ai4c.optical.cva import change_vector_analysis

    ref, tgt = pair.date1.reflectance, pair.date2.reflectance
    valid = ref.notnull().all("band") & tgt.notnull().all("band")
    same = None
    if "scl" in pair.date1 and "scl" in pair.date2:
        usable, same = scl_rules(pair.date1.scl, pair.date2.scl)
        valid = valid & usable
    result = change_vector_analysis(ref, tgt, valid=valid, same_class=same, reference_vector=reference_vector,
                                    level_confidence=level_confidence, number_classes=number_classes,
                                    normalisation=normalisation)
    crs, transform = ref.rio.crs, ref.rio.transform()
    for name in ("rho", "alpha", "classes"):  # in place: rioxarray would deep-copy full-size layers
        getattr(result, name).rio.write_crs(crs, inplace=True).rio.write_transform(transform, inplace=True)
    return result


@operator(GRAPH, "Change-Vector-Analysis", ("reference_vector", "level_confidence", "number_classes",
                                            "normalisation"), aliases=("CVA",))
def cva_op(pair: Pair, ctx: Context, p: S2CdParameters) -> ChangeMap:
    """Relative normalisation, normalised difference, polar CVA, chi-squared test and K-means classes."""
    from ai4c.core.progress import dask_progress

    with dask_progress("change vector analysis"):
        result = detect(pair, reference_vector=p.reference_vector, level_confidence=p.level_confidence,
                        number_classes=p.number_classes, normalisation=p.normalisation)
    return ChangeMap(result, grid_of(pair.date1.reflectance), pair.dates, pair.baselines, pair.tile, record(p))


@operator(GRAPH, "Write", ("output_format",), aliases=("S2-CD-Write",))
def write_op(changes: ChangeMap, ctx: Context, p: S2CdParameters) -> list[Path]:
    """Write CVA, S2-CD (colour table), the polar scatter PNG and STAC Items into the output folder."""
    from ai4c.pipelines.s2_cd_io import write_outputs

    return write_outputs(changes, ctx, p.output_format)


def prepare_output(output_path: Path | str) -> Path:
    """The output folder (created with its parents when the results are written); a file is an error."""
    folder = Path(output_path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output_path {folder} is a file; S2-CD writes a folder, give a folder path")
    check_writable(folder / "S2-CD.tif")
    return folder


def run(input1: Path | str, input2: Path | str, output_path: Path | str, params: S2CdParameters | None = None,
        **values: Any) -> list[Path]:
    """Detect and classify the changes between two L2A products (`params`, or keyword values of
    S2CdParameters); returns the written files."""
    from ai4c.core.formats import normalise_format
    from ai4c.core.parallel import local_run

    if params is None:
        if not isinstance(values.get("bands", ""), str):
            values["bands"] = ",".join(values["bands"])
        if values.get("reference_vector") is not None and not isinstance(values["reference_vector"], str):
            values["reference_vector"] = ",".join(str(v) for v in values["reference_vector"])
        params = parameters_of(GRAPH, values)
    check_reference_vector(params.reference_vector, len(parse_bands(params.bands)))
    normalise_format(params.output_format)
    folder = prepare_output(output_path)
    ctx = Context(inputs=[Path(input1), Path(input2)], output_path=folder)
    if local_run():   # no dask cluster: the common cases take the threaded one-pass path
        from ai4c.pipelines.s2_cd_local import run_local

        written = run_local(ctx, params)
        if written is not None:
            return written
    return default_graph(GRAPH).run(ctx, parameters=params)
