"""Coregistration of a secondary TOPS swath onto the reference, burst by burst: geometric offsets from both
orbits and the DEM (Back-Geocoding), complex resampling with a windowed-sinc kernel between deramping and
reramping, and the Enhanced Spectral Diversity (ESD) azimuth refinement from the burst overlaps."""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ai4c.sar.datamodel import SarProduct, StateVectors, TopsBurst
from ai4c.sar.orbit import interpolate, zero_doppler_many
from ai4c.sar.tops import SPEED_OF_LIGHT

HALF_TAPS = 4  # 8-tap windowed sinc


@dataclass
class BurstOffsets:
    """Where each reference burst pixel lies in the paired secondary burst, on a node grid: secondary line
    (from its first line) and sample, and R_ref - R_sec (m) for the flat-earth and topographic phase."""

    reference: int
    secondary: int
    node_lines: np.ndarray  # reference burst lines of the nodes (increasing)
    node_samples: np.ndarray  # reference samples of the nodes (increasing)
    line: np.ndarray  # (lines, samples) secondary burst line
    sample: np.ndarray  # (lines, samples) secondary sample
    delta_range: np.ndarray  # (lines, samples) metres

    def at(self, lines: np.ndarray, samples: np.ndarray, field: str) -> np.ndarray:
        """`field` ('line', 'sample' or 'delta_range') at reference lines x samples, bilinear between nodes."""
        lines, samples = np.asarray(lines, np.float64), np.asarray(samples, np.float64)
        j = np.clip(np.searchsorted(self.node_lines, lines, side="right") - 1, 0, len(self.node_lines) - 2)
        w = (lines - self.node_lines[j]) / (self.node_lines[j + 1] - self.node_lines[j])  # linear beyond the ends
        inside = np.clip(samples, self.node_samples[0], self.node_samples[-1])  # np.interp: constant beyond
        k = np.clip(np.searchsorted(self.node_samples, inside, side="right") - 1, 0, len(self.node_samples) - 2)
        t = (inside - self.node_samples[k]) / (self.node_samples[k + 1] - self.node_samples[k])
        return _bilinear_nodes(np.ascontiguousarray(getattr(self, field), np.float64), j, w, k, t)


@njit(cache=True, nogil=True)
def _bilinear_nodes(values, j, w, k, t):
    """values between node rows j, j + 1 (weight w) and node columns k, k + 1 (weight t), for every line x
    sample: one pass, no (nodes, samples) intermediate."""
    out = np.empty((j.size, k.size))
    for r in range(j.size):
        a, b = values[j[r]], values[j[r] + 1]
        for c in range(k.size):
            low = a[k[c]] * (1 - t[c]) + a[k[c] + 1] * t[c]
            high = b[k[c]] * (1 - t[c]) + b[k[c] + 1] * t[c]
            out[r, c] = (1 - w[r]) * low + w[r] * high
    return out


def _to_ecef(lon: np.ndarray, lat: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Geodetic lon/lat/ellipsoid height -> ECEF (n, 3)."""
    from pyproj import Transformer

    x, y, z = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True).transform(lon, lat, h)
    return np.column_stack([x, y, z])


def radar_coordinates(points: np.ndarray, orbit: StateVectors, t_guess: float) -> tuple[np.ndarray, np.ndarray]:
    """Zero-Doppler time (s since the orbit epoch) and slant range (m) of ECEF points (n, 3)."""
    times = zero_doppler_many(points, orbit.time, orbit.position, orbit.velocity, float(t_guess))
    position, _ = interpolate(orbit, times)
    return times, np.linalg.norm(points - position, axis=1)


def burst_nodes(tie_line: np.ndarray, tie_pixel: np.ndarray, tie_lat: np.ndarray, tie_lon: np.ndarray,
                burst: TopsBurst, samples: int, step: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Node lines/samples of a burst and their lon/lat interpolated in the swath's geolocation tie points."""
    from scipy.interpolate import griddata

    node_lines = np.unique(np.r_[np.arange(0, burst.lines, step[0]), burst.lines - 1]).astype(float)
    node_samples = np.unique(np.r_[np.arange(0, samples, step[1]), samples - 1]).astype(float)
    ll, ss = np.meshgrid(node_lines + burst.first_line, node_samples, indexing="ij")
    points = np.column_stack([tie_line, tie_pixel])
    values = np.column_stack([tie_lon, tie_lat])
    lonlat = griddata(points, values, (ll, ss), method="linear")
    missing = ~np.isfinite(lonlat[..., 0])
    if missing.any():
        lonlat[missing] = griddata(points, values, (ll[missing], ss[missing]), method="nearest")
    return node_lines, node_samples, lonlat[..., 0], lonlat[..., 1]


def _reference_position(lon: np.ndarray, lat: np.ndarray, heights, ref: SarProduct, ref_orbit: StateVectors,
                        burst: TopsBurst) -> tuple[np.ndarray, ...]:
    """Burst line, sample, zero-Doppler time, slant range and ECEF of ground points (lon, lat, DEM height)."""
    h = np.zeros_like(lon) if heights is None else np.nan_to_num(np.asarray(heights(lon, lat), np.float64))
    points = _to_ecef(lon.ravel(), lat.ravel(), h.ravel())
    t, r = radar_coordinates(points, ref_orbit, burst.first_line_time + 0.5 * burst.lines * ref.azimuth_time_interval)
    line = (t - burst.first_line_time) / ref.azimuth_time_interval
    sample = (2 * r / SPEED_OF_LIGHT - ref.slant_range_time) * ref.range_sampling_rate
    return line.reshape(lon.shape), sample.reshape(lon.shape), t, r, points


def _refine_nodes(lon: np.ndarray, lat: np.ndarray, target_line: np.ndarray, target_sample: np.ndarray,
                  position, iterations: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Move node lon/lat until they geocode onto their (line, sample) exactly (Newton, numerical Jacobian)."""
    step = 1e-5
    for _ in range(iterations):
        line, sample = position(lon, lat)[:2]
        line_lon, sample_lon = position(lon + step, lat)[:2]
        line_lat, sample_lat = position(lon, lat + step)[:2]
        a, b = (line_lon - line) / step, (line_lat - line) / step
        c, d = (sample_lon - sample) / step, (sample_lat - sample) / step
        det = a * d - b * c
        dl, ds = target_line - line, target_sample - sample
        lon = lon + (d * dl - b * ds) / det
        lat = lat + (-c * dl + a * ds) / det
    return lon, lat


def geometric_offsets(ref: SarProduct, sec: SarProduct, ref_orbit: StateVectors, sec_orbit: StateVectors,
                      tie: tuple[np.ndarray, ...], heights: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
                      step: tuple[int, int] = (16, 64)) -> list[BurstOffsets]:
    """Back-Geocoding: for every reference burst, the ground points of a node grid (found by exact range-Doppler
    on the reference orbit and the DEM) geocoded into the secondary geometry; the paired secondary burst (the
    one imaging the burst centre); offsets, and R_ref - R_sec, at the nodes."""
    out = []
    dt_sec = sec.azimuth_time_interval
    for burst in ref.bursts:
        node_lines, node_samples, lon, lat = burst_nodes(*tie, burst, ref.samples, step)
        grid_l, grid_s = np.meshgrid(node_lines, node_samples, indexing="ij")

        def position(x, y, burst=burst):
            return _reference_position(x, y, heights, ref, ref_orbit, burst)

        lon, lat = _refine_nodes(lon, lat, grid_l, grid_s, position)
        line1, sample1, t1, r1, points = position(lon, lat)
        t2, r2 = radar_coordinates(points, sec_orbit, 0.5 * (sec.first_line_time + sec.last_line_time))
        pair = min(sec.bursts, key=lambda b: abs(b.first_line_time + 0.5 * b.lines * dt_sec - float(np.median(t2))))
        line2 = (t2 - pair.first_line_time) / dt_sec
        sample2 = (2 * r2 / SPEED_OF_LIGHT - sec.slant_range_time) * sec.range_sampling_rate
        shape = grid_l.shape
        out.append(BurstOffsets(burst.index, pair.index, node_lines, node_samples,
                                grid_l + (line2.reshape(shape) - line1),
                                grid_s + (sample2.reshape(shape) - sample1), (r1 - r2).reshape(shape)))
    return out


TABLE_STEPS = 2048  # fractional positions tabulated per sample (interpolation error << 1e-3 of a sample)


def weight_table(taps: int = 2 * HALF_TAPS, steps: int = TABLE_STEPS) -> np.ndarray:
    """Normalised Hann-windowed sinc weights of the `taps` samples around positions frac = k / steps."""
    frac = np.arange(steps + 1)[:, None] / steps
    x = frac - (np.arange(taps)[None, :] - taps // 2 + 1)
    w = np.sinc(x) * (0.5 + 0.5 * np.cos(np.pi * x / (taps // 2 + 1)))
    return w / w.sum(axis=1, keepdims=True)


WEIGHTS = weight_table()


def _resample_rows(src, lines, samples, table):
    """`src` interpolated at fractional positions with tabulated separable weights; 0 outside. Compiled twice
    below: rows on numba's threads (prange) or on the calling thread with the GIL released (prange runs as
    range when not parallel)."""
    nl, ns = src.shape
    taps = table.shape[1]
    steps = table.shape[0] - 1
    half = taps // 2
    out = np.zeros(lines.shape, np.complex64)
    for r in prange(lines.shape[0]):
        for c in range(lines.shape[1]):
            y, x = lines[r, c], samples[r, c]
            if not (y >= 0 and x >= 0 and y <= nl - 1 and x <= ns - 1):
                continue
            y0, x0 = int(y), int(x)
            wy = table[int((y - y0) * steps + 0.5)]
            wx = table[int((x - x0) * steps + 0.5)]
            acc = np.complex64(0)
            for k in range(taps):
                yy = min(max(y0 + k - half + 1, 0), nl - 1)
                row = np.complex64(0)
                if x0 - half + 1 >= 0 and x0 + half < ns:
                    base = x0 - half + 1
                    for m in range(taps):
                        row += np.float32(wx[m]) * src[yy, base + m]
                else:
                    for m in range(taps):
                        row += np.float32(wx[m]) * src[yy, min(max(x0 + m - half + 1, 0), ns - 1)]
                acc += np.float32(wy[k]) * row
            out[r, c] = acc
    return out


def _renamed(function: Callable, suffix: str) -> Callable:
    """The same code under another name: numba's on-disk cache is keyed by the function's name, not by its
    compile options, so a second compilation of one function would load (and crash on) the other's code."""
    twin = types.FunctionType(function.__code__, function.__globals__, function.__name__ + suffix,
                              function.__defaults__, function.__closure__)
    twin.__qualname__ = function.__qualname__ + suffix
    return twin


_resample = njit(cache=True, parallel=True)(_resample_rows)
_resample_serial = njit(cache=True, nogil=True)(_renamed(_resample_rows, "_serial"))


def resample_complex(src: np.ndarray, lines: np.ndarray, samples: np.ndarray, taps: int = 2 * HALF_TAPS,
                     serial: bool = False) -> np.ndarray:
    """8-tap Hann-windowed sinc interpolation of a complex (deramped) image at fractional (line, sample)
    positions (weights tabulated every 1/2048 sample); 0 outside the image. `serial`: on the calling thread
    only (several tiles run at once), else numba's threads."""
    table = WEIGHTS if taps == WEIGHTS.shape[1] else weight_table(taps)
    kernel = _resample_serial if serial else _resample
    return kernel(np.ascontiguousarray(src, np.complex64), np.ascontiguousarray(lines, np.float64),
                  np.ascontiguousarray(samples, np.float64), table.astype(np.float32))


def esd_shift_lines(phases: np.ndarray, weights: np.ndarray, doppler_difference: np.ndarray,
                    line_interval: float) -> float:
    """Azimuth misregistration (lines) from ESD double-difference phases of the burst overlaps: each overlap's
    phase is 2 pi (Doppler difference) (time shift); weighted circular mean of the per-overlap shifts."""
    shifts = phases / (2 * np.pi * doppler_difference) / line_interval
    return float(np.sum(weights * shifts) / np.sum(weights))
