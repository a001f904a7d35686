"""Target grids: CRS from UTM/WGS84/EPSG/PROJ/WKT, resolution in metres, pixel-aligned bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS
from pyproj.exceptions import CRSError

from ai4c.core.errors import AoIError, InvalidParameterError, check_positive

WGS84_SEMI_MAJOR_AXIS = 6378137.0


def metres_to_degrees(metres: float) -> float:
    """SNAP's conversion of a pixel size in metres to degrees: metres / WGS84 semi-major axis, in degrees."""
    return math.degrees(metres / WGS84_SEMI_MAJOR_AXIS)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 / UTM zone CRS containing (lon, lat)."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def resolve_crs(spec: str | None, *, native: CRS | None = None, center_lonlat: tuple[float, float] | None = None) -> CRS:
    """Resolve `--projection`: `UTM` (the product's own zone, else the zone of the centre), `WGS84`,
    `EPSG:n`, or any PROJ/WKT string pyproj understands."""
    text = (spec or "UTM").strip()
    upper = text.upper()
    if upper == "UTM":
        if native is not None and native.utm_zone:
            return native
        if center_lonlat is None:
            raise InvalidParameterError("projection UTM needs a location to choose the zone; give EPSG:n")
        return utm_crs_for(*center_lonlat)
    if upper in ("WGS84", "WGS 84", "EPSG:4326", "WGS84(DD)"):
        return CRS.from_epsg(4326)
    try:
        return CRS.from_user_input(text)
    except CRSError as err:
        raise InvalidParameterError(
            f"projection {text!r} is not a CRS; use UTM, WGS84, EPSG:n, a PROJ string or WKT") from err


def pixel_size(resolution_m: float, crs: CRS) -> float:
    """Pixel size in CRS units for a resolution in metres (degrees by SNAP's rule for geographic CRSs)."""
    resolution_m = check_positive("resolution", resolution_m)
    if crs.is_geographic:
        return metres_to_degrees(resolution_m)
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return resolution_m / factor


@dataclass(frozen=True)
class Grid:
    """A regular north-up raster grid: CRS, affine transform, and shape."""

    crs: CRS
    transform: Affine
    width: int
    height: int

    @property
    def resolution(self) -> float:
        """Pixel size in CRS units."""
        return self.transform.a

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        left, top = self.transform.c, self.transform.f
        return left, top + self.transform.e * self.height, left + self.transform.a * self.width, top

    def x_coords(self) -> np.ndarray:
        """Pixel-centre x coordinates."""
        return self.transform.c + self.transform.a * (np.arange(self.width) + 0.5)

    def y_coords(self) -> np.ndarray:
        """Pixel-centre y coordinates."""
        return self.transform.f + self.transform.e * (np.arange(self.height) + 0.5)


def aligned_grid(bounds: tuple[float, float, float, float], crs: CRS, size: float) -> Grid:
    """The smallest grid of pixel `size` covering `bounds` whose edges are multiples of `size`."""
    left, bottom, right, top = bounds
    if not (right > left and top > bottom):
        raise AoIError(f"empty extent {bounds}; the AoI does not overlap the data")
    eps = size * 1e-9
    x0 = math.floor((left + eps) / size) * size
    y1 = math.ceil((top - eps) / size) * size
    x1 = math.ceil((right - eps) / size) * size
    y0 = math.floor((bottom + eps) / size) * size
    width = max(1, round((x1 - x0) / size))
    height = max(1, round((y1 - y0) / size))
    return Grid(crs, Affine(size, 0.0, x0, 0.0, -size, y1), width, height)


def intersect_bounds(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """Intersection of two (left, bottom, right, top) boxes, or None when they do not overlap."""
    left, bottom = max(a[0], b[0]), max(a[1], b[1])
    right, top = min(a[2], b[2]), min(a[3], b[3])
    if right <= left or top <= bottom:
        return None
    return left, bottom, right, top
