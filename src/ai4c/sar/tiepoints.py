"""Fast range-Doppler geocoding of an output block: the exact Newton solution on a coarse node grid at
three heights, then separable linear interpolation in (row, column) and quadratic interpolation in height
for every pixel. The mapping (x, y, h) -> (line, pixel) is smooth, so the interpolation error stays far
below 0.01 pixel (tested against the exact per-pixel solution); layover and shadow come from the local
incidence angle: the interpolated ellipsoid incidence minus the DEM slope towards the sensor."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ai4c.core.grid import Grid
from ai4c.sar.orbit import zero_doppler
from ai4c.sar.rangedoppler import (
    LAYOVER,
    OK,
    OUTSIDE,
    SHADOW,
    HeightFn,
    RadarGeometry,
    block_lonlat,
    llh_to_ecef,
)

NODE_STEP = 16


@njit(cache=True, parallel=True)
def geocode_nodes(lat, lon, h, ot, op, ov, t_first, dt, conv_t, sr0, srgr, spacing, t_guess):
    """Exact line, slant range, ellipsoid incidence (rad) and ground range direction (east, north) at nodes."""
    ny, nx = lat.shape
    out = np.empty((5, ny, nx))
    for r in prange(ny):
        t = t_guess
        for c in range(nx):
            px, py, pz = llh_to_ecef(lat[r, c], lon[r, c], h[r, c])
            t, s, _ = zero_doppler(px, py, pz, ot, op, ov, t)
            lx, ly, lz = s[0] - px, s[1] - py, s[2] - pz
            sr = math.sqrt(lx * lx + ly * ly + lz * lz)
            lx, ly, lz = lx / sr, ly / sr, lz / sr
            phi, lam = math.radians(lat[r, c]), math.radians(lon[r, c])
            up = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
            east = (-math.sin(lam), math.cos(lam), 0.0)
            north = (-math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam), math.cos(phi))
            lu = lx * up[0] + ly * up[1] + lz * up[2]
            le = lx * east[0] + ly * east[1]
            ln = lx * north[0] + ly * north[1] + lz * north[2]
            horizontal = math.sqrt(le * le + ln * ln) or 1.0
            out[0, r, c] = (t - t_first) / dt
            out[1, r, c] = sr
            out[2, r, c] = math.atan2(horizontal, lu)
            out[3, r, c] = -le / horizontal
            out[4, r, c] = -ln / horizontal
    return out


def _weights(n: int, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For positions 0..n-1: index of the node interval and the linear weight of its upper node."""
    pos = np.arange(n, dtype=np.float64)
    j = np.clip(np.searchsorted(nodes, pos, side="right") - 1, 0, len(nodes) - 2)
    return j, (pos - nodes[j]) / (nodes[j + 1] - nodes[j])


@njit(cache=True, parallel=True)
def interpolate_nodes(nodes, levels, h_halo, rj, rw, cj, cw, dx, dy, t_first, dt, conv_t, sr0, srgr, spacing,
                      lines, samples):
    """Per pixel: bilinear node interpolation per height level, Lagrange in height, slant -> ground range
    with the nearest record, local incidence from the DEM slope towards the sensor, and the flag."""
    nlev = levels.shape[0]
    height, width = h_halo.shape[0] - 2, h_halo.shape[1] - 2
    line = np.full((height, width), np.nan)
    pixel = np.full((height, width), np.nan)
    flag = np.full((height, width), OUTSIDE, np.uint8)
    nrec = conv_t.shape[0]
    for r in prange(height):
        i, fr = rj[r], rw[r]
        vals = np.empty((5, 3))
        for c in range(width):
            x = h_halo[r + 1, c + 1]
            if x != x:
                continue
            j, fc = cj[c], cw[c]
            for k in range(5):
                for lev in range(nlev):
                    a = nodes[lev, k]
                    vals[k, lev] = ((1 - fr) * ((1 - fc) * a[i, j] + fc * a[i, j + 1])
                                    + fr * ((1 - fc) * a[i + 1, j] + fc * a[i + 1, j + 1]))
            if nlev == 3:
                h0, h1, h2 = levels[0], levels[1], levels[2]
                w0 = (x - h1) * (x - h2) / ((h0 - h1) * (h0 - h2))
                w1 = (x - h0) * (x - h2) / ((h1 - h0) * (h1 - h2))
                w2 = (x - h0) * (x - h1) / ((h2 - h0) * (h2 - h1))
                ln = w0 * vals[0, 0] + w1 * vals[0, 1] + w2 * vals[0, 2]
                sr = w0 * vals[1, 0] + w1 * vals[1, 1] + w2 * vals[1, 2]
                m = 1
            else:
                ln, sr, m = vals[0, 0], vals[1, 0], 0
            t = t_first + ln * dt
            rec = np.searchsorted(conv_t, t)
            if rec >= nrec or (rec > 0 and t - conv_t[rec - 1] < conv_t[rec] - t):
                rec -= 1
            xs = sr - sr0[rec]
            acc = 0.0
            for q in range(srgr.shape[1] - 1, -1, -1):
                acc = acc * xs + srgr[rec, q]
            px = acc / spacing
            line[r, c], pixel[r, c] = ln, px
            if not (ln >= 0 and px >= 0 and ln <= lines - 1 and px <= samples - 1):
                continue
            gx = (h_halo[r + 1, c + 2] - h_halo[r + 1, c]) / (2 * dx[r])
            gy = (h_halo[r, c + 1] - h_halo[r + 2, c + 1]) / (2 * dy)  # rows go south
            slope = math.atan(gx * vals[3, m] + gy * vals[4, m]) if gx == gx and gy == gy else 0.0
            local = math.degrees(vals[2, m] - slope)
            flag[r, c] = LAYOVER if local < 0 else SHADOW if local > 90 else OK
    return line, pixel, flag


def _nodes(n: int, step: int) -> np.ndarray:
    """Node positions 0, step, ..., n-1 (at least two)."""
    return np.unique(np.r_[np.arange(0, n, step), n - 1, min(1, n - 1)]).astype(np.float64)


def _pixel_metres(grid: Grid, lat: np.ndarray) -> tuple[np.ndarray, float]:
    """Pixel size in metres along x (per row latitude for geographic grids) and along y."""
    res = abs(grid.transform.a)
    if grid.crs.is_geographic:
        metres = math.radians(res) * 6371000.0
        return metres * np.cos(np.radians(lat)), metres
    return np.full(lat.shape, res), abs(grid.transform.e)


def geocode_block_fast(geom: RadarGeometry, grid: Grid, rows: slice, cols: slice, heights: HeightFn,
                       step: int = NODE_STEP) -> tuple:
    """line, pixel, local incidence (deg) and flags of one output block, by tie-point interpolation."""
    lon, lat = block_lonlat(grid, rows, cols, halo=1)
    h_halo = heights(lon, lat).astype(np.float64)
    h = h_halo[1:-1, 1:-1]
    lon_in, lat_in = lon[1:-1, 1:-1], lat[1:-1, 1:-1]
    height, width = h.shape
    if not np.isfinite(h).any():
        nan = np.full(h.shape, np.nan)
        return nan, nan, None, np.full(h.shape, OUTSIDE, np.uint8)
    rn, cn = _nodes(height, step), _nodes(width, step)
    nlat, nlon = lat_in[np.ix_(rn.astype(int), cn.astype(int))], lon_in[np.ix_(rn.astype(int), cn.astype(int))]
    lo, hi = float(np.nanmin(h)), float(np.nanmax(h))
    levels = [lo, 0.5 * (lo + hi), hi] if hi - lo > 1.0 else [lo]
    t_mid = geom.first_line_time + 0.5 * geom.lines * geom.line_interval
    nodes = np.stack([geocode_nodes(nlat, nlon, np.full(nlat.shape, level), geom.orbit_time, geom.orbit_pos,
                                    geom.orbit_vel, geom.first_line_time, geom.line_interval, geom.conv_time,
                                    geom.sr0, geom.srgr, geom.range_spacing, t_mid) for level in levels])
    (rj, rw), (cj, cw) = _weights(height, rn), _weights(width, cn)
    dx, dy = _pixel_metres(grid, lat_in[:, 0])
    line, pixel, flag = interpolate_nodes(nodes, np.asarray(levels), h_halo, rj, rw, cj, cw, dx, dy,
                                          geom.first_line_time, geom.line_interval, geom.conv_time, geom.sr0,
                                          geom.srgr, geom.range_spacing, geom.lines, geom.samples)
    return line, pixel, None, flag
