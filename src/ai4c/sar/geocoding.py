"""Range-Doppler terrain correction: for every output pixel, the zero-Doppler time on the orbit (Newton),
the slant range, the GRD column through the product's slant->ground range polynomials, a bilinear
sample of the radar image, and no data for layover, shadow and points outside the swath.
"""

from __future__ import annotations

import math

import dask
import dask.array as da
import numpy as np
import xarray as xr
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
    ellipsoid_heights,
    ground_range,
    llh_to_ecef,
    lonlat_at,
)
from ai4c.sar.tiepoints import geocode_block_fast


@njit(cache=True, parallel=True)
def geocode_grid(lat, lon, h, ot, op, ov, t_first, dt, conv_t, sr0, srgr, spacing, t_guess):
    """(lat, lon, h) arrays of shape (H+2, W+2) -> line, pixel, local incidence (deg), flag for the inner (H, W)."""
    hh, ww = lat.shape[0] - 2, lat.shape[1] - 2
    line = np.full((hh, ww), np.nan)
    pixel = np.full((hh, ww), np.nan)
    theta = np.full((hh, ww), np.nan)
    flag = np.zeros((hh, ww), np.uint8)
    for r in prange(hh):
        t = t_guess
        for c in range(ww):
            i, j = r + 1, c + 1
            if not (np.isfinite(h[i, j]) and np.isfinite(lat[i, j])):
                flag[r, c] = OUTSIDE
                continue
            px, py, pz = llh_to_ecef(lat[i, j], lon[i, j], h[i, j])
            t, s, _ = zero_doppler(px, py, pz, ot, op, ov, t)
            lx, ly, lz = s[0] - px, s[1] - py, s[2] - pz
            sr = math.sqrt(lx * lx + ly * ly + lz * lz)
            line[r, c] = (t - t_first) / dt
            pixel[r, c] = ground_range(sr, t, conv_t, sr0, srgr) / spacing
            theta[r, c], flag[r, c] = _local_incidence(lat, lon, h, i, j, px, py, pz, lx / sr, ly / sr, lz / sr)
    return line, pixel, theta, flag


@njit(cache=True, inline="always")
def _local_incidence(lat, lon, h, i, j, px, py, pz, lx, ly, lz) -> tuple:
    """Signed local incidence angle in the range plane; layover when < 0, shadow when > 90 degrees."""
    ax, ay, az = llh_to_ecef(lat[i, j + 1], lon[i, j + 1], h[i, j + 1])
    bx, by, bz = llh_to_ecef(lat[i, j - 1], lon[i, j - 1], h[i, j - 1])
    cx, cy, cz = llh_to_ecef(lat[i - 1, j], lon[i - 1, j], h[i - 1, j])
    dx, dy, dz = llh_to_ecef(lat[i + 1, j], lon[i + 1, j], h[i + 1, j])
    ex, ey, ez = ax - bx, ay - by, az - bz  # along x (east-ish)
    nx_, ny_, nz_ = cx - dx, cy - dy, cz - dz  # along y (north-ish)
    qx, qy, qz = ey * nz_ - ez * ny_, ez * nx_ - ex * nz_, ex * ny_ - ey * nx_  # terrain normal
    phi, lam = math.radians(lat[i, j]), math.radians(lon[i, j])
    ux, uy, uz = math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)
    if qx * ux + qy * uy + qz * uz < 0:
        qx, qy, qz = -qx, -qy, -qz
    le = lx * ux + ly * uy + lz * uz  # look (to sensor) vertical part
    rx, ry, rz = -(lx - le * ux), -(ly - le * uy), -(lz - le * uz)  # horizontal, away from the sensor
    rn = math.sqrt(rx * rx + ry * ry + rz * rz) or 1.0
    rx, ry, rz = rx / rn, ry / rn, rz / rn
    lr = lx * rx + ly * ry + lz * rz
    incidence = math.atan2(-lr, le)
    slope = math.atan2(-(qx * rx + qy * ry + qz * rz), qx * ux + qy * uy + qz * uz)
    local = math.degrees(incidence - slope)
    if local < 0:
        return local, LAYOVER
    if local > 90:
        return local, SHADOW
    return local, OK


@njit(cache=True, parallel=True)
def bilinear(image, line, pixel, line0: int, pixel0: int):
    """Bilinear samples of `image` (a window starting at line0, pixel0) at fractional positions; NaN outside."""
    out = np.full(line.shape, np.nan, np.float32)
    nl, npx = image.shape
    for r in prange(line.shape[0]):
        for c in range(line.shape[1]):
            y, x = line[r, c] - line0, pixel[r, c] - pixel0
            if not (y >= 0 and x >= 0 and y <= nl - 1 and x <= npx - 1):
                continue
            y0, x0 = min(int(y), nl - 2), min(int(x), npx - 2)
            fy, fx = y - y0, x - x0
            out[r, c] = ((1 - fy) * ((1 - fx) * image[y0, x0] + fx * image[y0, x0 + 1])
                         + fy * ((1 - fx) * image[y0 + 1, x0] + fx * image[y0 + 1, x0 + 1]))
    return out


def geocode_block(geom: RadarGeometry, grid: Grid, rows: slice, cols: slice, heights: HeightFn) -> tuple:
    """line, pixel, local incidence and flags of one output block."""
    lon, lat = block_lonlat(grid, rows, cols)
    h = heights(lon, lat).astype(np.float64)
    t_mid = geom.first_line_time + 0.5 * geom.lines * geom.line_interval
    line, pixel, theta, flag = geocode_grid(lat, lon, h, geom.orbit_time, geom.orbit_pos, geom.orbit_vel,
                                            geom.first_line_time, geom.line_interval, geom.conv_time,
                                            geom.sr0, geom.srgr, geom.range_spacing, t_mid)
    outside = ~((line >= 0) & (line <= geom.lines - 1) & (pixel >= 0) & (pixel <= geom.samples - 1))
    flag[outside & (flag == OK)] = OUTSIDE
    return line, pixel, theta, flag


def _window(geom: RadarGeometry, grid: Grid, rows: slice, cols: slice, heights: HeightFn,
            step: int = 64, pad: int = 12) -> tuple[int, int, int, int] | None:
    """The image window (l0, l1, p0, p1) an output block needs, from a coarse pass at the block's extreme
    heights (sampled every 4th pixel; `pad` covers the relief between samples). The block -> image mapping
    at a fixed height is smooth (nearly affine), so nodes every `step` pixels bound it."""
    lon, lat = _sub_lonlat(grid, rows, cols, 4)
    h = heights(lon, lat)
    finite = np.isfinite(h)
    if not finite.any():
        return None
    slon, slat = _sub_lonlat(grid, rows, cols, step)
    pad_lat, pad_lon = np.pad(slat, 1, mode="edge"), np.pad(slon, 1, mode="edge")
    t_mid = geom.first_line_time + 0.5 * geom.lines * geom.line_interval
    lines, pixels = [], []
    for level in (float(np.nanmin(h)), float(np.nanmax(h))):
        ln, px, _, _ = geocode_grid(pad_lat, pad_lon, np.full(pad_lat.shape, level), geom.orbit_time,
                                    geom.orbit_pos, geom.orbit_vel, geom.first_line_time, geom.line_interval,
                                    geom.conv_time, geom.sr0, geom.srgr, geom.range_spacing, t_mid)
        lines.append(ln.ravel())
        pixels.append(px.ravel())
    ln, px = np.concatenate(lines), np.concatenate(pixels)
    l0, l1 = int(np.floor(np.nanmin(ln))) - pad, int(np.ceil(np.nanmax(ln))) + pad
    p0, p1 = int(np.floor(np.nanmin(px))) - pad, int(np.ceil(np.nanmax(px))) + pad
    l0, p0 = max(l0, 0), max(p0, 0)
    l1, p1 = min(l1, geom.lines), min(p1, geom.samples)
    if l1 - l0 < 2 or p1 - p0 < 2:
        return None
    return l0, l1, p0, p1


def _sub_lonlat(grid: Grid, rows: slice, cols: slice, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of every `step`-th pixel centre of a block, its last row and column included."""
    r = np.unique(np.r_[np.arange(rows.start, rows.stop, step), rows.stop - 1])
    c = np.unique(np.r_[np.arange(cols.start, cols.stop, step), cols.stop - 1])
    return lonlat_at(grid, r + 0.5, c + 0.5)


def _resample_block(window: np.ndarray, geom: RadarGeometry, grid: Grid, rows: slice, cols: slice,
                    heights: HeightFn, l0: int, p0: int, method: str = "tiepoints") -> np.ndarray:
    """Geocode one output block and sample the image window; no data where the flag is not OK."""
    if method == "exact":
        line, pixel, _, flag = geocode_block(geom, grid, rows, cols, heights)
    else:
        line, pixel, _, flag = geocode_block_fast(geom, grid, rows, cols, heights)
    window = np.asarray(window, np.float32)
    if window.ndim == 3:  # layers sharing one geometry: geocoded once, each layer sampled
        out = np.stack([bilinear(layer, line, pixel, l0, p0) for layer in window])
        out[:, flag != OK] = np.nan
        return out
    out = bilinear(window, line, pixel, l0, p0)
    out[flag != OK] = np.nan
    return out


def terrain_correct(image: xr.DataArray, geom: RadarGeometry, grid: Grid, heights: HeightFn | None = None,
                    block: int = 1024, method: str = "tiepoints") -> xr.DataArray:
    """Geocode a (line, pixel) radar image onto `grid`: a lazy (y, x) float32 DataArray, block by block; a
    (layer, line, pixel) image gives (layer, y, x), geocoded once for all layers.
    `method`: "tiepoints" (exact Newton on a 16-pixel node grid, interpolated) or "exact" (every pixel)."""
    heights = heights or ellipsoid_heights
    data = image.data if isinstance(image.data, da.Array) else da.from_array(np.asarray(image), chunks=2048)
    line0, pixel0 = int(image.attrs.get("line0", 0)), int(image.attrs.get("pixel0", 0))
    last_line, last_pixel = line0 + image.shape[-2], pixel0 + image.shape[-1]
    lead = tuple(image.shape[:-2])
    rows_blocks = []
    for r0 in range(0, grid.height, block):
        rows = slice(r0, min(r0 + block, grid.height))
        row = []
        for c0 in range(0, grid.width, block):
            cols = slice(c0, min(c0 + block, grid.width))
            shape = lead + (rows.stop - rows.start, cols.stop - cols.start)
            win = _window(geom, grid, rows, cols, heights)
            if win is None:
                row.append(da.full(shape, np.nan, dtype=np.float32))
                continue
            l0, l1 = max(win[0], line0), min(win[1], last_line)
            p0, p1 = max(win[2], pixel0), min(win[3], last_pixel)
            if l1 - l0 < 2 or p1 - p0 < 2:
                row.append(da.full(shape, np.nan, dtype=np.float32))
                continue
            window = data[..., l0 - line0:l1 - line0, p0 - pixel0:p1 - pixel0]
            task = dask.delayed(_resample_block)(window, geom, grid, rows, cols, heights, l0, p0, method)
            row.append(da.from_delayed(task, shape, dtype=np.float32))
        rows_blocks.append(row)
    out = xr.DataArray(da.block(rows_blocks), dims=tuple(image.dims[:-2]) + ("y", "x"),
                       coords={"y": grid.y_coords(), "x": grid.x_coords()})
    return out.rio.write_crs(grid.crs).rio.write_transform(grid.transform)
