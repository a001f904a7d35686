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
from typing import TYPE_CHECKING, Any

import numpy as np
from pyproj import CRS

from ai4c.core import log
from ai4c.core.errors import AoIError, InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, register_service
from ai4c.core.grid import Grid, aligned_grid, intersect_bounds, pixel_size, resolve_crs
from ai4c.pipelines.parameters import S2PreParameters

GRAPH = "s2-pre"
STEPS = ("Read", "S2Resampling", "Land-Sea-Mask", "Cloud-Mask", "Subset", "Reproject", "Write")
register_service(GRAPH, S2PreParameters, STEPS)

if TYPE_CHECKING:
    import xarray as xr


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
    params: dict[str, Any] = field(default_factory=dict)   # what the steps chose, recorded in the output
    flagdownsampling: str = "First"                        # how S2Resampling aggregated flags (L1C cloud mask)
    resolution: float | None = None                         # metres, kept by Reproject


# ------------------------------------------------------------------------------------------ operators

@operator(GRAPH, "Read", ("bands", "sen2cor"), aliases=("S2-Read",))
def read_op(data, ctx: Context, p: S2PreParameters) -> S2State:
    """Open the L1C/L2A product (zip or folder); L1C goes through sen2cor's L2A_Process when installed."""
    from ai4c.products.sentinel2 import open_sentinel2

    if not ctx.inputs:
        raise InputNotFoundError("no input product; give --input PATH")
    names = band_names(p.bands)
    product = open_sentinel2(ctx.inputs[0])
    if product.metadata.level == "L1C" and p.sen2cor:
        product = _sen2cor(product, ctx)
    for name in names:
        product.band_member(name)  # fail early on a missing band or file
    first = product.dn(names[0])
    native = Grid(CRS.from_user_input(first.rio.crs or product.metadata.crs), first.rio.transform(recalc=True),
                  first.sizes["x"], first.sizes["y"])
    return S2State(product, native, names)


@operator(GRAPH, "S2Resampling", ("resolution", "upsampling", "downsampling", "flagdownsampling"))
def resample_op(state: S2State, ctx: Context, p: S2PreParameters) -> S2State:
    """Resample every band from its native resolution to `resolution` metres (SNAP S2Resampling rules)."""
    import xarray as xr

    from ai4c.optical.resample import resample, resample_like

    up, down, flag, resolution = p.upsampling, p.downsampling, p.flagdownsampling, p.resolution
    size = pixel_size(resolution, state.grid.crs)
    grid = aligned_grid(state.grid.bounds, state.grid.crs, size)
    layers = [resample_like(state.product.reflectance(b), grid, up, down).rename(b) for b in state.bands]
    state.reflectance = xr.concat(layers, dim="band").assign_coords(band=state.bands)
    if state.product.metadata.level == "L2A" and "SCL" in state.product.metadata.image_files:
        state.scl = resample(state.product.scl(), grid, flag, flag=True, nodata=0).rename("scl")
    state.grid = grid
    state.params.update(resolution=float(resolution), flagdownsampling=flag)
    state.flagdownsampling, state.resolution = flag, float(resolution)
    return state


@operator(GRAPH, "Land-Sea-Mask", ("landseamask", "dem"))
def landsea_op(state: S2State, ctx: Context, p: S2PreParameters) -> S2State:
    """Set land or sea to no data from a DEM (elevation 0 or void is sea, SNAP's SRTM 3Sec rule)."""
    from ai4c.dem.landsea import check_landsea, land_mask, removed_by
    from ai4c.dem.source import dem_on_grid, open_dem

    choice = check_landsea(p.landseamask, p.dem)
    if choice != "None":
        land = land_mask(dem_on_grid(open_dem(p.dem), state.grid, "nearest"))
        state.removed = removed_by(choice, land)
    return state


@operator(GRAPH, "Cloud-Mask", ("cloudmask",))
def cloud_op(state: S2State, ctx: Context, p: S2PreParameters) -> S2State:
    """Flag clouds: L2A = SCL 3, 8, 9, 10; L1C = MSK_CLASSI opaque + cirrus (GML polygons before 04.00)."""
    from ai4c.pipelines.s2_pre_io import l1c_cloud, l2a_cloud

    choice = p.cloudmask
    if choice == "L2A" and state.scl is None:
        _warn(ctx, f"{state.product.name} is {state.product.metadata.level} without a scene classification: "
                 "using its L1C cloud mask (MSK_CLASSI / MSK_CLOUDS) instead of SCL")
        choice = "L1C"
    if choice == "L2A":
        state.cloud = l2a_cloud(state.scl)
    elif choice == "L1C":
        state.cloud = l1c_cloud(state.product, state.grid, state.flagdownsampling)
    return state


@operator(GRAPH, "Subset", ("aoi",))
def subset_op(state: S2State, ctx: Context, p: S2PreParameters) -> S2State:
    """Crop to the AoI's envelope (aligned pixels); the polygon itself is applied at the end."""
    from ai4c.core.aoi import parse_aoi

    state.aoi = parse_aoi(p.aoi)
    if state.aoi is None:
        return state
    _slice_to(state, crop_to_aoi(state.product, state.aoi, state.grid))
    return state


@operator(GRAPH, "Reproject", ("projection", "resampling"))
def reproject_op(state: S2State, ctx: Context, p: S2PreParameters) -> S2State:
    """Reproject onto `projection` (UTM = the tile's own zone, WGS84, EPSG:n, PROJ/WKT), aligned pixels."""
    import xarray as xr

    from ai4c.core.warp import reproject_to_grid

    method = p.resampling
    crs = resolve_crs(p.projection, native=state.grid.crs)
    if crs == state.grid.crs:
        return state
    from rasterio.warp import transform_bounds

    bounds = transform_bounds(state.grid.crs, crs, *state.grid.bounds, densify_pts=21)
    if state.aoi is not None:
        bounds = intersect_bounds(bounds, state.aoi.bounds_in(crs)) or bounds
    metres = state.resolution or abs(state.grid.resolution)
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


@operator(GRAPH, "Write", ("output_format", "quicklook"))
def write_op(state: S2State, ctx: Context, p: S2PreParameters) -> Path:
    """Apply the masks and write the reflectance raster, its STAC Item and optionally a PNG quick-look."""
    from ai4c.pipelines.s2_pre_io import write_outputs

    return write_outputs(finalize(state), state, ctx, p.output_format, p.quicklook)


# ------------------------------------------------------------------------------------------ helpers

def _warn(ctx: Context, message: str) -> None:
    """Warn the user and keep the message for the STAC Item."""
    log.warn(message)
    ctx.warnings.append(message)


def band_names(bands: str) -> list[str]:
    """The canonical names of `--bands` (B02 -> B2); none at all is an error."""
    from ai4c.products.sentinel2 import normalise_band

    names = [normalise_band(b) for b in bands.split(",") if b.strip()]
    if not names:
        raise InvalidParameterError("no band selected; give e.g. --bands B2,B3,B4,B8")
    return names


def crop_to_aoi(product, aoi, grid: Grid) -> Grid:
    """The sub-grid of `grid` (aligned pixels) covering the AoI's envelope; an AoI off the product is an error."""
    _check_overlap(product, aoi, grid)
    box = intersect_bounds(grid.bounds, aoi.bounds_in(grid.crs))
    if box is None:
        raise AoIError("the AoI does not overlap the product; give an AoI inside the tile")
    crop = aligned_grid(box, grid.crs, grid.resolution)
    return aligned_grid(intersect_bounds(crop.bounds, grid.bounds) or crop.bounds, grid.crs, grid.resolution)


def _check_overlap(product, aoi, grid: Grid) -> None:
    """An AoI that misses the product footprint (or the tile when there is none) is an error."""
    from shapely.geometry import box

    footprint = product.metadata.footprint
    if footprint is not None and not footprint.is_empty:
        hits = aoi.to_crs("EPSG:4326").intersects(footprint)
    else:
        hits = aoi.to_crs(grid.crs).intersects(box(*grid.bounds))
    if not hits:
        west, south, east, north = aoi.bounds_in("EPSG:4326")
        raise AoIError(f"the AoI ({west:.4f}, {south:.4f}, {east:.4f}, {north:.4f} lon/lat) misses the footprint of "
                       f"{product.name}; give an AoI that overlaps tile {product.metadata.tile}")


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
    import xarray as xr

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
    log.LOGGER.info(f"sen2cor {exe} made {produced[0].name}")
    return open_sentinel2(produced[0])


# ------------------------------------------------------------------------------------------ graph, API

def prepare(input, params: S2PreParameters | None = None, **values) -> xr.Dataset:
    """Lazily pre-process a product into a Dataset: reflectance (band, y, x), scl (L2A), valid, cloud
    (`params`, or keyword values of S2PreParameters: the same defaults as the command)."""
    params = _parameters(params, values)
    graph = default_graph(GRAPH).without("Write")
    return finalize(graph.run(Context(inputs=[Path(input)]), parameters=params))


def run(input, output_path, params: S2PreParameters | None = None, **values) -> Path:
    """Pre-process `input` and write the raster (+ STAC Item); returns the written path. Run locally, the
    cases of pipelines.s2_pre_local skip dask; the graph (the same pixels) does the rest."""
    from ai4c.core.outputs import means_folder, output_folder
    from ai4c.core.parallel import local_run

    params = _parameters(params, values)
    if means_folder(output_path):      # `out/` or an existing folder: the file is named after the product
        output_folder(output_path)
    if local_run():                    # no dask cluster: the common cases take the threaded one-pass path
        from ai4c.pipelines.s2_pre_local import run_local

        written = run_local(Path(input), Path(output_path), params)
        if written is not None:
            return written
    return default_graph(GRAPH).run(Context(inputs=[Path(input)], output_path=Path(output_path)), parameters=params)


def _parameters(params: S2PreParameters | None, values: dict[str, Any]) -> S2PreParameters:
    """The parameter object from keyword values (bands may be a list)."""
    if params is not None:
        return params
    if not isinstance(values.get("bands", ""), str):
        values["bands"] = ",".join(values["bands"])
    for key in ("aoi", "dem"):
        if values.get(key) is not None:
            values[key] = str(values[key])
    return parameters_of(GRAPH, values)
