"""S1-GRD-preprocess: SNAP's GRD graph (Read, Apply-Orbit-File, ThermalNoiseRemoval, Remove-GRD-Border-Noise,
Calibration, Speckle-Filter, Terrain-Correction, land/sea mask, dB, Write) as ai4c operators on xarray."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ai4c.core.errors import AoIError, InvalidParameterError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, record, register_service
from ai4c.pipelines.parameters import S1GrdParameters
from ai4c.products.sentinel1 import GrdProduct, OrbitVectors

GRAPH = "s1-grd"
STEPS = ("Read", "Apply-Orbit-File", "ThermalNoiseRemoval", "Remove-GRD-Border-Noise", "Calibration",
         "Speckle-Filter", "Terrain-Correction", "Land-Sea-Mask", "LinearToFromdB", "Write")
register_service(GRAPH, S1GrdParameters, STEPS)
AOI_MARGIN_PX = 400  # terrain displacement (~1.5 km of relief at 30 deg) + speckle halo
GDAL_CACHE_MB = 128  # GDAL block cache: every chunk and DEM window is read once, a big cache only costs memory


@dataclass
class S1Scene:
    """What flows through the graph: the product, its orbit, the radar image and, once geocoded, the map."""

    product: GrdProduct
    orbit: OrbitVectors
    image: xr.DataArray
    geocoded: xr.DataArray | None = None
    heights: Any = None
    db: bool = False
    calibration: str = "Sigma"                               # what Calibration made (names the band)
    grid: dict[str, Any] = field(default_factory=dict)      # the map grid Terrain-Correction chose

    def map_radar(self, step) -> None:
        """Apply a radar-geometry step `step(image, product) -> image` (SLC scenes: to every sub-swath)."""
        self.image = step(self.image, self.product)

    def provenance(self) -> dict[str, Any]:
        """Facts of the run for the STAC Item: product, IPF, orbit source, grid."""
        return {"product": self.product.name, "polarization": self.product.polarization,
                "ipf": self.product.ipf_version, "orbit": self.orbit.source, "grid": self.grid}


def aoi_window(product: GrdProduct, aoi_text: str | None) -> tuple[int, int, int, int] | None:
    """Image window (l0, l1, p0, p1) an AoI needs, from the tie points, with a terrain margin; error when outside."""
    from scipy.interpolate import griddata

    from ai4c.core.aoi import WGS84, parse_aoi

    aoi = parse_aoi(aoi_text)
    if aoi is None:
        return None
    shape = aoi.to_crs(WGS84)
    footprint = product.geolocation.hull()
    if not shape.intersects(footprint):
        w, s, e, n = shape.bounds
        raise AoIError(f"the AoI ({w:.3f},{s:.3f},{e:.3f},{n:.3f}) is outside the product footprint "
                       f"{tuple(round(v, 3) for v in footprint.bounds)}; give an AoI inside it")
    part = shape.intersection(footprint)
    xy = np.array(part.exterior.coords if part.geom_type == "Polygon" else part.envelope.exterior.coords)
    g = product.geolocation
    pts = np.column_stack([g.longitude, g.latitude])
    lines = griddata(pts, g.line, xy, method="linear")
    pixels = griddata(pts, g.pixel, xy, method="linear")
    l0 = max(int(np.nanmin(lines)) - AOI_MARGIN_PX, 0)
    l1 = min(int(np.nanmax(lines)) + AOI_MARGIN_PX, product.lines)
    p0 = max(int(np.nanmin(pixels)) - AOI_MARGIN_PX, 0)
    p1 = min(int(np.nanmax(pixels)) + AOI_MARGIN_PX, product.samples)
    return l0, l1, p0, p1


@operator(GRAPH, "Read", ("polarization", "aoi", "chunk"), aliases=("Read-S1-GRD",))
def read(data: Any, ctx: Context, p: S1GrdParameters) -> S1Scene:
    """Open one polarisation of a GRD product (zip or SAFE) as lazy intensity DN^2; crop to what the AoI needs."""
    from ai4c.products.sentinel1 import open_grd
    from ai4c.sar.calibration import intensity

    if not ctx.inputs:
        raise InvalidParameterError("no input product; give --input PATH")
    product = open_grd(ctx.inputs[0], p.polarization)
    window = aoi_window(product, p.aoi)
    dn = product.read_dn(p.chunk)
    if window is not None:
        l0, l1, p0, p1 = window
        dn = dn[l0:l1, p0:p1].chunk(p.chunk)  # regular chunks from the window's corner (Zarr needs them)
        dn.attrs.update(line0=l0, pixel0=p0)
    image = intensity(dn)
    return S1Scene(product, product.orbit, image)


@operator(GRAPH, "Apply-Orbit-File", ("orbit",))
def apply_orbit(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> S1Scene:
    """Use the annotation's state vectors (`auto`), or a POEORB/RESORB EOF file / folder covering the acquisition."""
    from ai4c.products.eof import find_orbit

    p, orbit = scene.product, params.orbit
    if str(orbit).lower() in ("auto", "annotation", "none", ""):
        scene.orbit = p.orbit.restrict(p.first_line_time, p.last_line_time)
    else:
        scene.orbit = find_orbit(orbit, p.epoch, p.first_line_time, p.last_line_time, p.mission)
    return scene


@operator(GRAPH, "ThermalNoiseRemoval")
def thermal_noise(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> S1Scene:
    """DN^2 - noise LUT (IPF < 2.9: one LUT; later: range x azimuth), floored at a small positive value."""
    from ai4c.sar.noise import remove_thermal_noise

    scene.map_radar(remove_thermal_noise)
    return scene


@operator(GRAPH, "Remove-GRD-Border-Noise", ("border_limit", "trim_threshold"))
def border_noise(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> S1Scene:
    """SNAP's border trimming for IPF < 2.9; ESA's zero fill becomes no data for later IPFs."""
    from ai4c.sar.border import remove_border_noise

    p = scene.product
    scene.image = remove_border_noise(scene.image, p.ipf_version, params.border_limit, params.trim_threshold,
                                      (p.lines, p.samples))
    return scene


@operator(GRAPH, "Calibration", ("calibration",), renamed={"output": "calibration"})
def calibration(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> S1Scene:
    """Sigma0, Gamma0 or Beta0 (linear; a `...DB` output sets the dB conversion of the LinearToFromdB step)."""
    from ai4c.sar.calibration import calibrate

    kind = params.calibration
    scene.map_radar(lambda image, product: calibrate(image, product, kind.removesuffix("DB")))
    scene.db = scene.db or kind.endswith("DB")
    scene.calibration = kind
    return scene


@operator(GRAPH, "Speckle-Filter", ("speckle", "window_size", "target_window_size", "sigma", "looks", "damping",
                                    "filter_size"), renamed={"filter": "speckle"})
def speckle(scene: S1Scene, ctx: Context, p: S1GrdParameters) -> S1Scene:
    """Lee Sigma (SNAP defaults), Lee, Refined Lee, Frost, Gamma Map, Boxcar, Median or None."""
    from ai4c.sar.speckle import speckle_filter

    scene.image = speckle_filter(scene.image, p.speckle, window=p.window_size, target_window=p.target_window_size,
                                 sigma=p.sigma, looks=p.looks, damping=p.damping, filter_size=p.filter_size)
    return scene


def default_resolution(product: GrdProduct) -> float:
    """Table 2: 10 m for IW, 5 m for SM (S1..S6); EW and WV: the product's own pixel spacing."""
    if product.mode == "IW":
        return 10.0
    if product.mode.startswith("S") and product.mode[1:].isdigit() or product.mode == "SM":
        return 5.0
    return float(round(product.range_pixel_spacing, 1))


def processed_area(product: GrdProduct, aoi: str | None):
    """The footprint (lon/lat), cut by the AoI when one is given."""
    from ai4c.core.aoi import WGS84, parse_aoi

    footprint = product.geolocation.hull()
    parsed = parse_aoi(aoi)
    return footprint if parsed is None else footprint.intersection(parsed.to_crs(WGS84))


def output_grid(product: GrdProduct, projection: str, resolution: float | None, aoi: str | None):
    """The regular output grid: the footprint (cut by the AoI) in the target CRS at the resolution in metres."""
    from pyproj import Transformer

    from ai4c.core.aoi import WGS84
    from ai4c.core.grid import aligned_grid, pixel_size, resolve_crs

    footprint = processed_area(product, aoi)
    centre = footprint.centroid
    crs = resolve_crs(projection, center_lonlat=(centre.x, centre.y))
    res = resolution or default_resolution(product)
    x, y = np.asarray(footprint.exterior.coords).T
    if not crs.is_geographic:
        x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(x, y)
    return aligned_grid((float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))), crs,
                        pixel_size(res, crs))


def heights_for(dem: str | None, geoid: str, product: GrdProduct, ctx: Context, aoi: str | None = None):
    """The height sampler of `--dem` (path or srtm3) over the processed area (footprint, or its part the AoI
    needs) with the geoid handling (`egm96` or `none`, validated by S1GrdParameters); None without DEM."""
    from ai4c.dem import geoid as egm96
    from ai4c.dem.heights import from_tiles, read_dem_window

    if not dem:
        ctx.warnings.append("no DEM given: terrain correction on the WGS84 ellipsoid (heights 0); give --dem")
        return None
    bounds = processed_area(product, aoi).bounds
    if str(dem).lower() == "srtm3":
        from ai4c.dem.srtm import fetch_tiles

        sampler = from_tiles(fetch_tiles(bounds))
    else:
        sampler = read_dem_window(dem, bounds)
    if geoid == "egm96":
        if egm96.available():
            sampler.add_geoid = True
        else:
            ctx.warnings.append("EGM96 grid (us_nga_egm96_15.tif) not found: DEM heights used as ellipsoid heights")
    return sampler


def materialise(image: xr.DataArray, label: str = "S1 GRD radar chain", band_lines: int | None = None) -> xr.DataArray:
    """Compute the radar-geometry image once into a temporary Zarr store (removed at exit) so that output
    blocks sharing input chunks do not recompute the chain; memory stays bounded by the chunks. `band_lines`
    (a multiple of the line chunks): compute one band of lines at a time, so that memory is bounded by the band
    whatever the scheduler keeps (inputs shared by two bands are computed twice)."""
    import atexit
    import shutil
    import tempfile

    import dask.array as da
    import zarr

    from ai4c.core.progress import dask_progress

    if not isinstance(image.data, da.Array):
        return image
    folder = tempfile.mkdtemp(prefix="ai4c-s1grd-")
    atexit.register(shutil.rmtree, folder, True)
    store = f"{folder}/image.zarr"
    data = image.data.astype(np.float32)
    with dask_progress(label):
        if band_lines is None:
            da.to_zarr(data, store)
        else:
            data = data.rechunk({data.ndim - 2: data.chunks[-2][0]})
            target = zarr.open_array(store, mode="w", shape=data.shape, chunks=data.chunksize, dtype=np.float32)
            lead = (slice(None),) * (data.ndim - 2)
            for start in range(0, data.shape[-2], band_lines):
                rows = lead + (slice(start, min(start + band_lines, data.shape[-2])), slice(None))
                da.store(data[rows], target, regions=rows, lock=False)
    return image.copy(data=da.from_zarr(store))


@operator(GRAPH, "Terrain-Correction", ("dem", "dem_geoid", "projection", "resolution", "block"))
def terrain_correction(scene: S1Scene, ctx: Context, p: S1GrdParameters) -> S1Scene:
    """Range-Doppler geocoding of every output pixel onto a regular grid; shadow, layover, outside = no data."""
    from ai4c.sar.geocoding import RadarGeometry, terrain_correct

    grid = output_grid(scene.product, p.projection, p.resolution, p.aoi)
    scene.heights = heights_for(p.dem, p.dem_geoid, scene.product, ctx, p.aoi)
    scene.image = materialise(scene.image)
    geom = RadarGeometry.from_product(scene.product, scene.orbit)
    scene.geocoded = terrain_correct(scene.image, geom, grid, scene.heights, p.block)
    scene.grid = {"crs": grid.crs.to_string(), "width": grid.width, "height": grid.height,
                  "resolution": grid.resolution}
    return scene


@operator(GRAPH, "Land-Sea-Mask", ("landseamask",), aliases=("S1-Land-Sea-Mask",), renamed={"mask": "landseamask"})
def land_sea_mask(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> S1Scene:
    """Remove (set to no data) the `Land` or the `Sea` pixels, as table 2 says, with S2-preprocess's rule
    (dem.landsea: elevation 0 or void is sea)."""
    import dataclasses

    from ai4c.dem.landsea import land_mask
    from ai4c.sar.geocoding import block_lonlat

    mask = params.landseamask
    if mask == "None":
        return scene
    if scene.heights is None:
        raise InvalidParameterError(f"--landseamask {mask} needs a DEM; give --dem PATH or srtm3")
    out = scene.geocoded
    transform = out.rio.transform()
    from ai4c.core.grid import Grid

    grid = Grid(out.rio.crs, transform, out.shape[1], out.shape[0])

    def block(x: np.ndarray, block_info=None) -> np.ndarray:
        (r0, r1), (c0, c1) = block_info[0]["array-location"]
        lon, lat = block_lonlat(grid, slice(r0, r1), slice(c0, c1), halo=0)
        raw = dataclasses.replace(scene.heights, add_geoid=False)(lon, lat)  # the DEM's own heights
        land = land_mask(xr.DataArray(raw)).values
        keep = ~land if mask == "Land" else land
        return np.where(keep, x, np.float32(np.nan))

    scene.geocoded = out.copy(data=out.data.map_blocks(block, dtype=np.float32))
    return scene


@operator(GRAPH, "LinearToFromdB", ("linear_to_db",), renamed={"apply": "linear_to_db"})
def to_db(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> S1Scene:
    """10 log10 of the geocoded values when `linear_to_db` (or when Calibration asked for a dB output)."""
    if params.linear_to_db or scene.db:
        target = scene.geocoded if scene.geocoded is not None else scene.image
        converted = target.copy(data=10.0 * np.log10(target.data))
        converted.attrs["units"] = "dB"
        if scene.geocoded is not None:
            scene.geocoded = converted
        else:
            scene.image = converted
    return scene


@operator(GRAPH, "Write", ("output_format", "quicklook"), aliases=("Write-S1-GRD",))
def write(scene: S1Scene, ctx: Context, params: S1GrdParameters) -> Path:
    """Write the geocoded band (float32, NaN no data) atomically with its STAC Item."""
    from ai4c.core.io import write_raster
    from ai4c.core.progress import dask_progress
    from ai4c.core.stac import write_item

    if scene.geocoded is None:
        raise InvalidParameterError("the graph has no Terrain-Correction step; nothing to write in map geometry")
    output_format = params.output_format
    path = resolve_output(ctx.output_path, scene.product, output_format)
    band = f"{scene.calibration}_{scene.product.polarization}"
    out = scene.geocoded.expand_dims(band=[band]).astype(np.float32)
    out.attrs["units"] = scene.geocoded.attrs.get("units", "dB" if scene.db else "1")
    with dask_progress("S1 GRD"):
        write_raster(out, path, output_format, nodata=float("nan"))
    start = scene.product.epoch.astype("datetime64[us]").item()
    write_item(path, raster=out, inputs=[str(p) for p in ctx.inputs],
               parameters={**record(params), **scene.provenance()},
               warnings=ctx.warnings, datetime=start.replace(tzinfo=dt.UTC),
               properties={"sar:polarizations": [scene.product.polarization], "sat:orbit_state":
                           scene.product.pass_direction.lower()})
    if params.quicklook:
        from ai4c.core.quicklook import write_quicklook

        write_quicklook(out.values[0], path.with_suffix(".png"), title=path.name, cmap="gray")
    return path


def resolve_output(output_path: Path | None, product: GrdProduct, output_format: str) -> Path:
    """The output file: `--output_path` itself, or `<product>_<pol>.tif` inside an existing folder."""
    from ai4c.core.io import check_writable, extension_for

    if output_path is None:
        raise InvalidParameterError("no output path; give --output_path")
    path = Path(output_path)
    if path.is_dir():
        path = path / f"{product.name}_{product.polarization}{extension_for(output_format)}"
    return check_writable(path)


def run(input: Path | str, output_path: Path | str, params: S1GrdParameters | None = None, **values: Any) -> Path:
    """Pre-process one GRD product with the default chain (`params`, or keyword values of S1GrdParameters);
    returns the written file."""
    import rasterio

    from ai4c.core.io import check_writable, normalise_format
    from ai4c.core.outputs import means_folder, output_folder

    params = parameters_of(GRAPH, values) if params is None else params
    normalise_format(params.output_format)
    if means_folder(output_path):      # `out/` or an existing folder: the file is named after the product
        output_folder(output_path)
    else:
        check_writable(Path(output_path))
    ctx = Context(inputs=[Path(input)], output_path=Path(output_path))
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):  # GDAL's default (5 % of RAM) caches whole TIFF strips
        return default_graph(GRAPH).run(ctx, parameters=params)
