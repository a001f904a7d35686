"""Range-Doppler geometry shared by the geocoding kernels: a product's orbit and image geometry as plain
arrays, geodetic -> ECEF, slant range -> image column, output-block coordinates and the pixel flags."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from pyproj import CRS, Transformer

from ai4c.core.grid import WGS84_SEMI_MAJOR_AXIS as WGS84_A
from ai4c.core.grid import Grid
from ai4c.sar.datamodel import SarProduct, StateVectors

WGS84_E2 = 6.69437999014e-3
OK, LAYOVER, SHADOW, OUTSIDE = 0, 1, 2, 3


@dataclass
class RadarGeometry:
    """A product's orbit and geometry as the plain arrays the numba geocoding kernels take."""

    orbit_time: np.ndarray
    orbit_pos: np.ndarray
    orbit_vel: np.ndarray
    first_line_time: float
    line_interval: float
    conv_time: np.ndarray
    sr0: np.ndarray
    srgr: np.ndarray
    range_spacing: float
    lines: int
    samples: int

    @classmethod
    def from_product(cls, product: SarProduct, orbit: StateVectors | None = None) -> RadarGeometry:
        """Geometry of a product (a `SarProduct`: GRD scene, SLC burst), with its own orbit unless another is given."""
        orbit = orbit or product.orbit
        conv = product.conversion
        return cls(orbit.time, orbit.position, orbit.velocity, product.first_line_time,
                   product.azimuth_time_interval, conv.azimuth_time, conv.sr0, conv.srgr,
                   product.range_pixel_spacing, product.lines, product.samples)


@njit(cache=True, inline="always")
def llh_to_ecef(lat: float, lon: float, h: float) -> tuple:
    """Geodetic (degrees, metres) to ECEF on WGS84."""
    phi, lam = math.radians(lat), math.radians(lon)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * math.sin(phi) ** 2)
    return ((n + h) * math.cos(phi) * math.cos(lam), (n + h) * math.cos(phi) * math.sin(lam),
            (n * (1.0 - WGS84_E2) + h) * math.sin(phi))


@njit(cache=True, inline="always")
def ground_range(sr: float, t: float, conv_t, sr0, srgr) -> float:
    """Slant range -> ground range with the coordinate-conversion record nearest in azimuth time
    (what ESA's own geolocation grid uses: it agrees to < 0.01 pixel, interpolating records does not)."""
    k = np.searchsorted(conv_t, t)
    if k >= conv_t.shape[0] or (k > 0 and t - conv_t[k - 1] < conv_t[k] - t):
        k -= 1
    x = sr - sr0[k]
    acc = 0.0
    for c in range(srgr.shape[1] - 1, -1, -1):
        acc = acc * x + srgr[k, c]
    return acc


def ground_range_array(sr: np.ndarray, t: np.ndarray, conv_t: np.ndarray, sr0: np.ndarray,
                       srgr: np.ndarray) -> np.ndarray:
    """Vectorised `ground_range`: the nearest coordinate-conversion record in time, Horner in slant range."""
    k = np.clip(np.searchsorted(conv_t, t), 0, len(conv_t) - 1)
    prev = np.clip(k - 1, 0, None)
    k = np.where((k > 0) & ((t - conv_t[prev]) < (conv_t[k] - t)), prev, k)
    x = sr - sr0[k]
    acc = np.zeros_like(sr)
    for c in range(srgr.shape[1] - 1, -1, -1):
        acc = acc * x + srgr[k, c]
    return acc


HeightFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def ellipsoid_heights(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Zero heights: geocoding on the WGS84 ellipsoid when no DEM is given."""
    return np.zeros_like(lon, dtype=np.float64)


def block_lonlat(grid: Grid, rows: slice, cols: slice, halo: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the pixel centres of a grid block, with a halo of `halo` pixels."""
    cc = np.arange(cols.start - halo, cols.stop + halo) + 0.5
    rr = np.arange(rows.start - halo, rows.stop + halo) + 0.5
    return lonlat_at(grid, rr, cc)


LONLAT_STEP = 8  # projected grids: lon/lat transformed every ~8 pixels, bilinear between (< 1 mm off)


def lonlat_at(grid: Grid, rr: np.ndarray, cc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the grid positions rows `rr` x columns `cc` (increasing fractional pixel coordinates). On a
    projected grid the projection is evaluated on a lattice of positions ~LONLAT_STEP pixels apart and
    interpolated bilinearly between (the projection is smooth at that scale; ~8x fewer PROJ calls per pixel),
    exactly where the lattice would straddle the antimeridian."""
    t = grid.transform
    if CRS.from_user_input(grid.crs).is_geographic:
        return np.meshgrid(t.c + t.a * np.asarray(cc, np.float64), t.f + t.e * np.asarray(rr, np.float64))
    transform = Transformer.from_crs(grid.crs, 4326, always_xy=True).transform
    rr, cc = np.asarray(rr, np.float64), np.asarray(cc, np.float64)
    ri, ci = _lattice(rr), _lattice(cc)
    lon, lat = (np.asarray(v) for v in transform(*np.meshgrid(t.c + t.a * cc[ci], t.f + t.e * rr[ri])))
    if ri.size == rr.size and ci.size == cc.size:  # small: the lattice is every position
        return lon, lat
    if np.ptp(lon) > 180:
        return tuple(np.asarray(v) for v in transform(*np.meshgrid(t.c + t.a * cc, t.f + t.e * rr)))
    return _bilinear_lattice(lon, rr[ri], cc[ci], rr, cc), _bilinear_lattice(lat, rr[ri], cc[ci], rr, cc)


def _lattice(positions: np.ndarray) -> np.ndarray:
    """Indices of the positions (increasing pixel coordinates) about LONLAT_STEP pixels apart, first and last
    included; every index where they are further apart."""
    n = positions.size
    spacing = (positions[-1] - positions[0]) / (n - 1) if n > 1 else LONLAT_STEP
    stride = max(1, int(LONLAT_STEP / spacing)) if spacing > 0 else 1
    return np.unique(np.r_[np.arange(0, n, stride), n - 1])


def _bilinear_lattice(values: np.ndarray, r_nodes: np.ndarray, c_nodes: np.ndarray, rr: np.ndarray,
                      cc: np.ndarray) -> np.ndarray:
    """Values on a lattice of rows x columns interpolated bilinearly at rows `rr` x columns `cc`."""
    def weights(nodes: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        j = np.clip(np.searchsorted(nodes, x, side="right") - 1, 0, max(nodes.size - 2, 0))
        if nodes.size < 2:
            return j, np.zeros(x.shape)
        return j, (x - nodes[j]) / (nodes[j + 1] - nodes[j])

    (rj, rw), (cj, cw) = weights(r_nodes, rr), weights(c_nodes, cc)
    rj1, cj1 = np.minimum(rj + 1, r_nodes.size - 1), np.minimum(cj + 1, c_nodes.size - 1)
    across = values[:, cj] * (1 - cw) + values[:, cj1] * cw
    return across[rj] * (1 - rw)[:, None] + across[rj1] * rw[:, None]
