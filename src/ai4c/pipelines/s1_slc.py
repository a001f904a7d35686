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

from ai4c.core.errors import InvalidParameterError, check_choice
from ai4c.core.graph import Context, Graph, Step, graph_provider, operator
from ai4c.pipelines.s1_grd import LANDSEA, S1Scene
from ai4c.pipelines.s1_grd import write as write_grd
from ai4c.products.sentinel1 import (
    CoordinateConversion,
    GeolocationGrid,
    GrdProduct,
    OrbitVectors,
    seconds_since,
)
from ai4c.products.sentinel1_slc import C, SlcProduct
from ai4c.sar.deburst import DeburstPlan


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


@operator("Read-S1-SLC")
def read(data: Any, ctx: Context, polarization: str = "VV", swaths: Any = None, bursts: Any = None,
         aoi: str | None = None, chunk: int = 1024) -> SlcScene:
    """Open one polarisation of an SLC product (zip or SAFE) and, like TOPSAR-Split, the sub-swaths and bursts
    asked for (default all); the samples stay on disk until a step needs them (|DN|^2 per swath, lazily)."""
    from ai4c.products.sentinel1_slc import open_slc, read_complex
    from ai4c.sar.deburst import plan_deburst, plan_stripmap
    if not ctx.inputs:
        raise InvalidParameterError("no input product; give --input PATH")
    product = open_slc(ctx.inputs[0], polarization, parse_list(swaths))
    keep = parse_list(bursts)
    if keep is not None:
        select_bursts(product, [int(b) for b in keep])
    images = {}
    for name, swath in product.swaths.items():
        z = read_complex(swath, (max(swath.lines_per_burst, 1) if swath.bursts else chunk, 4096))
        images[name] = z.copy(data=(z.data.real ** 2 + z.data.imag ** 2).astype("float32"))
    plan = plan_deburst(list(product.swaths.values())) if product.is_tops else \
        plan_stripmap(next(iter(product.swaths.values())))
    if aoi:
        ctx.metadata["aoi"] = aoi
    ctx.metadata.update(product=product.name, polarization=product.polarization, swaths=list(product.swaths))
    geometry = looked_geometry(product, plan, (1, 1), (1, 1))
    return SlcScene(geometry, geometry.orbit, None, slc=product, swath_images=images, plan=plan)


def select_bursts(product, numbers: list[int]) -> None:
    """Keep bursts `numbers` (1-based, as SNAP's TOPSAR-Split counts them) of every sub-swath."""
    for swath in product.swaths.values():
        bad = [n for n in numbers if not 1 <= n <= len(swath.bursts)]
        if bad:
            raise InvalidParameterError(f"bursts {bad} not in {swath.swath}: it has bursts 1..{len(swath.bursts)}")
        swath.bursts = [swath.bursts[n - 1] for n in sorted(set(numbers))]


@operator("TOPSAR-Deburst")
def deburst_step(scene: SlcScene, ctx: Context) -> SlcScene:
    """Join the bursts (overlaps switched at mid-time) and merge the sub-swaths (at mid slant range)."""
    from ai4c.sar.deburst import deburst

    scene.image = deburst(scene.swath_images, scene.plan)
    scene.swath_images = {}
    return scene


@operator("Multilook")
def multilook_step(scene: SlcScene, ctx: Context, azimuth_looks: int = 0, range_looks: int = 0,
                   sampling: str = "half", chunk: int = 1024) -> SlcScene:
    """Average azimuth x range looks (0 = automatic: roughly square ground pixels, 1 x 4 for IW), sampled
    every half window (`half`, not aliased: point targets keep their position) or every window (`block`,
    SNAP's Multilook)."""
    from ai4c.sar.multilook import half_steps, multilook, square_pixel_looks

    if scene.swath_images:
        raise InvalidParameterError("Multilook needs the debursted image; put TOPSAR-Deburst before it")
    swaths = list(scene.slc.swaths.values())
    mid = swaths[len(swaths) // 2]
    auto = square_pixel_looks(mid.azimuth_pixel_spacing, mid.slant_spacing, mid.incidence_mid)
    looks = (int(azimuth_looks) or auto[0], int(range_looks) or auto[1])
    if min(looks) < 1:
        raise InvalidParameterError(f"looks {looks} must be >= 1")
    step = half_steps(looks) if str(sampling).lower() == "half" else looks
    scene.image = multilook(scene.image, *looks, step).chunk({"line": chunk, "pixel": chunk})
    scene.product = looked_geometry(scene.slc, scene.plan, looks, step, scene.orbit)
    ctx.metadata["looks"] = f"{looks[0]}x{looks[1]}"
    return scene


@operator("Write-S1-SLC")
def write(scene: SlcScene, ctx: Context, output_format: str = "GeoTIFF", quicklook: bool = False) -> Path:
    """Write the geocoded band (float32, NaN no data) atomically with its STAC Item (as S1-GRD-preprocess)."""
    return write_grd(scene, ctx, output_format, quicklook)


@graph_provider("s1-slc")
def default_graph() -> Graph:
    """The TOPS pre-processing chain with table 3's defaults."""
    return Graph("s1-slc", [Step("Read-S1-SLC"), Step("Apply-Orbit-File"), Step("ThermalNoiseRemoval"),
                            Step("Calibration"), Step("TOPSAR-Deburst"), Step("Multilook"), Step("Speckle-Filter"),
                            Step("Terrain-Correction"), Step("S1-Land-Sea-Mask"), Step("LinearToFromdB"),
                            Step("Write-S1-SLC")])


def build_graph(*, calibration: str = "Sigma", polarization: str = "VV", speckle: str = "Lee Sigma",
                aoi: str | None = None, resolution: float | None = None, landseamask: str = "None",
                projection: str = "WGS84", output_format: str = "GeoTIFF", dem: str | None = None,
                dem_geoid: str = "egm96", orbit: str = "auto", quicklook: bool = False, swaths: Any = None,
                bursts: Any = None, looks: tuple[int, int] = (0, 0), thermal_noise: bool = True) -> Graph:
    """The default graph filled with the command-line values (validated before anything is read)."""
    from ai4c.sar.calibration import CALIBRATIONS
    from ai4c.sar.speckle import FILTERS

    graph = default_graph()
    graph.set("Read-S1-SLC", polarization=polarization, aoi=aoi, swaths=swaths, bursts=bursts)
    graph.set("Apply-Orbit-File", orbit=orbit)
    graph.set("Calibration", output=check_choice("calibration", calibration, CALIBRATIONS))
    graph.set("Multilook", azimuth_looks=int(looks[0]), range_looks=int(looks[1]))
    graph.set("Speckle-Filter", filter=check_choice("speckle", speckle, FILTERS))
    graph.set("Terrain-Correction", dem=dem, dem_geoid=dem_geoid, projection=projection, resolution=resolution)
    graph.set("S1-Land-Sea-Mask", mask=check_choice("landseamask", landseamask, LANDSEA))
    graph.set("Write-S1-SLC", output_format=output_format, quicklook=quicklook)
    return graph if thermal_noise else graph.without("ThermalNoiseRemoval")


def run(input: Path | str, output_path: Path | str, **parameters: Any) -> Path:
    """Pre-process one SLC product with the default chain; returns the written file."""
    from ai4c.pipelines.s1_grd import run_graph

    return run_graph(build_graph, input, output_path, parameters)


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
