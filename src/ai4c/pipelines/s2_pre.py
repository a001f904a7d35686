"""S2-preprocess (seed §4.2.3): read an L1C/L2A product, resample every band to one resolution, mask
clouds and land or sea, crop to the AoI, reproject and write one float32 reflectance raster.

The chain is SNAP's graph, as data: S2-Read -> S2Resampling -> Land-Sea-Mask -> Cloud-Mask -> Subset ->
Reproject -> Write. Every step is lazy (dask); only Write computes, block by block.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from pyproj import CRS

from ai4c.core import log
from ai4c.core.errors import (
    AoIError,
    InputNotFoundError,
    InvalidParameterError,
    InvalidProductError,
    check_choice,
)
from ai4c.core.graph import Context, Graph, Step, graph_provider, operator
from ai4c.core.grid import Grid, aligned_grid, intersect_bounds, pixel_size, resolve_crs

GRAPH = "s2-pre"
CLOUDMASKS = ("L2A", "L1C", "None")
DEFAULT_BANDS = ("B2", "B3", "B4", "B8")
REPROJECT_RESAMPLING = ("Nearest", "Bilinear", "Bicubic")


@dataclass
class S2State:
    """What flows between the steps: the product, the current grid and the lazy layers on it."""

    product: Any
    grid: Grid
    bands: list[str]
    reflectance: xr.DataArray | None = None  # (band, y, x) float32
    scl: xr.DataArray | None = None  # (y, x) uint8
    cloud: xr.DataArray | None = None  # (y, x) bool
    removed: xr.DataArray | None = None  # (y, x) bool: land or sea masked
    aoi: Any = None
    params: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ operators

@operator("S2-Read")
def read_op(data, ctx: Context, bands: str | list[str] = "B2,B3,B4,B8", sen2cor: bool = True) -> S2State:
    """Open the L1C/L2A product (zip or folder); L1C goes through sen2cor's L2A_Process when installed."""
    from ai4c.products.sentinel2 import normalise_band, open_sentinel2

    if not ctx.inputs:
        raise InputNotFoundError("no input product; give --input PATH")
    names = [normalise_band(b) for b in (bands.split(",") if isinstance(bands, str) else bands) if str(b).strip()]
    if not names:
        raise InvalidParameterError("no band selected; give e.g. --bands B2,B3,B4,B8")
    product = open_sentinel2(ctx.inputs[0])
    if product.metadata.level == "L1C" and sen2cor:
        product = _sen2cor(product, ctx)
    for name in names:
        product.band_member(name)  # fail early on a missing band or file
    first = product.dn(names[0])
    native = Grid(CRS.from_user_input(first.rio.crs or product.metadata.crs), first.rio.transform(recalc=True),
                  first.sizes["x"], first.sizes["y"])
    ctx.metadata.update(product.metadata.as_attrs())
    return S2State(product, native, names)


@operator("S2Resampling")
def resample_op(state: S2State, ctx: Context, resolution: float = 10.0, upsampling: str = "Nearest",
                downsampling: str = "First", flagdownsampling: str = "First") -> S2State:
    """Resample every band from its native resolution to `resolution` metres (SNAP S2Resampling rules)."""
    from ai4c.optical.resample import check_methods, resample, resample_like

    up, down, flag = check_methods(upsampling, downsampling, flagdownsampling)
    size = pixel_size(resolution, state.grid.crs)
    grid = aligned_grid(state.grid.bounds, state.grid.crs, size)
    layers = [resample_like(state.product.reflectance(b), grid, up, down).rename(b) for b in state.bands]
    state.reflectance = xr.concat(layers, dim="band").assign_coords(band=state.bands)
    if state.product.metadata.level == "L2A" and "SCL" in state.product.metadata.image_files:
        state.scl = resample(state.product.scl(), grid, flag, flag=True, nodata=0).rename("scl")
    state.grid = grid
    state.params.update(resolution=float(resolution), flagdownsampling=flag)
    return state


@operator("Land-Sea-Mask")
def landsea_op(state: S2State, ctx: Context, landseamask: str = "None", dem: str | None = None) -> S2State:
    """Set land or sea to no data from a DEM (elevation 0 or void is sea, SNAP's SRTM 3Sec rule)."""
    from ai4c.dem.landsea import check_landsea, land_mask, removed_by
    from ai4c.dem.source import dem_on_grid, open_dem

    choice = check_landsea(landseamask, dem)
    if choice != "None":
        land = land_mask(dem_on_grid(open_dem(dem), state.grid, "nearest"))
        state.removed = removed_by(choice, land)
    return state


@operator("Cloud-Mask")
def cloud_op(state: S2State, ctx: Context, cloudmask: str = "None") -> S2State:
    """Flag clouds: L2A = SCL 3, 8, 9, 10; L1C = MSK_CLASSI opaque + cirrus (GML polygons before 04.00)."""
    from ai4c.pipelines.s2_pre_io import l1c_cloud, l2a_cloud

    choice = check_choice("cloudmask", cloudmask or "None", CLOUDMASKS)
    if choice == "L2A" and state.scl is None:
        _warn(ctx, f"{state.product.name} is {state.product.metadata.level} without a scene classification: "
                 "using its L1C cloud mask (MSK_CLASSI / MSK_CLOUDS) instead of SCL")
        choice = "L1C"
    if choice == "L2A":
        state.cloud = l2a_cloud(state.scl)
    elif choice == "L1C":
        state.cloud = l1c_cloud(state.product, state.grid, state.params.get("flagdownsampling", "First"))
    return state


@operator("Subset")
def subset_op(state: S2State, ctx: Context, aoi: str | None = None) -> S2State:
    """Crop to the AoI's envelope (aligned pixels); the polygon itself is applied at the end."""
    from ai4c.core.aoi import parse_aoi

    state.aoi = parse_aoi(aoi)
    if state.aoi is None:
        return state
    _check_overlap(state)
    box = intersect_bounds(state.grid.bounds, state.aoi.bounds_in(state.grid.crs))
    if box is None:
        raise AoIError("the AoI does not overlap the product; give an AoI inside the tile")
    crop = aligned_grid(box, state.grid.crs, state.grid.resolution)
    crop = aligned_grid(intersect_bounds(crop.bounds, state.grid.bounds) or crop.bounds, state.grid.crs,
                        state.grid.resolution)
    _slice_to(state, crop)
    return state


@operator("Reproject")
def reproject_op(state: S2State, ctx: Context, projection: str = "UTM", resampling: str = "Nearest") -> S2State:
    """Reproject onto `projection` (UTM = the tile's own zone, WGS84, EPSG:n, PROJ/WKT), aligned pixels."""
    from ai4c.core.warp import reproject_to_grid

    method = check_choice("resampling", resampling, REPROJECT_RESAMPLING)
    crs = resolve_crs(projection, native=state.grid.crs)
    if crs == state.grid.crs:
        return state
    from rasterio.warp import transform_bounds

    bounds = transform_bounds(state.grid.crs, crs, *state.grid.bounds, densify_pts=21)
    if state.aoi is not None:
        bounds = intersect_bounds(bounds, state.aoi.bounds_in(crs)) or bounds
    metres = state.params.get("resolution", abs(state.grid.resolution))
    grid = aligned_grid(bounds, crs, pixel_size(metres, crs))
    warp = {"Nearest": "nearest", "Bilinear": "bilinear", "Bicubic": "cubic"}[method]
    state.reflectance = xr.concat([reproject_to_grid(state.reflectance.sel(band=b), grid, warp)
                                   for b in state.bands], dim="band").assign_coords(band=state.bands)
    for name in ("scl", "cloud", "removed"):
        layer = getattr(state, name)
        if layer is not None:
            moved = reproject_to_grid(layer.astype(np.uint8), grid, "nearest", nodata=0)
            setattr(state, name, moved if name == "scl" else moved.astype(bool))
    state.grid = grid
    return state


@operator("Write")
def write_op(state: S2State, ctx: Context, output_format: str = "GeoTIFF", quicklook: bool = False) -> Path:
    """Apply the masks and write the reflectance raster, its STAC Item and optionally a PNG quick-look."""
    from ai4c.pipelines.s2_pre_io import write_outputs

    return write_outputs(finalize(state), state, ctx, output_format, quicklook)


# ------------------------------------------------------------------------------------------ helpers

def _warn(ctx: Context, message: str) -> None:
    """Warn the user and keep the message for the STAC Item."""
    log.warn(message)
    ctx.warnings.append(message)


def _check_overlap(state: S2State) -> None:
    """An AoI that misses the product footprint (or the tile when there is none) is an error."""
    from shapely.geometry import box

    footprint = state.product.metadata.footprint
    if footprint is not None and not footprint.is_empty:
        hits = state.aoi.to_crs("EPSG:4326").intersects(footprint)
    else:
        hits = state.aoi.to_crs(state.grid.crs).intersects(box(*state.grid.bounds))
    if not hits:
        west, south, east, north = state.aoi.bounds_in("EPSG:4326")
        raise AoIError(f"the AoI ({west:.4f}, {south:.4f}, {east:.4f}, {north:.4f} lon/lat) misses the footprint of "
                       f"{state.product.name}; give an AoI that overlaps tile {state.product.metadata.tile}")


def _slice_to(state: S2State, crop: Grid) -> None:
    """Cut every layer to a sub-grid of the current grid."""
    col0 = round((crop.transform.c - state.grid.transform.c) / state.grid.transform.a)
    row0 = round((crop.transform.f - state.grid.transform.f) / state.grid.transform.e)
    rows, cols = slice(row0, row0 + crop.height), slice(col0, col0 + crop.width)
    for name in ("reflectance", "scl", "cloud", "removed"):
        layer = getattr(state, name)
        if layer is not None:
            setattr(state, name, layer.isel(y=rows, x=cols).rio.write_transform(crop.transform))
    state.grid = crop


def finalize(state: S2State) -> xr.Dataset:
    """The contract's Dataset: reflectance NaN where no data/cloud/masked/outside the AoI, plus scl, valid, cloud."""
    from ai4c.core.lazyraster import georeferenced
    from ai4c.optical.masks import rasterize_polygons

    if state.reflectance is None:
        raise InvalidParameterError("the graph has no S2Resampling step; it is needed to build the bands")
    grid = state.grid
    refl = state.reflectance
    valid = refl.notnull().all("band")
    if state.removed is not None:
        valid = valid & ~state.removed.data
    if state.aoi is not None:
        valid = valid & rasterize_polygons([state.aoi.to_crs(grid.crs)], grid).data
    cloud = state.cloud if state.cloud is not None else xr.zeros_like(valid)
    keep = valid & ~cloud.data
    out = refl.where(keep.data).astype(np.float32)
    coords = {"y": grid.y_coords(), "x": grid.x_coords()}
    layers = {"reflectance": georeferenced(out.data, grid.transform, grid.crs, attrs={"units": "1"}).assign_coords(
        band=list(state.bands), **coords), "valid": valid.assign_coords(coords), "cloud": cloud.astype(bool).assign_coords(coords)}
    if state.scl is not None:
        layers["scl"] = state.scl.astype(np.uint8).assign_coords(coords)
    ds = xr.Dataset(layers, attrs={**state.product.metadata.as_attrs(), **state.params})
    return ds.rio.write_crs(grid.crs).rio.write_transform(grid.transform)


def _sen2cor(product, ctx: Context):
    """Run sen2cor's L2A_Process on an L1C product when it is installed, else keep TOA and say so."""
    from ai4c.products.sentinel2 import open_sentinel2

    exe = shutil.which("L2A_Process")
    if exe is None:
        _warn(ctx, f"{product.name} is L1C and sen2cor (L2A_Process) is not on PATH: the output is top-of-atmosphere "
                 "reflectance, not surface reflectance; install sen2cor for L2A")
        return product
    work = Path(tempfile.mkdtemp(prefix="ai4c-sen2cor-"))
    atexit.register(shutil.rmtree, work, True)
    source = product.source.path
    if product.source.is_zip:
        shutil.unpack_archive(str(source), work / "in", "zip")
        source = next((work / "in").glob("*.SAFE"), work / "in")
    done = subprocess.run([exe, "--output_dir", str(work / "out"), str(source)], capture_output=True, text=True,
                          check=False)
    produced = sorted((work / "out").glob("*MSIL2A*")) if (work / "out").exists() else []
    if done.returncode != 0 or not produced:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no L2A product written"]
        raise InvalidProductError(f"sen2cor (L2A_Process) failed on {product.name}: {tail[0]}; check the sen2cor "
                                  "installation or give an L2A product")
    ctx.metadata["sen2cor"] = exe
    return open_sentinel2(produced[0])


# ------------------------------------------------------------------------------------------ graph, API

@graph_provider(GRAPH)
def default_graph() -> Graph:
    """SNAP's S2 pre-processing graph with table 4's defaults."""
    return Graph(GRAPH, [Step("S2-Read"), Step("S2Resampling"), Step("Land-Sea-Mask"), Step("Cloud-Mask"),
                         Step("Subset"), Step("Reproject"), Step("Write")])


def configured_graph(*, bands=DEFAULT_BANDS, resolution=10.0, projection="UTM", aoi=None, upsampling="Nearest",
                     downsampling="First", flagdownsampling="First", cloudmask="None", landseamask="None",
                     dem=None, output_format="GeoTIFF", quicklook=False) -> Graph:
    """The default graph with the service's parameters filled in."""
    graph = default_graph()
    graph.set("S2-Read", bands=",".join(bands) if not isinstance(bands, str) else bands)
    graph.set("S2Resampling", resolution=resolution, upsampling=upsampling, downsampling=downsampling,
              flagdownsampling=flagdownsampling)
    graph.set("Land-Sea-Mask", landseamask=landseamask, dem=str(dem) if dem else None)
    graph.set("Cloud-Mask", cloudmask=cloudmask)
    graph.set("Subset", aoi=None if aoi is None else str(aoi))
    graph.set("Reproject", projection=projection)
    graph.set("Write", output_format=output_format, quicklook=quicklook)
    return graph


def prepare(input, *, bands=DEFAULT_BANDS, resolution=10.0, projection="UTM", aoi=None, upsampling="Bilinear",
            downsampling="First", flagdownsampling="First", cloudmask="L2A", landseamask="None",
            dem=None) -> xr.Dataset:
    """Lazily pre-process a product into a Dataset: reflectance (band, y, x), scl (L2A), valid, cloud."""
    graph = configured_graph(bands=bands, resolution=resolution, projection=projection, aoi=aoi,
                             upsampling=upsampling, downsampling=downsampling, flagdownsampling=flagdownsampling,
                             cloudmask=cloudmask, landseamask=landseamask, dem=dem).without("Write")
    return finalize(graph.run(Context(inputs=[Path(input)])))


def run(input, output_path, *, output_format="GeoTIFF", quicklook=False, **params) -> Path:
    """Pre-process `input` and write the raster (+ STAC Item); returns the written path."""
    graph = configured_graph(output_format=output_format, quicklook=quicklook, **params)
    return graph.run(Context(inputs=[Path(input)], output_path=Path(output_path)))
