"""Simulated Sentinel-1 GRD products in the exact SAFE layout, rendered from a known truth: a DEM, a sigma0
map (land cover x local incidence angle), bright point targets at known coordinates, thermal noise from
the noise LUT and multiplicative speckle. `template` keeps a real product's orbit, timing and geometry.

The truth is saved beside the product (`<name>.truth.json`: targets, classes, geometry; `.truth-dem.tif`).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai4c.products.sentinel1 import AzimuthNoiseBlock, Lut, Noise, open_grd
from ai4c.simulate.s1.forward import image_position
from ai4c.simulate.s1.geometry import (
    Dem,
    circular_orbit,
    dem_sample,
    fit_conversion,
    ground_of_image,
    slant_range_of,
)
from ai4c.simulate.s1.model import Geometry, Truth
from ai4c.simulate.s1.safe import manifest_xml
from ai4c.simulate.s1.write import (
    footprint,
    geolocation_grid,
    header_info,
    product_names,
    write_safe,
    write_truth,
)

BETA_CONSTANT = 237.0

def make_dem(centre: tuple[float, float], extent_deg: tuple[float, float], terrain: str, seed: int,
             step_deg: float = 0.0001) -> Dem:
    """A DEM around `centre` (lat, lon): flat (100 m), or hilly (smooth random hills up to ~600 m)."""
    lat_c, lon_c = centre
    ny = int(math.ceil(extent_deg[0] / step_deg)) + 1
    nx = int(math.ceil(extent_deg[1] / step_deg)) + 1
    height = np.full((ny, nx), 100.0)
    if terrain == "hilly":
        rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:ny, 0:nx] / max(ny, nx)
        for _ in range(12):
            cy, cx, width, amp = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.25), rng.uniform(50, 350)
            height += amp * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * width ** 2))
    return Dem(height, lon_c - step_deg * nx / 2, lat_c + step_deg * ny / 2, step_deg, step_deg)


def quadrant_classes(shape: tuple[int, int]) -> np.ndarray:
    """Four homogeneous land-cover quadrants (classes 0..3)."""
    ny, nx = shape
    classes = np.zeros(shape, np.uint8)
    classes[: ny // 2, nx // 2:] = 1
    classes[ny // 2:, : nx // 2] = 2
    classes[ny // 2:, nx // 2:] = 3
    return classes


def synthetic_geometry(centre: tuple[float, float], lines: int, samples: int, ascending: bool,
                       epoch: np.datetime64, spacing: float = 10.0, incidence: float = 37.0) -> Geometry:
    """An orbit and range geometry that image `centre` (lat, lon) at mid scene and mid swath."""
    lat, lon = centre
    radius, height = 6371000.0, 693000.0
    look = math.asin(radius * math.sin(math.radians(incidence)) / (radius + height))
    gamma = math.radians(incidence) - look
    sr_mid = math.sqrt(radius ** 2 + (radius + height) ** 2 - 2 * radius * (radius + height) * math.cos(gamma))
    sr_near = sr_mid - 0.5 * samples * spacing * math.sin(math.radians(incidence))
    dt = spacing / (7590.0 * radius / (radius + height))
    t_mid = 0.5 * lines * dt
    sub = np.array([lat, lon], float)
    for _ in range(3):
        orbit = circular_orbit(float(sub[0]), float(sub[1]), ascending, t_mid, epoch)
        flat = np.zeros((2, 2))
        geo = np.array([-180.0, 90.0, 360.0, 180.0])
        got = ground_of_image(np.array([t_mid]), np.array([[sr_mid]]), orbit.time, orbit.position,
                              orbit.velocity, flat, geo)
        sub += np.array([lat, lon]) - got[:2, 0, 0]
    times = np.linspace(-1.0, lines * dt + 1.0, max(3, lines // 600 + 2))
    conv = fit_conversion(orbit, times, sr_near, samples, spacing)
    return Geometry(orbit, conv, lines, samples, dt, spacing, "Ascending" if ascending else "Descending")


def _ellipsoid_grid(geom: Geometry, step_lines: int, step_pixels: int) -> tuple[np.ndarray, ...]:
    """Tie-point lines, pixels and their ground points on the ellipsoid (for LUTs and the geolocation grid)."""
    lines = np.unique(np.r_[np.arange(0, geom.lines, step_lines), geom.lines - 1])
    pixels = np.unique(np.r_[np.arange(0, geom.samples, step_pixels), geom.samples - 1])
    times = lines * geom.line_interval
    srs = slant_range_of(geom.conversion, times, pixels * geom.spacing)
    flat = np.zeros((2, 2))
    ground = ground_of_image(times, srs, geom.orbit.time, geom.orbit.position, geom.orbit.velocity, flat,
                             np.array([-180.0, 90.0, 360.0, 180.0]))
    return lines, pixels, times, srs, ground


def make_luts(geom: Geometry, ipf: float) -> tuple[Lut, Noise]:
    """Calibration and noise LUTs consistent with the geometry (vectors every 40 pixels, beyond both ends)."""
    step = max(1, geom.lines // 20)
    lines = np.arange(-step, geom.lines + 2 * step, step)
    pixels = np.r_[np.arange(0, geom.samples, 40), geom.samples - 1]
    times = lines * geom.line_interval
    srs = slant_range_of(geom.conversion, times, pixels * geom.spacing)
    ground = ground_of_image(times, srs, geom.orbit.time, geom.orbit.position, geom.orbit.velocity,
                             np.zeros((2, 2)), np.array([-180.0, 90.0, 360.0, 180.0]))
    theta = np.radians(ground[3])
    beta = np.full(theta.shape, BETA_CONSTANT)
    values = {"sigmaNought": beta / np.sqrt(np.sin(theta)), "betaNought": beta,
              "gamma": beta / np.sqrt(np.tan(theta)), "dn": beta}
    cal = Lut(lines.astype(float), times, [pixels.astype(float)] * lines.size,
              {k: list(v) for k, v in values.items()})
    swath = np.clip((pixels * 3) // geom.samples, 0, 2)
    shape = 60.0 * (1.0 + 0.6 * np.cos(np.pi * ((pixels * 3.0 / geom.samples) % 1.0 - 0.5)) ** 2) * (1 + 0.2 * swath)
    rng_lut = Lut(lines.astype(float), times, [pixels.astype(float)] * lines.size, {"noise": [shape] * lines.size})
    if ipf < 2.9:
        return cal, Noise(rng_lut)
    blocks = []
    for k in range(3):
        first, last = k * geom.samples // 3, (k + 1) * geom.samples // 3 - 1
        az_lines = np.r_[np.arange(0, geom.lines, max(1, geom.lines // 50)), geom.lines - 1]
        lut = 1.0 + 0.05 * np.sin(2 * np.pi * az_lines / max(geom.lines, 1) + k)
        blocks.append(AzimuthNoiseBlock(f"IW{k + 1}", 0, geom.lines - 1, first, last, az_lines.astype(float), lut))
    return cal, Noise(rng_lut, blocks)


def _target_pixels(geom: Geometry, dem: Dem, targets: list[tuple[float, float]]) -> np.ndarray:
    """(line, pixel) of the point targets at their DEM heights, by the simulator's own forward model
    (`simulate.s1.forward`, independent of the geocoding under test)."""
    if not targets:
        return np.zeros((0, 2))
    lat = np.array([t[0] for t in targets])
    lon = np.array([t[1] for t in targets])
    h = np.array([dem_sample(dem.height, dem.geo, a, b) for a, b in targets])
    return image_position(geom.orbit, geom.conversion, geom.line_interval, geom.spacing, lat, lon, h,
                          geom.samples)


def _template_geometry(template: Path, lines: int | None, samples: int | None) -> tuple[Geometry, object]:
    """The orbit, range conversion and timing of a real product (optionally only its first lines/samples)."""
    product = open_grd(template)
    geom = Geometry(product.orbit, product.conversion, min(lines or product.lines, product.lines),
                    min(samples or product.samples, product.samples), product.azimuth_time_interval,
                    product.range_pixel_spacing, product.pass_direction)
    return geom, product


@dataclass
class SimulatedGrd:
    """Where the product and its truth went."""

    path: Path
    truth_path: Path
    targets: list[dict]


def _default_targets(geom: Geometry, truth: Truth, n: int = 5) -> list[tuple[float, float]]:
    """Point targets spread over the scene's inner part, placed through the radar->ground mapping."""
    lines = np.linspace(0.2, 0.8, n) * geom.lines
    pixels = np.linspace(0.25, 0.75, n)[::-1] * geom.samples
    times = lines * geom.line_interval
    srs = np.array([slant_range_of(geom.conversion, times[i:i + 1], pixels[i:i + 1] * geom.spacing)[0, 0]
                    for i in range(n)])
    g = ground_of_image(times, srs[:, None] * np.ones((n, 1)), geom.orbit.time, geom.orbit.position,
                        geom.orbit.velocity, truth.dem.height, truth.dem.geo)
    return [(float(g[0, i, 0]), float(g[1, i, 0])) for i in range(n)]


def _truth_for(geom: Geometry, terrain: str, seed: int, dem: Dem | None) -> Truth:
    """DEM and land cover covering the product footprint."""
    corners = _ellipsoid_grid(geom, max(geom.lines - 1, 1), max(geom.samples - 1, 1))[4]
    lat, lon = corners[0], corners[1]
    if dem is None:
        extent = (float(np.ptp(lat)) * 1.4 + 0.01, float(np.ptp(lon)) * 1.4 + 0.01)
        step = max(1e-4, max(extent) / 6000)
        dem = make_dem((float(lat.mean()), float(lon.mean())), extent, terrain, seed, step)
    return Truth(dem, quadrant_classes(dem.height.shape))


def simulate_grd(output_dir: Path | str, *, size: tuple[int, int] = (256, 256), centre: tuple[float, float] = (41.9, 12.5),
                 ascending: bool = False, terrain: str = "flat", seed: int = 0, template: Path | str | None = None,
                 ipf: float = 3.31, polarizations: tuple[str, ...] = ("VV",), dem: Dem | None = None,
                 targets: list[tuple[float, float]] | None = None, angular_exponent: float = 0.0,
                 zip_product: bool = False) -> SimulatedGrd:
    """Render a GRD product (SAFE folder or zip) in `output_dir` and its truth beside it."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    if template is not None:
        geom, real = _template_geometry(Path(template), *(size if size else (None, None)))
        epoch, mission, ipf = real.epoch, real.mission, real.ipf_version
    else:
        epoch, mission = np.datetime64("2021-06-01T05:26:23.500000", "ns"), "S1A"
        geom = synthetic_geometry(centre, size[0], size[1], ascending, epoch)
    truth = _truth_for(geom, terrain, seed, dem)
    truth.angular_exponent = angular_exponent
    truth.targets = list(targets) if targets is not None else _default_targets(geom, truth)
    target_px = _target_pixels(geom, truth.dem, truth.targets)
    cal, noise = make_luts(geom, ipf)
    grid = geolocation_grid(geom, truth.dem)
    stop = epoch + np.timedelta64(int((geom.lines - 1) * geom.line_interval * 1e9), "ns")
    name, _ = product_names(mission, epoch, stop, "vv", 1)
    scratch = Path(tempfile.mkdtemp(prefix=".sim-", dir=output_dir))
    try:
        safe = scratch / f"{name}.SAFE"
        files = write_safe(safe, geom, truth, cal, noise, grid, target_px, mission, epoch, stop, ipf,
                            polarizations, seed, template)
        (safe / "manifest.safe").write_bytes(manifest_xml(header_info(mission, "GRD", "VV", epoch, stop, geom, ipf, polarizations),
                                                          files, safe, footprint(grid)))
        final = output_dir / (safe.name if not zip_product else f"{name}.zip")
        if zip_product:
            shutil.make_archive(str(scratch / name), "zip", scratch, safe.name)
            shutil.move(str(scratch / f"{name}.zip"), final)
        else:
            if final.exists():
                shutil.rmtree(final)
            shutil.move(str(safe), final)
        truth_path = write_truth(output_dir / f"{name}.truth.json", truth, target_px, geom)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [{"lat": a, "lon": b, "line": float(p[0]), "pixel": float(p[1])}
            for (a, b), p in zip(truth.targets, target_px, strict=True)]
    return SimulatedGrd(final, truth_path, rows)


