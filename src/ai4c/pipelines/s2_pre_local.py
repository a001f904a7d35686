"""S2-preprocess on this machine without dask or xarray: the common case (an L2A product kept in its own UTM
zone, optional AoI and SCL cloud mask, GeoTIFF output) read, resampled, masked and written in one pass.

The output is cut into full-width strips holding whole JPEG2000 tiles of the band files; a thread pool sized to
the cores decodes every file's window of a strip in parallel (GDAL releases the GIL) while the main thread masks
and writes the strip before (GDAL compresses it in its own threads). Pixels go through the same functions as the
dask graph's (products.sentinel2.to_reflectance, optical.resample, optical.masks), so both write the same
raster (tests/pipelines/test_s2_pre_local.py). Everything else (L1C, land/sea mask, reprojection, other formats,
--scheduler) runs the graph of pipelines.s2_pre.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ai4c.core.grid import Grid, aligned_grid, pixel_size, resolve_crs
from ai4c.core.parallel import usable_cores
from ai4c.pipelines.parameters import S2PreParameters

MAX_STRIP_ROWS = 2048  # target rows per strip at most (~90 MB a band at 10 m on a full tile)
AHEAD = 2  # strips decoded while the one before is written


@dataclass(frozen=True)
class Source:
    """One file read for the output: the open file, its grid, and how it comes onto the target grid."""

    raster: Any  # core.lazyraster.SharedRaster
    grid: Grid
    method: str
    flag: bool = False  # a class layer (SCL): kept as read, resampled with the flag rules
    offset: float = 0.0
    quantification: float = 1.0
    nodata: int = 0  # the DN of no data

    @property
    def tile_rows(self) -> int:
        """Rows of one JPEG2000 tile (GDAL block) of the file."""
        return int(self.raster.block_shape[0])


def covers(p: S2PreParameters) -> bool:
    """Whether the parameters are a case this path handles; the rest goes through the dask graph."""
    from ai4c.core.formats import normalise_format

    return (p.landseamask == "None" and p.cloudmask in ("None", "L2A")
            and normalise_format(p.output_format) == "GTiff")


@dataclass(frozen=True)
class Plan:
    """What one product's pass reads: the band names, the target grid (aligned, cropped to the AoI), the files
    brought onto it (the bands, then the SCL when masking clouds) and the AoI polygon in the grid's CRS."""

    names: list[str]
    grid: Grid
    sources: list[Source]
    polygon: Any


def run_local(input: Path, output_path: Path, p: S2PreParameters) -> Path | None:
    """Pre-process `input` into `output_path` (+ STAC Item, quick-look) in one threaded pass; None when the
    product or the parameters need the graph."""
    from ai4c.products.sentinel2 import open_sentinel2

    if not covers(p):
        return None
    product = open_sentinel2(input)
    files: list = []
    try:
        with decoding_pool() as pool:
            plan = plan_product(product, p, pool, files)
            return None if plan is None else _write_outputs(input, output_path, product, plan, p, pool)
    finally:  # after the pool has finished every read
        for file in files:
            file.close()


def decoding_pool() -> ThreadPoolExecutor:
    """One thread per core, each decoding JPEG2000 on itself (one_decoding_thread)."""
    return ThreadPoolExecutor(max_workers=usable_cores(), thread_name_prefix="ai4c-s2", initializer=one_decoding_thread)


def plan_product(product, p: S2PreParameters, pool: ThreadPoolExecutor, files: list) -> Plan | None:
    """Open the product's files in parallel (appended to `files`: the caller closes them once the pool has
    finished) and plan its pass; None when the product or the parameters need the graph."""
    from ai4c.pipelines.s2_pre import band_names

    names = band_names(p.bands)
    meta = product.metadata
    if meta.level != "L2A" or (p.cloudmask == "L2A" and "SCL" not in meta.image_files):
        return None
    members = [product.band_member(name) for name in names] + (
        [product.band_member("SCL")] if p.cloudmask == "L2A" else [])
    opened = list(pool.map(_open, [product.source.gdal_path(m) for m in members]))  # headers in parallel
    files += opened
    return _plan_open(product, names, opened, p)


def one_decoding_thread() -> None:
    """Make the calling pool thread decode JPEG2000 on itself (GDAL_NUM_THREADS=1, a thread-local GDAL option;
    the main thread and GDAL's GeoTIFF compression threads keep theirs): the pool already gives every core a
    file of its own, and GDAL's decoding threads nested under each of its threads only wait on one another when
    the cores are busy (2745² at 10 m under load: 7.6-8.1 s instead of 10.3-10.6 s, the same CPU)."""
    from rasterio._env import set_gdal_config

    set_gdal_config("GDAL_NUM_THREADS", "1")  # off the main thread rasterio sets it with CPLSetThreadLocalConfigOption


def _open(path: str):
    from ai4c.core.lazyraster import SharedRaster

    return SharedRaster(path)


def _plan_open(product, names: list[str], files: list, p: S2PreParameters) -> Plan | None:
    """The target grid (aligned, cropped to the AoI) and the sources, once the files are open."""
    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.s2_pre import crop_to_aoi

    crs = files[0].crs or product.metadata.crs
    if crs is None or resolve_crs(p.projection, native=crs) != crs:
        return None
    native = _grid_of(files[0], crs)
    grid = aligned_grid(native.bounds, crs, pixel_size(p.resolution, crs))
    aoi = parse_aoi(p.aoi)
    polygon = None
    if aoi is not None:
        grid = crop_to_aoi(product, aoi, grid)
        polygon = aoi.to_crs(grid.crs)
    sources = [_band_source(product.metadata, name, file, grid, p) for name, file in zip(names, files, strict=False)]
    if p.cloudmask == "L2A":
        sources.append(Source(files[-1], _grid_of(files[-1], crs), p.flagdownsampling, flag=True))
    return Plan(names, grid, sources, polygon)


def _grid_of(file, crs) -> Grid:
    return Grid(crs, file.transform, file.width, file.height)


def _band_source(meta, name: str, file, grid: Grid, p: S2PreParameters) -> Source:
    """A reflectance band: upsampling method when the target is finer than the file, downsampling otherwise."""
    native = _grid_of(file, grid.crs)
    finer = abs(grid.transform.a) < abs(native.transform.a) - 1e-9
    return Source(file, native, p.upsampling if finer else p.downsampling, offset=meta.offsets.get(name, 0.0),
                  quantification=meta.quantification, nodata=meta.nodata)


# ------------------------------------------------------------------------------------------ strips

def strip_bounds(grid: Grid, sources: list[Source]) -> list[tuple[int, int]]:
    """Row ranges of the target grid, each holding whole tiles of every file when that stays under
    MAX_STRIP_ROWS (each tile decoded once), else whole tiles of the reflectance bands."""
    def rows_of(source: Source) -> int:
        return max(1, round(source.tile_rows * abs(source.grid.transform.e / grid.transform.e)))

    bands = math.lcm(*(rows_of(s) for s in sources if not s.flag))
    every = math.lcm(bands, *(rows_of(s) for s in sources))
    rows = every if every <= MAX_STRIP_ROWS else bands if bands <= MAX_STRIP_ROWS else MAX_STRIP_ROWS
    first = sources[0].grid.transform
    shift = round((grid.transform.f - first.f) / grid.transform.e) % rows  # target rows above the first tile edge
    edges = sorted({0, grid.height, *range((rows - shift) % rows or rows, grid.height, rows)})
    return list(zip(edges[:-1], edges[1:], strict=True))


def _strip_grid(grid: Grid, rows: tuple[int, int]) -> Grid:
    from affine import Affine

    return Grid(grid.crs, grid.transform @ Affine.translation(0, rows[0]), grid.width, rows[1] - rows[0])


def layer_on(source: Source, sub: Grid) -> np.ndarray:
    """One file's pixels on a strip of the target grid: read, reflectance, resampled like the graph does."""
    from ai4c.optical.options import DOWNSAMPLING
    from ai4c.optical.resample import resample_block, window_of
    from ai4c.products.sentinel2 import to_reflectance

    native = source.grid
    margin = 0 if source.flag or source.method in ("Nearest", *DOWNSAMPLING) else 2
    r0, r1, c0, c1 = window_of(native.transform, sub, margin)
    clip = (max(0, r0), min(native.height, r1), max(0, c0), min(native.width, c1))
    fill = 0 if source.flag else np.nan
    if clip[1] <= clip[0] or clip[3] <= clip[2]:
        return np.full((sub.height, sub.width), fill, dtype=source.raster.dtype if source.flag else np.float32)
    dn = source.raster.read((clip[0], clip[1]), (clip[2], clip[3]))
    values = dn if source.flag else to_reflectance(dn, source.offset, source.quantification, source.nodata)
    if _aligned(native, sub, clip):
        return values
    return resample_block(values, clip, sub, src_transform=native.transform, method=source.method,
                           flag=source.flag, nodata=0 if source.flag else None,
                           src_shape=(native.height, native.width))


def _aligned(native: Grid, sub: Grid, clip: tuple[int, int, int, int]) -> bool:
    """Whether the window is the strip itself (same pixel size, same origin): nothing to resample."""
    t, s = native.transform, sub.transform
    corner = t.c + t.a * clip[2], t.f + t.e * clip[0]
    return (math.isclose(t.a, s.a) and math.isclose(t.e, s.e) and math.isclose(corner[0], s.c, abs_tol=1e-6 * abs(s.a))
            and math.isclose(corner[1], s.f, abs_tol=1e-6 * abs(s.a))
            and (clip[1] - clip[0], clip[3] - clip[2]) == (sub.height, sub.width))


def masked_strip(layers: list[np.ndarray], scl: np.ndarray | None, polygon: Any, sub: Grid) -> np.ndarray:
    """(band, y, x) reflectance, NaN where a band has no data, outside the AoI polygon or under a cloud."""
    nan_where_dropped = _dropped(layers, scl, polygon, sub)
    out = np.empty((len(layers), sub.height, sub.width), np.float32)
    for index, layer in enumerate(layers):
        np.add(layer, nan_where_dropped, out=out[index])
    return out


def masked_layers(layers: list[np.ndarray], scl: np.ndarray | None, polygon: Any, sub: Grid) -> list[np.ndarray]:
    """The layers (the strip's own float32 arrays) masked in place as masked_strip does, not stacked: no
    full-strip copy for a caller that keeps the bands apart (S2-CD)."""
    nan_where_dropped = _dropped(layers, scl, polygon, sub)
    for layer in layers:
        np.add(layer, nan_where_dropped, out=layer)
    return layers


def _dropped(layers: list[np.ndarray], scl: np.ndarray | None, polygon: Any, sub: Grid) -> np.ndarray:
    """float32 NaN where a band has no data, outside the AoI polygon or under a cloud, 0.0 elsewhere.

    Branch-free on purpose (a lookup table for the cloud classes, a 0-or-NaN array added to every band):
    np.isin and masked assignment take 4-10x longer on a full-width strip."""
    from ai4c.optical.masks import SCL_CLOUD_CLASSES, burn_polygons

    keep = np.ones((sub.height, sub.width), bool)
    for layer in layers:
        keep &= layer == layer  # not NaN
    if polygon is not None:
        keep &= burn_polygons([polygon], sub)
    if scl is not None:
        cloudy = np.zeros(256, bool)
        cloudy[list(SCL_CLOUD_CLASSES)] = True
        keep &= ~cloudy[scl]
    return ((~keep).astype(np.uint32) * np.uint32(0x7FC00000)).view(np.float32)  # NaN or 0.0


def computed_strips(plan: Plan, pool: ThreadPoolExecutor, bounds: list[tuple[int, int]] | None = None,
                    mask=masked_strip) -> Iterator[tuple[int, Any, np.ndarray | None]]:
    """(first row, masked reflectance (`mask`: masked_strip or masked_layers), SCL or None) of every strip
    (`bounds`, by default strip_bounds) in order, each file's window decoded by the pool AHEAD strips in advance;
    the first strips are submitted at once (decoding starts before the output file is even created)."""
    grid, sources = plan.grid, plan.sources
    n_bands = sum(not s.flag for s in sources)
    ordered = [s for s in sources if not s.flag] + [s for s in sources if s.flag]

    def submit(rows: tuple[int, int]) -> tuple[int, Grid, list[Future]]:
        sub = _strip_grid(grid, rows)
        return rows[0], sub, [pool.submit(layer_on, s, sub) for s in ordered]

    rows_plan = bounds or strip_bounds(grid, sources)
    pending = deque(submit(rows) for rows in rows_plan[:AHEAD + 1])
    return _in_order(pending, rows_plan[AHEAD + 1:], submit, lambda item: _finish(item, n_bands, plan.polygon, mask))


def _in_order(pending: deque, rest: list[tuple[int, int]], submit, finish) -> Iterator[tuple[int, Any, Any]]:
    """Yield the strips in order, submitting one more each time one is done."""
    for rows in rest:
        yield finish(pending.popleft())
        pending.append(submit(rows))
    while pending:
        yield finish(pending.popleft())


def _finish(item: tuple[int, Grid, list[Future]], n_bands: int, polygon: Any, mask) -> tuple[int, Any, Any]:
    row, sub, futures = item
    layers = [f.result() for f in futures]
    scl = layers[n_bands] if len(layers) > n_bands else None
    return row, mask(layers[:n_bands], scl, polygon, sub), scl


# ------------------------------------------------------------------------------------------ outputs

def _write_outputs(input: Path, output_path: Path, product, plan: Plan, p: S2PreParameters,
                   pool: ThreadPoolExecutor) -> Path:
    """The GeoTIFF, its STAC Item and the optional quick-look, as the graph's Write step makes them. The
    Item's footprint is computed while the pool decodes the first strips (the main thread waits for them
    anyway), so that only the writing of the Item follows the raster."""
    from ai4c.core import log
    from ai4c.core.stac import grid_geometry, write_item
    from ai4c.pipelines.s2_pre_io import output_file

    target = output_file(output_path, product.name, p.output_format)
    names, grid = plan.names, plan.grid
    strips = computed_strips(plan, pool)  # decoding starts now
    geometry, bbox, proj = grid_geometry(grid.crs, grid.transform, grid.height, grid.width)
    import pystac  # noqa: F401  # write_item's, imported now for the same reason (~0.1 s)

    with log.collect_warnings() as warnings:
        path, preview = _write_raster(target, grid, strips, len(strip_bounds(grid, plan.sources)), names,
                                      product.name, p.quicklook)
    meta = product.metadata
    fields = {key: value for key, value in proj.items() if value is not None}
    write_item(path, geometry=geometry, bbox=bbox, datetime=meta.datetime, inputs=[str(input)],
               parameters={"resolution": float(p.resolution), "flagdownsampling": p.flagdownsampling, "bands": names},
               warnings=list(warnings), properties={**fields, "ai4c:bands": names, "ai4c:source": meta.as_attrs(),
                                                    "processing:level": "L2A"})
    if preview is not None:
        from ai4c.core.quicklook import write_quicklook
        from ai4c.pipelines.s2_pre_io import quicklook_bands

        rgb = quicklook_bands(names)
        write_quicklook(preview[rgb] if len(rgb) == 3 else preview[0], path.with_suffix(".png"), title=path.name)
    return path


def _write_raster(target: Path, grid: Grid, strips: Iterator[tuple[int, np.ndarray, Any]], total: int, names: list[str],
                  product: str, quicklook: bool) -> tuple[Path, np.ndarray | None]:
    """Stream the `total` strips into a tiled DEFLATE float32 GeoTIFF (atomic), keeping every `step`-th pixel
    for the quick-look (the graph's decimation to 1024 pixels)."""
    import rasterio
    from rasterio.windows import Window

    from ai4c.core.formats import gtiff_profile
    from ai4c.core.outputs import atomic_path
    from ai4c.core.progress import track

    step = max(1, math.ceil(max(grid.height, grid.width) / 1024))
    preview: list[np.ndarray] = []
    profile = gtiff_profile(len(names), grid.height, grid.width, np.float32, grid.crs, grid.transform, float("nan"))
    with atomic_path(target) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for index, name in enumerate(names, start=1):
            dst.set_band_description(index, name)
        dst.units = tuple("1" for _ in names)
        dst.update_tags(product=product)
        for row, strip, _ in track(strips, "S2-preprocess", total=total):
            dst.write(strip, window=Window(0, row, grid.width, strip.shape[1]))
            if quicklook:
                preview.append(strip[:, (-row) % step::step, ::step])
    return target, (np.concatenate(preview, axis=1) if quicklook else None)
