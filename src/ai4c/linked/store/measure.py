"""Units of measure and metric operations (distance, buffer, area, length) on geometries with CRS."""

from __future__ import annotations

import functools
import math

import shapely
from pyproj import Geod
from shapely.ops import nearest_points

from ai4c.core.grid import WGS84_SEMI_MAJOR_AXIS
from ai4c.linked.geo.geometry import Geo, pyproj_crs, transform_geom

METRE_PER_DEGREE = 2 * math.pi * WGS84_SEMI_MAJOR_AXIS / 360.0
_GEOD = Geod(ellps="WGS84")
QUAD_SEGS = 8  # segments per quarter circle, as JTS and PostGIS
_UNITS = {"metre": "metre", "meter": "metre", "m": "metre", "degree": "degree", "radian": "radian",
          "unity": "unity", "square_metre": "metre", "square_meter": "metre", "square_kilometre": "kilometre",
          "kilometre": "kilometre", "kilometer": "kilometre", "km": "kilometre"}


def unit_name(iri: str) -> str:
    """'metre', 'kilometre', 'degree', 'radian' or 'unity' from a unit IRI such as uom:metre."""
    local = iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()
    if local not in _UNITS:
        raise ValueError(f"unknown unit of measure {iri!r}")
    return _UNITS[local]


@functools.lru_cache(maxsize=256)
def is_geographic(crs: str) -> bool:
    """Whether the CRS has angular (degree) coordinates."""
    return pyproj_crs(crs).is_geographic


def _to_metres(value: float, unit: str) -> float:
    return value * 1000.0 if unit == "kilometre" else value


def _from_metres(value: float, unit: str) -> float:
    if unit == "kilometre":
        return value / 1000.0
    if unit == "degree":
        return value / METRE_PER_DEGREE
    if unit == "radian":
        return math.radians(value / METRE_PER_DEGREE)
    return value


def distance(a: Geo, b: Geo, unit: str) -> float:
    """Distance between two geometries in `unit` (geodesic metres for geographic CRSs)."""
    b = b.to(a.crs)
    if a.geom.is_empty or b.geom.is_empty:
        raise ValueError("distance to an empty geometry")
    if is_geographic(a.crs):
        if unit in ("degree", "radian", "unity"):
            planar = shapely.distance(a.geom, b.geom)
            return math.radians(planar) if unit == "radian" else planar
        pa, pb = nearest_points(a.geom, b.geom)
        lon_lat = _lonlat(a.crs, [pa, pb])
        _, _, metres = _GEOD.inv(lon_lat[0][0], lon_lat[0][1], lon_lat[1][0], lon_lat[1][1])
        return _from_metres(metres, unit)
    metres = shapely.distance(a.geom, b.geom) * _crs_unit_factor(a.crs)
    return _from_metres(metres, unit)


def _lonlat(crs: str, points) -> list[tuple[float, float]]:
    from ai4c.linked.geo.geometry import CRS84

    return [tuple(transform_geom(p, crs, CRS84).coords[0]) for p in points]


@functools.lru_cache(maxsize=256)
def _crs_unit_factor(crs: str) -> float:
    axes = pyproj_crs(crs).axis_info
    return float(axes[0].unit_conversion_factor) if axes else 1.0


def buffer(a: Geo, radius: float, unit: str) -> Geo:
    """Buffer by `radius` in `unit`; metres on a geographic CRS go through a local equidistant projection."""
    if is_geographic(a.crs) and unit in ("degree", "unity"):
        return Geo(a.geom.buffer(radius, quad_segs=QUAD_SEGS), a.crs)
    if is_geographic(a.crs) and unit == "radian":
        return Geo(a.geom.buffer(math.degrees(radius), quad_segs=QUAD_SEGS), a.crs)
    if unit in ("degree", "radian"):  # angular radius on a projected CRS: buffer in WGS84 degrees
        from ai4c.linked.geo.geometry import CRS84

        return buffer(a.to(CRS84), radius, unit)
    metres = _to_metres(radius, unit)
    if is_geographic(a.crs):
        local = _local_crs(a)
        projected = transform_geom(a.geom, a.crs, local)
        return Geo(transform_geom(projected.buffer(metres, quad_segs=QUAD_SEGS), local, a.crs), a.crs)
    return Geo(a.geom.buffer(metres / _crs_unit_factor(a.crs), quad_segs=QUAD_SEGS), a.crs)


def _local_crs(a: Geo) -> str:
    """The metric CRS for a geometry given in degrees: the UTM zone of its centroid (as PostGIS's
    geography buffer does), or a polar stereographic CRS beyond +-80 degrees latitude."""
    from ai4c.linked.geo import geometry

    centre = transform_geom(a.geom.centroid, a.crs, geometry.CRS84)
    if centre.y > 80:
        return geometry.EPSG_PREFIX + "3413"
    if centre.y < -80:
        return geometry.EPSG_PREFIX + "3031"
    zone = min(60, int((centre.x + 180) // 6) + 1)
    return geometry.EPSG_PREFIX + str((32600 if centre.y >= 0 else 32700) + zone)


def area(a: Geo, unit: str) -> float:
    """Area in square `unit` (geodesic square metres for geographic CRSs)."""
    if is_geographic(a.crs) and unit == "metre":
        from ai4c.linked.geo.geometry import CRS84

        geom = a.to(CRS84).geom
        return abs(_GEOD.geometry_area_perimeter(geom)[0])
    if is_geographic(a.crs):
        return a.geom.area
    return a.geom.area * _crs_unit_factor(a.crs) ** 2 / (1e6 if unit == "kilometre" else 1.0)


def length(a: Geo, unit: str) -> float:
    """Length (or perimeter) in `unit` (geodesic metres for geographic CRSs)."""
    if is_geographic(a.crs) and unit in ("metre", "kilometre"):
        from ai4c.linked.geo.geometry import CRS84

        geom = a.to(CRS84).geom
        return _from_metres(_GEOD.geometry_length(geom), unit)
    if is_geographic(a.crs):
        return a.geom.length
    return _from_metres(a.geom.length * _crs_unit_factor(a.crs), unit)
