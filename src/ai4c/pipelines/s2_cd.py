"""S2-CD (seed §4.2.5): Change Vector Analysis of two Sentinel-2 L2A products of one tile.

Chain: S2-CD-Prepare (S2-preprocess of both dates: bands + SCL at the common resolution, cloud and
shadow masks, AoI, projection) -> CVA (relative normalisation, polar CVA, chi-squared test, K-means)
-> S2-CD-Write (CVA.tif magnitude/angle, S2-CD.tif classes with a colour table, polar scatter PNG,
STAC Items).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidParameterError, InvalidProductError, OutputError
from ai4c.core.graph import Context, Graph, Step, graph_provider, operator
from ai4c.optical.cva import CvaResult, check_classes, check_confidence, check_reference_vector

GRAPH = "s2-cd"
DEFAULT_BANDS = ("B2", "B3", "B4", "B8")


@dataclass
class Pair:
    """The two pre-processed dates on one grid."""

    date1: xr.Dataset
    date2: xr.Dataset


def parse_bands(bands: str | list[str] | tuple[str, ...]) -> list[str]:
    """Band names from `B2,B3,B4,B8` or a list; at least one."""
    from ai4c.products.sentinel2 import normalise_band

    items = bands.split(",") if isinstance(bands, str) else list(bands)
    names = [normalise_band(b.strip()) for b in items if str(b).strip()]
    if not names:
        raise InvalidParameterError("no band selected; give e.g. --bands B2,B3,B4,B8")
    return names


def check_same_tile(path1: Path, path2: Path) -> tuple[Any, Any]:
    """Both products must be L2A of one tile (different processing baselines are fine)."""
    from ai4c.products.sentinel2 import open_sentinel2

    meta = [open_sentinel2(p).metadata for p in (path1, path2)]
    for path, m in zip((path1, path2), meta, strict=True):
        if m.level != "L2A":
            raise InvalidProductError(f"{Path(path).name} is {m.level}; S2-CD needs two L2A products")
    if meta[0].tile != meta[1].tile:
        raise InvalidProductError(f"input1 is tile {meta[0].tile} and input2 is tile {meta[1].tile}; "
                                  "give two products of the same tile")
    return meta[0], meta[1]


@operator("S2-CD-Prepare")
def prepare_op(data: Any, ctx: Context, bands: str = "B2,B3,B4,B8", resolution: float = 10.0,
               projection: str = "WGS84", aoi: str | None = None) -> Pair:
    """Pre-process both dates with S2-preprocess (SCL cloud/shadow mask, AoI, projection) onto one grid."""
    from ai4c.pipelines.s2_pre import prepare

    if len(ctx.inputs) != 2:
        raise InvalidParameterError(f"S2-CD needs two inputs, got {len(ctx.inputs)}; give --input1 and --input2")
    meta = check_same_tile(*ctx.inputs)
    ctx.metadata["dates"] = [m.datetime.isoformat() for m in meta]
    ctx.metadata["baselines"] = [m.baseline for m in meta]
    ctx.metadata["tile"] = meta[0].tile
    names = parse_bands(bands)
    dates = [prepare(p, bands=names, resolution=resolution, projection=projection, aoi=aoi, cloudmask="L2A")
             for p in ctx.inputs]
    if dates[0].reflectance.shape != dates[1].reflectance.shape or not np.allclose(
            tuple(dates[0].rio.transform())[:6], tuple(dates[1].rio.transform())[:6]):
        raise InvalidProductError("the two products do not share a grid after pre-processing; give products "
                                  "of the same tile")
    return Pair(*dates)


def detect(pair: Pair, *, reference_vector: str | list[float] | None = None, level_confidence: float = 99.99,
           number_classes: int = 4, normalisation: str = "irmad") -> CvaResult:
    """CVA of date 2 against date 1; no data where either date is cloudy, masked or outside the AoI."""
    from ai4c.optical.cva import change_vector_analysis

    ref, tgt = pair.date1.reflectance, pair.date2.reflectance
    valid = ref.notnull().all("band") & tgt.notnull().all("band")
    same = None
    if "scl" in pair.date1 and "scl" in pair.date2:
        same = pair.date1.scl == pair.date2.scl
    result = change_vector_analysis(ref, tgt, valid=valid, same_class=same, reference_vector=reference_vector,
                                    level_confidence=level_confidence, number_classes=number_classes,
                                    normalisation=normalisation)
    crs, transform = ref.rio.crs, ref.rio.transform()
    for name in ("rho", "alpha", "classes"):  # in place: rioxarray would deep-copy full-size layers
        getattr(result, name).rio.write_crs(crs, inplace=True).rio.write_transform(transform, inplace=True)
    return result


@operator("CVA")
def cva_op(pair: Pair, ctx: Context, reference_vector: str | None = None, level_confidence: float = 99.99,
           number_classes: int = 4, normalisation: str = "irmad") -> CvaResult:
    """Relative normalisation, normalised difference, polar CVA, chi-squared test and K-means classes."""
    from ai4c.core.progress import dask_progress

    with dask_progress("change vector analysis"):
        result = detect(pair, reference_vector=reference_vector, level_confidence=level_confidence,
                        number_classes=number_classes, normalisation=normalisation)
    ctx.metadata["bands"] = [str(b) for b in pair.date1.reflectance.band.values]
    return result


@operator("S2-CD-Write")
def write_op(result: CvaResult, ctx: Context, output_format: str = "GeoTIFF") -> list[Path]:
    """Write CVA, S2-CD (colour table), the polar scatter PNG and STAC Items into the output folder."""
    from ai4c.pipelines.s2_cd_io import write_outputs

    return write_outputs(result, ctx, output_format)


@graph_provider(GRAPH)
def default_graph() -> Graph:
    """S2-CD-Prepare -> CVA -> S2-CD-Write."""
    return Graph(GRAPH, [Step("S2-CD-Prepare"), Step("CVA"), Step("S2-CD-Write")])


def prepare_output(output_path: Path | str) -> Path:
    """The output folder: created when missing (its parent must exist); a file is an error."""
    folder = Path(output_path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output_path {folder} is a file; S2-CD writes a folder, give a folder path")
    if not folder.parent.is_dir():
        raise OutputError(f"parent of output_path {folder} does not exist; create it first")
    return folder


def run(input1: Path | str, input2: Path | str, output_path: Path | str, *, bands: str | list[str] = DEFAULT_BANDS,
        aoi: str | None = None, resolution: float = 10.0, projection: str = "WGS84", number_classes: int = 4,
        reference_vector: str | list[float] | None = None, level_confidence: float = 99.99,
        output_format: str = "GeoTIFF", normalisation: str = "irmad") -> list[Path]:
    """Detect and classify the changes between two L2A products; returns the written files."""
    from ai4c.core.io import normalise_format

    names = parse_bands(bands)
    check_confidence(level_confidence)
    check_classes(number_classes)
    check_reference_vector(reference_vector, len(names))
    normalise_format(output_format)
    folder = prepare_output(output_path)
    graph = default_graph()
    graph.set("S2-CD-Prepare", bands=",".join(names), resolution=resolution, projection=projection, aoi=aoi)
    graph.set("CVA", reference_vector=reference_vector if reference_vector is None or isinstance(reference_vector, str)
              else ",".join(str(v) for v in reference_vector), level_confidence=level_confidence,
              number_classes=number_classes, normalisation=normalisation)
    graph.set("S2-CD-Write", output_format=output_format)
    ctx = Context(inputs=[Path(input1), Path(input2)], output_path=folder)
    ctx.metadata["parameters"] = {"bands": names, "AoI": aoi, "resolution": resolution, "projection": projection,
                                  "numberClasses": number_classes, "referenceVector": reference_vector,
                                  "levelConfidence": level_confidence, "output_format": output_format,
                                  "normalisation": normalisation}
    return graph.run(ctx)
