"""S1-SLC-preprocess: SNAP's TOPS chain (Read, TOPSAR-Split, Apply-Orbit-File, ThermalNoiseRemoval, Calibration,
TOPSAR-Deburst, Multilook, Speckle-Filter, Terrain-Correction, land/sea mask, dB, Write) on xarray/dask. The
orbit, noise, calibration, speckle, terrain-correction, mask and dB operators are those of S1-GRD-preprocess;
this module adds the burst steps. SM products skip the split and deburst (one swath, no bursts)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidParameterError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, register_service
from ai4c.pipelines import s1_grd
from ai4c.pipelines.parameters import S1SlcParameters
from ai4c.pipelines.s1_grd import S1Scene
from ai4c.products.sentinel1 import (
    CoordinateConversion,
    GeolocationGrid,
    GrdProduct,
    OrbitVectors,
    seconds_since,
)
from ai4c.products.sentinel1_slc import C, SlcProduct
from ai4c.sar.deburst import DeburstPlan

GRAPH = "s1-slc"
STEPS = ("Read", "Apply-Orbit-File", "ThermalNoiseRemoval", "Calibration", "TOPSAR-Deburst", "Multilook",
         "Speckle-Filter", "Terrain-Correction", "Land-Sea-Mask", "LinearToFromdB", "Write")
register_service(GRAPH, S1SlcParameters, STEPS)
# the steps S1-GRD-preprocess defines, shared unchanged (SlcScene.map_radar runs the radar ones per sub-swath)
operator(GRAPH, "Apply-Orbit-File", ("orbit",))(s1_grd.apply_orbit)
operator(GRAPH, "ThermalNoiseRemoval")(s1_grd.thermal_noise)
operator(GRAPH, "Calibration", ("calibration",))(s1_grd.calibration)
operator(GRAPH, "Speckle-Filter", ("speckle", "window_size", "target_window_size", "sigma", "looks", "damping",
                                   "filter_size"))(s1_grd.speckle)
operator(GRAPH, "Terrain-Correction", ("dem", "dem_geoid", "projection", "resolution", "block"))(
    s1_grd.terrain_correction)
operator(GRAPH, "Land-Sea-Mask", ("landseamask",))(s1_grd.land_sea_mask)
operator(GRAPH, "LinearToFromdB", ("linear_to_db",))(s1_grd.to_db)
operator(GRAPH, "Write", ("output_format", "quicklook"))(s1_grd.write)


@dataclass
class SlcScene(S1Scene):
    """An S1Scene whose radar-geometry steps run per sub-swath until TOPSAR-Deburst merges them."""

    slc: Any = None  # SlcProduct
    swath_images: dict[str, xr.DataArray] = field(default_factory=dict)
    plan: Any = None  # DeburstPlan

    def map_radar(self, step) -> None:
        """Apply `step(image, product)` to each sub-swath before deburst, to the merged image after."""
        if self.swath_images:
            self.swath_images = {k: step(v, self.slc.swaths[k]) for k, v in self.swath_images.items()}
        else:
            self.image = step(self.image, self.product)


def parse_list(value: Any) -> list[str] | None:
    """A comma-separated string or a list -> list of names; empty/None/'all' -> None (all)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "all")):
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(v).strip() for v in items if str(v).strip()]


@operator(GRAPH, "Read", ("polarization", "swaths", "bursts", "aoi", "chunk"), aliases=("Read-S1-SLC",))
def read(data: Any, ctx: Context, p: S1SlcParameters) -> SlcScene:
    """Open one polarisation of an SLC product (zip or SAFE) and, like TOPSAR-Split, the sub-swaths and bursts
    asked for (default all); the samples stay on disk until a step needs them (|DN|^2 per swath, lazily)."""
    from ai4c.products.sentinel1_slc import open_slc, read_complex
    from ai4c.sar.deburst import plan_deburst, plan_stripmap

    if not ctx.inputs:
        raise InvalidParameterError("no input product; give --input PATH")
    product = open_slc(ctx.inputs[0], p.polarization, parse_list(p.swaths))
    keep = parse_list(p.bursts)
    if keep is not None:
        try:
            numbers = [int(b) for b in keep]
        except ValueError as err:
            raise InvalidParameterError(f"bursts={p.bursts!r} must be burst numbers such as 2,3,4") from err
        select_bursts(product, numbers)
    if p.aoi:
        bursts_for_aoi(product, p.aoi)
    images = {}
    for name, swath in product.swaths.items():
        z = read_complex(swath, (max(swath.lines_per_burst, 1) if swath.bursts else p.chunk, 4096))
        images[name] = z.copy(data=(z.data.real ** 2 + z.data.imag ** 2).astype("float32"))
    plan = plan_deburst(list(product.swaths.values())) if product.is_tops else \
        plan_stripmap(next(iter(product.swaths.values())))
    geometry = looked_geometry(product, plan, (1, 1), (1, 1))
    return SlcScene(geometry, geometry.orbit, None, slc=product, swath_images=images, plan=plan)


AOI_MARGIN_DEG = 0.02  # ~2 km around the AoI: relief displacement and filter halos


def bursts_for_aoi(product: SlcProduct, aoi: str, margin_deg: float = AOI_MARGIN_DEG) -> None:
    """Keep only the sub-swaths and bursts whose tie-point footprint meets the AoI (with a margin); an AoI
    outside every burst is an error."""
    from ai4c.core.aoi import WGS84, parse_aoi
    from ai4c.core.errors import AoIError

    shape = parse_aoi(aoi).to_crs(WGS84).buffer(margin_deg)
    kept = {}
    for name, swath in product.swaths.items():
        g = swath.geolocation
        bursts = []
        for burst in swath.bursts:
            rows = (g.line >= burst.first_line - 1) & (g.line <= burst.first_line + burst.lines)
            if g.hull(rows).intersects(shape):
                bursts.append(burst)
        if bursts:
            swath.bursts = bursts
            kept[name] = swath
    if not kept:
        w, s, e, n = shape.bounds
        raise AoIError(f"the AoI ({w:.3f},{s:.3f},{e:.3f},{n:.3f}) meets no burst of {product.name}; give an AoI "
                       "inside the product footprint")
    product.swaths = kept


def select_bursts(product, numbers: list[int]) -> None:
    """Keep bursts `numbers` (1-based, as SNAP's TOPSAR-Split counts them) of every sub-swath."""
    for swath in product.swaths.values():
        bad = [n for n in numbers if not 1 <= n <= len(swath.bursts)]
        if bad:
            raise InvalidParameterError(f"bursts {bad} not in {swath.swath}: it has bursts 1..{len(swath.bursts)}")
        swath.bursts = [swath.bursts[n - 1] for n in sorted(set(numbers))]


@operator(GRAPH, "TOPSAR-Deburst")
def deburst_step(scene: SlcScene, ctx: Context, params: S1SlcParameters) -> SlcScene:
    """Join the bursts (overlaps switched at mid-time) and merge the sub-swaths (at mid slant range)."""
    from ai4c.sar.deburst import deburst

    scene.image = deburst(scene.swath_images, scene.plan)
    scene.swath_images = {}
    return scene


@operator(GRAPH, "Multilook", ("azimuth_looks", "range_looks", "sampling", "chunk"))
def multilook_step(scene: SlcScene, ctx: Context, p: S1SlcParameters) -> SlcScene:
    """Average azimuth x range looks (0 = automatic: roughly square ground pixels, 1 x 4 for IW), sampled
    every half window (`half`, not aliased: point targets keep their position) or every window (`block`,
    SNAP's Multilook)."""
    from ai4c.sar.multilook import half_steps, multilook, square_pixel_looks

    if scene.swath_images:
        raise InvalidParameterError("Multilook needs the debursted image; put TOPSAR-Deburst before it")
    swaths = list(scene.slc.swaths.values())
    mid = swaths[len(swaths) // 2]
    auto = square_pixel_looks(mid.azimuth_pixel_spacing, mid.slant_spacing, mid.incidence_mid)
    looks = (p.azimuth_looks or auto[0], p.range_looks or auto[1])
    if min(looks) < 1:
        raise InvalidParameterError(f"looks {looks} must be >= 1")
    step = half_steps(looks) if p.sampling == "half" else looks
    scene.image = multilook(scene.image, *looks, step).chunk({"line": p.chunk, "pixel": p.chunk})
    scene.product = looked_geometry(scene.slc, scene.plan, looks, step, scene.orbit)
    return scene


def run(input: Path | str, output_path: Path | str, params: S1SlcParameters | None = None, **values: Any) -> Path:
    """Pre-process one SLC product with the default chain (`params`, or keyword values of S1SlcParameters);
    returns the written file."""
    import rasterio

    from ai4c.core.io import check_writable, normalise_format
    from ai4c.core.outputs import means_folder, output_folder

    params = parameters_of(GRAPH, values) if params is None else params
    normalise_format(params.output_format)
    if means_folder(output_path):
        output_folder(output_path)
    else:
        check_writable(Path(output_path))
    ctx = Context(inputs=[Path(input)], output_path=Path(output_path))
    with rasterio.Env(GDAL_CACHEMAX=s1_grd.GDAL_CACHE_MB):
        return default_graph(GRAPH).run(ctx, parameters=params)


def merged_geolocation(product: SlcProduct, plan: DeburstPlan, looks: tuple[int, int],
                       step: tuple[int, int]) -> GeolocationGrid:
    """The sub-swaths' tie points in the output grid's (multilooked) line/pixel coordinates."""
    parts = []
    for swath in product.swaths.values():
        g = swath.geolocation
        shift = float(seconds_since(swath.epoch, plan.epoch))
        line = (g.azimuth_time + shift - plan.first_line_time) / plan.line_interval
        pixel = (g.slant_range_time * C / 2 - plan.near_range) / plan.range_spacing
        parts.append(GeolocationGrid((line - 0.5 * (looks[0] - 1)) / step[0],
                                     (pixel - 0.5 * (looks[1] - 1)) / step[1], g.azimuth_time + shift,
                                     g.slant_range_time, g.latitude, g.longitude, g.height, g.incidence_angle))
    return GeolocationGrid(*(np.concatenate([getattr(p, f.name) for p in parts])
                             for f in dataclasses.fields(GeolocationGrid)))


def looked_geometry(product: SlcProduct, plan: DeburstPlan, looks: tuple[int, int], step: tuple[int, int],
                    orbit: OrbitVectors | None = None) -> GrdProduct:
    """A `GrdProduct` describing the multilooked debursted image: epoch and timing of its line centres, slant
    range of its sample centres (identity slant->ground conversion), the first swath's orbit on that epoch."""
    first = next(iter(product.swaths.values()))
    az, rg = looks
    dt = plan.line_interval * step[0]
    t0 = plan.first_line_time + 0.5 * (az - 1) * plan.line_interval
    spacing = plan.range_spacing * step[1]
    near = plan.near_range + 0.5 * (rg - 1) * plan.range_spacing
    lines, samples = (plan.lines - az) // step[0] + 1, (plan.samples - rg) // step[1] + 1
    if orbit is None:
        shift = float(seconds_since(first.epoch, plan.epoch))
        orbit = OrbitVectors(plan.epoch, first.orbit.time + shift, first.orbit.position, first.orbit.velocity,
                             first.orbit.source)
    conv = CoordinateConversion(np.array([0.0]), np.array([near]), np.array([[0.0, 1.0]]), np.array([0.0]),
                                np.array([[0.0, 1.0]]))
    return GrdProduct(
        source=product.source, name=product.name, mission=product.mission, mode=product.mode,
        polarization=product.polarization, polarizations=product.polarizations, ipf_version=first.ipf_version,
        pass_direction=first.pass_direction, epoch=plan.epoch, first_line_time=t0,
        last_line_time=t0 + (lines - 1) * dt, azimuth_time_interval=dt, lines=lines, samples=samples,
        range_pixel_spacing=spacing, azimuth_pixel_spacing=first.azimuth_pixel_spacing * step[0],
        slant_range_time=2 * near / C, radar_frequency=first.radar_frequency,
        range_sampling_rate=first.range_sampling_rate / step[1], incidence_mid=first.incidence_mid, orbit=orbit,
        geolocation=merged_geolocation(product, plan, looks, step), conversion=conv, calibration=None, noise=None,
        measurement=None, annotation_member=first.annotation_member)
