"""The search area of a spatial relation to a place: the place itself, a buffer of N km around it
(geodesic, in a local azimuthal equidistant projection), or the band north/south/east/west of it."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from ai4c.linked.qa.gazetteer import Place
from ai4c.linked.qa.interpretation import DIRECTION_REACH_KM, Interpretation

KM_PER_DEGREE = 111.32


GEOD = Geod(ellps="WGS84")


def geodesic_circle(lon: float, lat: float, km: float, vertices: int = 128) -> BaseGeometry:
    """The polygon of points `km` kilometres (geodesic, WGS84) from lon/lat."""
    azimuths = np.linspace(0.0, 360.0, vertices, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(vertices, lon), np.full(vertices, lat), azimuths, np.full(vertices, km * 1000.0))
    return Polygon(zip(lons, lats, strict=True))


def buffer_km(geometry: BaseGeometry, km: float) -> BaseGeometry:
    """`geometry` grown by `km` kilometres: a geodesic circle around a point, else a buffer computed in an
    azimuthal equidistant projection centred on the geometry."""
    if geometry.geom_type == "Point":
        return geodesic_circle(geometry.x, geometry.y, km)
    centre = geometry.centroid
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m")
    forward = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    back = Transformer.from_crs(local, "EPSG:4326", always_xy=True)

    def through(transformer: Transformer):
        return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    projected = shapely.transform(geometry, through(forward))
    return shapely.transform(projected.buffer(km * 1000.0, 64), through(back))


def direction_band(geometry: BaseGeometry, direction: str, reach_km: float = DIRECTION_REACH_KM) -> BaseGeometry:
    """The band beyond the place's edge in one direction, as wide as the place and `reach_km` deep."""
    import math

    minx, miny, maxx, maxy = geometry.bounds
    dlat = reach_km / KM_PER_DEGREE
    dlon = reach_km / (KM_PER_DEGREE * max(0.1, math.cos(math.radians((miny + maxy) / 2))))
    bands = {"north": (minx, maxy, maxx, min(90.0, maxy + dlat)),
             "south": (minx, max(-90.0, miny - dlat), maxx, miny),
             "east": (maxx, miny, min(180.0, maxx + dlon), maxy),
             "west": (max(-180.0, minx - dlon), miny, minx, maxy)}
    minx, miny, maxx, maxy = bands[direction]
    if maxx - minx < 1e-9:  # a point place: give the band the width of its reach
        minx, maxx = minx - dlon / 2, maxx + dlon / 2
    if maxy - miny < 1e-9:
        miny, maxy = miny - dlat / 2, maxy + dlat / 2
    return box(minx, miny, maxx, maxy)


def search_area(place: Place, interp: Interpretation) -> BaseGeometry:
    """The geometry product footprints must intersect for this place and relation."""
    if interp.relation in ("north", "south", "east", "west"):
        return direction_band(place.geometry, interp.relation)
    radius = interp.radius_km
    if radius:
        return buffer_km(place.geometry, radius)
    return place.geometry
