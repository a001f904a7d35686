"""S1-CD: change detection from a pair of Sentinel-1 SLC products (seed table 5): pair rules checked on the
metadata, Back-Geocoding with TOPS deramp/reramp, ESD, coherence and calibrated backscatter of both dates
on the reference grid, deburst, multilook, speckle filter, terrain correction onto one map grid, and six
outputs with STAC Items: coherence, backscatter_1, backscatter_2, ACD, MTC and the change mask."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, record, register_service
from ai4c.pipelines.parameters import S1CdParameters

GRAPH = "s1-cd"
STEPS = ("Read", "Back-Geocoding", "Enhanced-Spectral-Diversity", "Cross-Correlation", "Coherence", "Speckle-Filter",
         "Terrain-Correction", "Write")
register_service(GRAPH, S1CdParameters, STEPS)
OUTPUTS = ("coherence", "backscatter_1", "backscatter_2", "ACD", "MTC", "change_mask")
BAND_LINES = 1024  # looked lines speckle-filtered and stored at a time (dask otherwise holds whole layers)


@dataclass
class PairScene:
    """What flows through the S1-CD graph."""

    reference: Any  # SlcProduct
    secondary: Any
    orbits: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # swath: (reference, secondary) StateVectors
    offsets: dict[str, list] = field(default_factory=dict)
    azimuth_shift: float = 0.0
    geometry: Any = None  # GrdProduct of the multilooked reference grid
    layers: dict[str, xr.DataArray] = field(default_factory=dict)
    geocoded: dict[str, xr.DataArray] = field(default_factory=dict)
    heights: Any = None
    facts: dict[str, Any] = field(default_factory=dict)  # what the run found, for the STAC Items


def _open(path: Path, role: str, polarization: str, swaths: Any):
    """One SLC of the pair; a GRD (or other) product is refused naming the input."""
    from ai4c.pipelines.s1_slc import parse_list
    from ai4c.products.sentinel1_slc import open_slc

    try:
        return open_slc(path, polarization, parse_list(swaths))
    except InvalidProductError as err:
        if "not SLC" in str(err):
            raise InvalidProductError(f"{role}: {err.args[0].split(';')[0]}; S1-CD needs two SLC products") from err
        raise


@operator(GRAPH, "Read", ("polarization", "swaths", "orbit1", "orbit2", "time_tolerance"), aliases=("Read-S1-Pair",))
def read_pair(data: Any, ctx: Context, p: S1CdParameters) -> PairScene:
    """Open both SLC products and check the pair rules on their metadata, before any pixel is read."""
    from ai4c.products.sentinel1_pair import check_pair
    from ai4c.products.sentinel1_slc import stripmap_as_burst

    if len(ctx.inputs) != 2:
        raise InvalidParameterError("S1-CD needs two inputs; give --input1 PATH --input2 PATH")
    reference = _open(ctx.inputs[0], "input1", p.polarization, p.swaths)
    secondary = _open(ctx.inputs[1], "input2", p.polarization, p.swaths)
    interval = check_pair(reference, secondary, p.time_tolerance)
    if not reference.is_tops:  # stripmap: one 'burst' of all lines, coregistered by cross-correlation
        for product in (reference, secondary):
            product.swaths = {name: stripmap_as_burst(swath) for name, swath in product.swaths.items()}
    scene = PairScene(reference, secondary)
    for name in reference.swaths:
        scene.orbits[name] = (_orbit(reference.swaths[name], p.orbit1), _orbit(secondary.swaths[name], p.orbit2))
    scene.facts.update(product=reference.name, secondary=secondary.name, polarization=reference.polarization,
                       swaths=list(reference.swaths), days_apart=round(interval.days, 4),
                       orbits=[o.source for o in next(iter(scene.orbits.values()))])
    return scene


def _orbit(swath, orbit: str):
    """The swath's annotation vectors (`auto`) or those of an EOF file / folder covering it."""
    from ai4c.products.eof import find_orbit

    if str(orbit).lower() in ("auto", "annotation", "none", ""):
        return swath.orbit.restrict(swath.first_line_time, swath.last_line_time)
    return find_orbit(orbit, swath.epoch, swath.first_line_time, swath.last_line_time, swath.mission)


@operator(GRAPH, "Back-Geocoding", ("dem", "dem_geoid"))
def back_geocoding(scene: PairScene, ctx: Context, p: S1CdParameters) -> PairScene:
    """Geometric offsets of every reference burst into the secondary, from both orbits and the DEM."""
    from ai4c.pipelines.s1_grd import heights_for
    from ai4c.pipelines.s1_slc import looked_geometry
    from ai4c.sar.coregistration import geometric_offsets
    from ai4c.sar.deburst import plan_deburst

    plan = plan_deburst(list(scene.reference.swaths.values()))
    scene.geometry = looked_geometry(scene.reference, plan, (1, 1), (1, 1))
    scene.heights = heights_for(p.dem, p.dem_geoid, scene.geometry, ctx, p.aoi)
    for name, ref in scene.reference.swaths.items():
        g = ref.geolocation
        ref_orbit, sec_orbit = scene.orbits[name]
        scene.offsets[name] = geometric_offsets(ref, scene.secondary.swaths[name], ref_orbit, sec_orbit,
                                                (g.line, g.pixel, g.latitude, g.longitude), scene.heights)
    return scene


@operator(GRAPH, "Enhanced-Spectral-Diversity", ("esd_iterations",))
def esd(scene: PairScene, ctx: Context, p: S1CdParameters) -> PairScene:
    """Azimuth refinement from the burst overlaps of all sub-swaths (one shift for the pair)."""
    from concurrent.futures import ThreadPoolExecutor

    from ai4c.core.parallel import usable_cores
    from ai4c.products.sentinel1_slc import LineReader, read_complex
    from ai4c.sar.coregistration import esd_shift_lines
    from ai4c.sar.interferogram import esd_measurements, platform_speed

    if not scene.reference.is_tops:
        return scene  # stripmap: no bursts to overlap; Cross-Correlation refines instead
    pairs = {name: (ref, scene.secondary.swaths[name]) for name, ref in scene.reference.swaths.items()}
    for ref, sec in pairs.values():
        read_complex(ref), read_complex(sec)  # checks both measurements before any block is read
    data = {name: (LineReader(ref), LineReader(sec)) for name, (ref, sec) in pairs.items()}
    with ThreadPoolExecutor(usable_cores(), thread_name_prefix="ai4c-esd") as pool:
        for _ in range(p.esd_iterations):
            measured = [esd_measurements(ref, sec, *data[name], scene.offsets[name], platform_speed(ref),
                                         scene.azimuth_shift, pool.map) for name, (ref, sec) in pairs.items()]
            phases, weights, dopplers = (np.concatenate([m[k] for m in measured]) for k in range(3))
            if not phases.size:
                ctx.warnings.append("no burst overlap to estimate ESD from: geometric coregistration only")
                break
            scene.azimuth_shift += esd_shift_lines(phases, weights, dopplers,
                                                   next(iter(scene.reference.swaths.values())).azimuth_time_interval)
    scene.facts["esd_azimuth_shift_lines"] = round(scene.azimuth_shift, 5)
    return scene


@operator(GRAPH, "Cross-Correlation", ("xcorr_window", "xcorr_patches", "xcorr_iterations"))
def cross_correlation(scene: PairScene, ctx: Context, p: S1CdParameters) -> PairScene:
    """Stripmap pairs (SNAP's Cross-Correlation + Warp): sub-pixel shifts of coherent patches between the
    reference and the geometrically resampled secondary, a plane fitted to them moves the offsets; TOPS
    pairs are refined by ESD instead."""
    if scene.reference.is_tops:
        return scene
    from ai4c.products.sentinel1_slc import read_complex
    from ai4c.sar.crosscorrelation import fit_plane, patch_origins, patch_shift
    from ai4c.sar.deburst import valid_lines, valid_samples
    from ai4c.sar.interferogram import coregistered_patch, platform_speed

    margin = 16  # keeps the secondary's interpolation kernel inside its image
    for name, ref in scene.reference.swaths.items():
        sec = scene.secondary.swaths[name]
        ref_data, sec_data = read_complex(ref).data, read_complex(sec).data
        for offsets in scene.offsets[name]:
            (l0, l1), (s0, s1) = valid_lines(ref.bursts[offsets.reference]), valid_samples(ref.bursts[offsets.reference])
            origins = patch_origins(l0 + margin, l1 - margin, s0 + margin, s1 - margin, p.xcorr_window,
                                    p.xcorr_patches)
            for _ in range(p.xcorr_iterations if origins else 0):
                found = [patch_shift(*coregistered_patch(ref, sec, ref_data, sec_data, offsets, origin, p.xcorr_window,
                                                         platform_speed(ref))) for origin in origins]
                centres = np.array(origins, float) + 0.5 * (p.xcorr_window - 1)
                shifts = np.array([f[0] for f in found])
                weights = np.array([f[1] for f in found]) ** 2
                warp = [fit_plane(centres[:, 0], centres[:, 1], shifts[:, k], weights) for k in (0, 1)]
                grid = (offsets.node_lines[:, None], offsets.node_samples[None, :])
                offsets.line = offsets.line - (warp[0][0] + warp[0][1] * grid[0] + warp[0][2] * grid[1])
                offsets.sample = offsets.sample - (warp[1][0] + warp[1][1] * grid[0] + warp[1][2] * grid[1])
            scene.facts["cross_correlation_patches"] = len(origins)
    return scene


@operator(GRAPH, "Coherence", ("window_azimuth", "window_range", "bias_reduced", "calibration", "thermal_noise"))
def coherence_step(scene: PairScene, ctx: Context, p: S1CdParameters) -> PairScene:
    """Coherence (flat-earth/topographic phase removed) and calibrated backscatter of both dates on the reference
    grid: per-swath products, deburst, 10 x 3 coherence window, multilook to square pixels."""
    from ai4c.pipelines.s1_cd_tiles import store_looked_layers
    from ai4c.pipelines.s1_slc import looked_geometry

    job = radar_tiles(scene, p)
    stored = store_looked_layers(job, "S1-CD coregistration and coherence")
    scene.layers = {name: stored.isel(layer=k) for k, name in enumerate(("coherence", "backscatter_1",
                                                                         "backscatter_2"))}
    grid = job.grid
    geometry = looked_geometry(scene.reference, job.plan, grid.looks, grid.step, _reference_orbit(scene, job.plan.epoch))
    scene.geometry = dataclasses.replace(geometry, lines=grid.shape[0], samples=grid.shape[1])
    scene.facts["looks"] = f"{grid.looks[0]}x{grid.looks[1]}"
    return scene


def radar_tiles(scene: PairScene, p: S1CdParameters):
    """The tiled radar stage of a coregistered pair: deburst plan of the area both dates cover, the looked
    grid (square ground pixels, half-window steps), calibration and coherence settings."""
    from ai4c.pipelines.s1_cd_tiles import RadarTiles
    from ai4c.sar.boxcar import cuda_device
    from ai4c.sar.coherence import LookedGrid, independent_samples
    from ai4c.sar.deburst import plan_deburst
    from ai4c.sar.interferogram import common_valid_area
    from ai4c.sar.multilook import half_steps, square_pixel_looks

    common = [common_valid_area(ref, scene.secondary.swaths[name], scene.offsets[name], scene.azimuth_shift)
              for name, ref in scene.reference.swaths.items()]
    plan = plan_deburst(common, min(s.epoch for s in scene.reference.swaths.values()))
    swaths = list(scene.reference.swaths.values())
    mid = swaths[len(swaths) // 2]
    looks = square_pixel_looks(mid.azimuth_pixel_spacing, mid.slant_spacing, mid.incidence_mid)
    window = (p.window_azimuth, p.window_range)
    return RadarTiles(scene.reference.swaths, scene.secondary.swaths,
                      {name: {o.reference: o for o in offsets} for name, offsets in scene.offsets.items()},
                      scene.azimuth_shift, plan, LookedGrid(plan.lines, plan.samples, window, looks, half_steps(looks)),
                      p.calibration, p.thermal_noise, independent_samples(window, p.bias_reduced), cuda_device())


def _reference_orbit(scene: PairScene, epoch: np.datetime64):
    """The reference orbit used by Back-Geocoding (annotation or --orbit1 EOF) of the first swath, on `epoch`:
    terrain correction geocodes with the same vectors."""
    from ai4c.products.sentinel1 import OrbitVectors, seconds_since

    orbit = next(iter(scene.orbits.values()))[0]
    shift = float(seconds_since(orbit.epoch, epoch))
    return OrbitVectors(epoch, orbit.time + shift, orbit.position, orbit.velocity, orbit.source)


@operator(GRAPH, "Speckle-Filter", ("speckle",))
def speckle_pair(scene: PairScene, ctx: Context, p: S1CdParameters) -> PairScene:
    """The S1-GRD-preprocess speckle filter on both backscatter layers (coherence is already an average)."""
    from ai4c.sar.speckle import speckle_filter

    for key in ("backscatter_1", "backscatter_2"):
        scene.layers[key] = speckle_filter(scene.layers[key].chunk(1024), p.speckle)
    return scene


@operator(GRAPH, "Terrain-Correction", ("projection", "resolution", "landseamask", "block", "aoi"))
def terrain_correction_pair(scene: PairScene, ctx: Context, p: S1CdParameters) -> PairScene:
    """All layers computed once (one pass over both products) and geocoded onto one grid; land/sea mask."""
    from ai4c.pipelines.s1_grd import S1Scene, land_sea_mask, materialise, output_grid
    from ai4c.sar.geocoding import terrain_correct
    from ai4c.sar.rangedoppler import RadarGeometry

    names = list(scene.layers)
    stack = xr.concat([scene.layers[k].astype(np.float32) for k in names], dim="layer").chunk(
        {"layer": len(names), "line": 1024, "pixel": 1024})
    stored = materialise(stack, "S1-CD speckle filter", BAND_LINES)  # a band of lines at a time: bounded memory
    grid = output_grid(scene.geometry, p.projection, p.resolution, p.aoi)
    geom = RadarGeometry.from_product(scene.geometry)
    geocoded = terrain_correct(stored, geom, grid, scene.heights, p.block)  # one geometry, three layers
    for k, name in enumerate(names):
        holder = S1Scene(scene.geometry, scene.geometry.orbit, None, geocoded=geocoded[k], heights=scene.heights)
        scene.geocoded[name] = land_sea_mask(holder, ctx, p).geocoded
    scene.facts["grid"] = {"crs": grid.crs.to_string(), "width": grid.width, "height": grid.height,
                            "resolution": grid.resolution}
    return scene


def _limits(b1, b2) -> tuple[float, float]:
    """The ACD/MTC stretch: 2.5 and 97.5 percentiles of both dates' dB values, from per-block histograms."""
    import dask

    from ai4c.sar.change import db_histogram, histogram_percentiles

    blocks = [dask.delayed(db_histogram)(b1.blocks[i, j], b2.blocks[i, j])
              for i in range(b1.numblocks[0]) for j in range(b1.numblocks[1])]
    return histogram_percentiles(sum(dask.compute(*blocks)))


def _products(stored: xr.DataArray, p: S1CdParameters) -> dict[str, tuple[Any, list[str], float, str | None]]:
    """The six outputs as lazy (band, y, x) dask arrays over the stored geocoded layers (computed strip by strip
    when written): array, band names, no-data value, units."""
    import dask.array as da

    from ai4c.sar.change import NO_DATA, acd, change_mask, mtc

    gamma, b1, b2 = (stored.data[k] for k in range(3))
    limits = _limits(b1, b2)
    rgb = {"new_axis": 0, "chunks": ((3,),) + b1.chunks, "dtype": np.uint8}
    return {"coherence": (gamma[None], ["coherence"], float("nan"), "1"),
            "backscatter_1": (b1[None], [f"{p.calibration}_1"], float("nan"), "1"),
            "backscatter_2": (b2[None], [f"{p.calibration}_2"], float("nan"), "1"),
            "ACD": (da.map_blocks(acd, b1, b2, limits, **rgb), ["red", "green", "blue"], 0, None),
            "MTC": (da.map_blocks(mtc, b1, b2, gamma, limits, **rgb), ["red", "green", "blue"], 0, None),
            "change_mask": (da.map_blocks(change_mask, b1, b2, gamma, p.ratio_db, p.coherence_max,
                                          dtype=np.uint8)[None], ["change"], NO_DATA, None)}


@operator(GRAPH, "Write", ("output_format", "ratio_db", "coherence_max"), aliases=("Write-S1-CD",))
def write_cd(scene: PairScene, ctx: Context, p: S1CdParameters) -> Path:
    """Compute the geocoded layers once into a temporary store, derive ACD, MTC and the change mask block by
    block, write the six outputs atomically (strip by strip: memory bounded by the blocks), each with its
    STAC Item."""
    from ai4c.core.io import extension_for, write_raster
    from ai4c.core.stac import write_item
    from ai4c.pipelines.s1_grd import materialise

    folder = Path(ctx.output_path)
    folder.mkdir(parents=True, exist_ok=True)  # `ai4c graph run` gives the folder as it is
    ext = extension_for(p.output_format)
    like = scene.geocoded["coherence"]
    stack = xr.concat([scene.geocoded[k].astype(np.float32) for k in ("coherence", "backscatter_1", "backscatter_2")],
                      dim="layer").chunk({"layer": 3, "y": p.block, "x": p.block})
    stored = materialise(stack, "S1-CD", p.block)  # one row of output blocks at a time: bounded memory
    start = scene.reference.start.astype("datetime64[us]").item().replace(tzinfo=dt.UTC)
    for name, (array, bands, nodata, units) in _products(stored, p).items():
        out = xr.DataArray(array, dims=("band", "y", "x"), coords={"band": bands, "y": like.y, "x": like.x})
        out = out.rio.write_crs(like.rio.crs).rio.write_transform(like.rio.transform())
        if units:
            out.attrs["units"] = units
        path = folder / f"{name}{ext}"
        write_raster(out, path, p.output_format, nodata=nodata)
        write_item(path, raster=out, inputs=[str(i) for i in ctx.inputs], parameters={**record(p), **scene.facts},
                   warnings=ctx.warnings, datetime=start,
                   properties={"sar:polarizations": [scene.reference.polarization]})
    return folder


def run(input1: Path | str, input2: Path | str, output_path: Path | str, params: S1CdParameters | None = None,
        **values: Any) -> Path:
    """Detect changes between two SLC acquisitions (`params`, or keyword values of S1CdParameters); returns the
    output folder (six rasters + STAC Items). A folder this run created is removed again when it fails."""
    import shutil

    import rasterio

    from ai4c.core.io import normalise_format
    from ai4c.pipelines.s1_grd import GDAL_CACHE_MB

    params = parameters_of(GRAPH, values) if params is None else params
    normalise_format(params.output_format)
    folder = Path(output_path)
    existing = [n for n in OUTPUTS if any(folder.glob(f"{n}.*"))] if folder.is_dir() else []
    if existing:
        raise InvalidParameterError(f"{folder} already holds {', '.join(existing)}; choose an empty --output_path")
    ctx = Context(inputs=[Path(input1), Path(input2)], output_path=folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_NUM_THREADS="ALL_CPUS"):  # outputs compressed on all cores
            return default_graph(GRAPH).run(ctx, parameters=params)
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
