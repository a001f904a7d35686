"""Geometry for simulated GRD products: a synthetic circular orbit, radar -> ground by root finding on a
DEM (the inverse of range-Doppler geocoding), ellipsoid and local incidence angles, srgr polynomials."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ai4c.products.sentinel1 import CoordinateConversion, OrbitVectors
from ai4c.sar.orbit import hermite_state
from ai4c.sar.rangedoppler import WGS84_A, WGS84_E2, llh_to_ecef

GM = 3.986004418e14
OMEGA_E = 7.2921150e-5
ALTITUDE = 693000.0
INCLINATION = 98.18


@dataclass
class Dem:
    """A DEM on a regular lon/lat grid: heights (ny, nx), top-left corner and steps in degrees."""

    height: np.ndarray
    lon0: float
    lat0: float
    dlon: float
    dlat: float

    @property
    def geo(self) -> np.ndarray:
        """(lon0, lat0, dlon, dlat) as the numba kernels take it."""
        return np.array([self.lon0, self.lat0, self.dlon, self.dlat])

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel-centre longitudes and latitudes."""
        ny, nx = self.height.shape
        return self.lon0 + self.dlon * (np.arange(nx) + 0.5), self.lat0 - self.dlat * (np.arange(ny) + 0.5)


@njit(cache=True, inline="always")
def ecef_to_llh(x: float, y: float, z: float) -> tuple:
    """ECEF -> geodetic (degrees, metres) by fixed-point iteration."""
    p = math.sqrt(x * x + y * y)
    lon = math.atan2(y, x)
    lat = math.atan2(z, p * (1.0 - WGS84_E2))
    h = 0.0
    for _ in range(5):
        n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * math.sin(lat) ** 2)
        h = p / math.cos(lat) - n
        lat = math.atan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    return math.degrees(lat), math.degrees(lon), h


@njit(cache=True, inline="always")
def dem_sample(dem, geo, lat: float, lon: float) -> float:
    """Bilinear DEM height at (lat, lon), clamped at the DEM edges."""
    ny, nx = dem.shape
    col = min(max((lon - geo[0]) / geo[2] - 0.5, 0.0), nx - 1.000001)
    row = min(max((geo[1] - lat) / geo[3] - 0.5, 0.0), ny - 1.000001)
    c0, r0 = int(col), int(row)
    fc, fr = col - c0, row - r0
    c1, r1 = min(c0 + 1, nx - 1), min(r0 + 1, ny - 1)
    return ((1 - fr) * ((1 - fc) * dem[r0, c0] + fc * dem[r0, c1]) + fr * ((1 - fc) * dem[r1, c0] + fc * dem[r1, c1]))


@njit(cache=True)
def radar_to_ground(t: float, sr: float, ot, op, ov, dem, geo) -> tuple:
    """The ground point at zero-Doppler time t and slant range sr on a right-looking SAR, height from the DEM.
    Returns (lat, lon, h, ecef x, y, z, sensor x, y, z)."""
    s, v, _ = hermite_state(ot, op, ov, t)
    vn = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
    vx, vy, vz = v[0] / vn, v[1] / vn, v[2] / vn
    rs = math.sqrt(s[0] ** 2 + s[1] ** 2 + s[2] ** 2)
    dx, dy, dz = -s[0] / rs, -s[1] / rs, -s[2] / rs
    dv = dx * vx + dy * vy + dz * vz
    dx, dy, dz = dx - dv * vx, dy - dv * vy, dz - dv * vz
    dn = math.sqrt(dx * dx + dy * dy + dz * dz)
    dx, dy, dz = dx / dn, dy / dn, dz / dn
    wx, wy, wz = dy * vz - dz * vy, dz * vx - dx * vz, dx * vy - dy * vx  # right of the track
    radius = 6371000.0
    phi = math.acos(min(max((rs * rs + sr * sr - radius * radius) / (2 * rs * sr), -1.0), 1.0))
    lat = lon = h = 0.0
    px = py = pz = 0.0
    f_prev = 0.0
    phi_prev = phi
    for it in range(30):
        px = s[0] + sr * (math.cos(phi) * dx + math.sin(phi) * wx)
        py = s[1] + sr * (math.cos(phi) * dy + math.sin(phi) * wy)
        pz = s[2] + sr * (math.cos(phi) * dz + math.sin(phi) * wz)
        lat, lon, h = ecef_to_llh(px, py, pz)
        f = h - dem_sample(dem, geo, lat, lon)
        if abs(f) < 1e-4:
            break
        if it == 0:
            step = 1e-4
        else:
            slope = (f - f_prev) / (phi - phi_prev) if phi != phi_prev else -sr
            step = -f / slope
            step = max(min(step, 0.02), -0.02)
        phi_prev, f_prev = phi, f
        phi += step
    return lat, lon, h, px, py, pz, s[0], s[1], s[2]


@njit(cache=True)
def _angles(lat, lon, px, py, pz, sx, sy, sz, dem, geo) -> tuple:
    """Ellipsoid and local incidence angles (degrees) at a ground point seen from the sensor."""
    lx, ly, lz = sx - px, sy - py, sz - pz
    ln = math.sqrt(lx * lx + ly * ly + lz * lz)
    lx, ly, lz = lx / ln, ly / ln, lz / ln
    phi, lam = math.radians(lat), math.radians(lon)
    ux, uy, uz = math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)
    ex, ey = -math.sin(lam), math.cos(lam)
    nx, ny, nz = -math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam), math.cos(phi)
    dlat, dlon = geo[3], geo[2]
    metres_n = dlat * math.pi / 180.0 * 6371000.0
    metres_e = dlon * math.pi / 180.0 * 6371000.0 * math.cos(phi)
    de = (dem_sample(dem, geo, lat, lon + dlon) - dem_sample(dem, geo, lat, lon - dlon)) / (2 * metres_e)
    dn_ = (dem_sample(dem, geo, lat + dlat, lon) - dem_sample(dem, geo, lat - dlat, lon)) / (2 * metres_n)
    tx, ty, tz = -de * ex - dn_ * nx + ux, -de * ey - dn_ * ny + uy, -dn_ * nz + uz
    tn = math.sqrt(tx * tx + ty * ty + tz * tz)
    cos_e = lx * ux + ly * uy + lz * uz
    cos_l = (lx * tx + ly * ty + lz * tz) / tn
    return math.degrees(math.acos(min(cos_e, 1.0))), math.degrees(math.acos(max(min(cos_l, 1.0), -1.0)))


@njit(cache=True, parallel=True)
def ground_of_image(times, srs, ot, op, ov, dem, geo):
    """For every (line time, slant range) pair of a grid: lat, lon, h, ellipsoid and local incidence."""
    nl, ns = srs.shape
    out = np.empty((5, nl, ns))
    for i in prange(nl):
        for j in range(ns):
            lat, lon, h, px, py, pz, sx, sy, sz = radar_to_ground(times[i], srs[i, j], ot, op, ov, dem, geo)
            inc_e, inc_l = _angles(lat, lon, px, py, pz, sx, sy, sz, dem, geo)
            out[0, i, j], out[1, i, j], out[2, i, j], out[3, i, j], out[4, i, j] = lat, lon, h, inc_e, inc_l
    return out


def slant_range_of(conv: CoordinateConversion, times: np.ndarray, ground: np.ndarray) -> np.ndarray:
    """Slant range of ground ranges (columns x spacing) with the nearest grsr record of each line time."""
    idx = np.abs(times[:, None] - conv.azimuth_time[None, :]).argmin(axis=1)
    out = np.empty((times.size, ground.size))
    for k in np.unique(idx):
        rows = idx == k
        out[rows] = np.polynomial.polynomial.polyval(ground - conv.gr0[k], conv.grsr[k])[None, :]
    return out


def circular_orbit(lat: float, lon: float, ascending: bool, t_mid: float, epoch: np.datetime64,
                   span: float = 120.0, step: float = 10.0) -> OrbitVectors:
    """ECEF state vectors of a circular sun-synchronous-like orbit whose sub-satellite point is (lat, lon) at t_mid."""
    r = WGS84_A + ALTITUDE
    inc = math.radians(INCLINATION)
    n = math.sqrt(GM / r ** 3)
    u0 = math.asin(max(min(math.sin(math.radians(lat)) / math.sin(inc), 1.0), -1.0))
    if not ascending:
        u0 = math.pi - u0
    x0 = math.cos(u0)
    y0 = math.sin(u0) * math.cos(inc)
    raan = math.radians(lon) - math.atan2(y0, x0)
    times = np.arange(t_mid - span, t_mid + span + step / 2, step)
    pos, vel = [], []
    for t in times:
        u = u0 + n * (t - t_mid)
        co, so = math.cos(raan), math.sin(raan)
        p_orb = np.array([math.cos(u), math.sin(u) * math.cos(inc), math.sin(u) * math.sin(inc)])
        v_orb = np.array([-math.sin(u), math.cos(u) * math.cos(inc), math.cos(u) * math.sin(inc)])
        rot = np.array([[co, -so, 0], [so, co, 0], [0, 0, 1]])
        p_eci, v_eci = r * rot @ p_orb, r * n * rot @ v_orb
        theta = OMEGA_E * (t - t_mid)
        ce, se = math.cos(theta), math.sin(theta)
        to_ecef = np.array([[ce, se, 0], [-se, ce, 0], [0, 0, 1]])
        omega = np.array([0.0, 0.0, OMEGA_E])
        pos.append(to_ecef @ p_eci)
        vel.append(to_ecef @ (v_eci - np.cross(omega, p_eci)))
    return OrbitVectors(epoch, times, np.array(pos), np.array(vel), "simulated")


def fit_conversion(orbit: OrbitVectors, times: np.ndarray, sr_near: float, samples: int, spacing: float,
                   degree: int = 5) -> CoordinateConversion:
    """srgr / grsr polynomials at each record time: ground range = arc length on the ellipsoid from near range."""
    flat = np.zeros((2, 2))
    geo = np.array([-180.0, 90.0, 360.0, 180.0])
    srgr, grsr = [], []
    for t in times:
        srs = sr_near + np.linspace(0.0, 1.0, 400) * samples * spacing * 0.9
        pts = np.array([radar_to_ground(t, s, orbit.time, orbit.position, orbit.velocity, flat, geo)[3:6]
                        for s in srs])
        gr = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
        srgr.append(np.polynomial.polynomial.polyfit(srs - sr_near, gr, degree))
        grsr.append(np.polynomial.polynomial.polyfit(gr, srs, degree))
    return CoordinateConversion(np.asarray(times), np.full(len(times), sr_near), np.array(srgr),
                                np.zeros(len(times)), np.array(grsr))


def llh_ecef(lat: float, lon: float, h: float) -> np.ndarray:
    """ECEF of a geodetic point (numpy convenience)."""
    return np.array(llh_to_ecef(lat, lon, h))
