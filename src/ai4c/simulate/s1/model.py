"""What the S1 simulator renders: the truth (DEM, classes, targets), the image geometry, and beta0 of image
rows drawn from them (shared by the product builder `grd` and the file writer `write`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ai4c.products.sentinel1 import CoordinateConversion, Noise, OrbitVectors
from ai4c.simulate.s1.geometry import Dem, ground_of_image, slant_range_of

C = 299792458.0
EXACT_PIXELS = 4_000_000  # above this, radar->ground is solved on a node grid and interpolated
NODE_STRIDE = 8  # node spacing (lines/samples) of large scenes: 80 m, finer than their truth DEM (>= 40 m)
CLASS_SIGMA0 = (0.02, 0.05, 0.1, 0.3)  # water-like, bare, vegetation, urban-like at 35 degrees (linear)


@dataclass
class Truth:
    """What the simulator put in: DEM, classes with their sigma0, point targets (lat, lon)."""

    dem: Dem
    classes: np.ndarray  # (ny, nx) uint8 on the DEM grid
    class_sigma0: tuple[float, ...] = CLASS_SIGMA0
    angular_exponent: float = 0.0  # sigma0 = class sigma0 * (cos(theta_local) / cos 35)^n
    targets: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Geometry:
    """Image geometry of the product to render."""

    orbit: OrbitVectors
    conversion: CoordinateConversion
    lines: int
    samples: int
    line_interval: float
    spacing: float
    pass_direction: str


def render_beta0(geom: Geometry, truth: Truth, rows: slice) -> np.ndarray:
    """beta0 (float32) of image rows from the truth: radar->ground solved exactly on every pixel of small
    scenes, on every `NODE_STRIDE`-th line/sample of large ones, and interpolated in one numba pass."""
    from ai4c.simulate.s1.render import beta_from_nodes, node_weights

    lines = np.arange(rows.start, rows.stop)
    stride = 1 if geom.lines * geom.samples <= EXACT_PIXELS else NODE_STRIDE
    cols = np.arange(geom.samples)
    sub_l = np.unique(np.r_[np.arange(rows.start - rows.start % stride, rows.stop, stride), lines[-1]])
    sub_p = np.unique(np.r_[cols[::stride], geom.samples - 1])
    times = sub_l * geom.line_interval
    srs = slant_range_of(geom.conversion, times, sub_p * geom.spacing)
    g = ground_of_image(times, srs, geom.orbit.time, geom.orbit.position, geom.orbit.velocity,
                        truth.dem.height, truth.dem.geo)
    ri, rw = node_weights(sub_l.astype(float), lines.astype(float))
    cj, cw = node_weights(sub_p.astype(float), cols.astype(float))
    return beta_from_nodes(g[0], g[1], g[4], ri, rw, cj, cw, truth.classes,
                           np.asarray(truth.class_sigma0, np.float64), truth.dem.lon0, truth.dem.dlon,
                           truth.dem.lat0, truth.dem.dlat, float(truth.angular_exponent),
                           math.cos(math.radians(35)))


def add_targets(beta: np.ndarray, rows: slice, target_px: np.ndarray, amplitude: float = 200.0) -> None:
    """Add bright point targets (Gaussian PSF, sigma 0.6 px) at fractional (line, pixel) positions."""
    yy = np.arange(rows.start, rows.stop)[:, None]
    for line, pixel in target_px:
        if rows.start - 4 <= line < rows.stop + 4:
            c0, c1 = max(int(pixel) - 4, 0), min(int(pixel) + 5, beta.shape[1])
            xx = np.arange(c0, c1)[None, :]
            beta[:, c0:c1] += amplitude * np.exp(-((yy - line) ** 2 + (xx - pixel) ** 2) / (2 * 0.6 ** 2))


def lut_noise_power(noise: Noise, times_fn, lines: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Noise power (DN^2) of the simulated LUTs."""
    from ai4c.sar.calibration import lut_values
    from ai4c.sar.noise import azimuth_noise

    rng = lut_values(noise.range_lut, "noise", lines, cols, times_fn(lines))
    return rng * azimuth_noise(noise, lines, cols) if noise.new_format else rng
