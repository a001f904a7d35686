"""GeoSPARQL 1.1 (OGC 22-047) functions beyond 1.0 that geof.py does not hold: metric measures in metres,
z extents, transform, concave hulls, serialisation functions and the concave-hull aggregate."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyoxigraph as ox
import shapely

from ai4c.linked.geo.geometry import (
    Geo,
    normalise_crs_iri,
    pyproj_crs,
    to_geojson_literal,
    to_gml_literal,
    to_kml_literal,
)
from ai4c.linked.geo.terms import double, geometry_literal
from ai4c.linked.geo.vocab import GEOF, GEOJSON_LITERAL, GML_LITERAL, KML_LITERAL
from ai4c.linked.store import measure
from ai4c.linked.store.geof import GeometryAggregate
from ai4c.linked.store.udf import Unbound, geo_arg, number_arg, sparql_function, text_arg


@sparql_function
def metric_area(a):
    """geof:metricArea: square metres (geodesic on a geographic CRS)."""
    return double(measure.area(geo_arg(a), "metre"))


@sparql_function
def metric_length(a):
    """geof:metricLength: metres along the geometry (its boundary for surfaces, as geof:length)."""
    geo = geo_arg(a)
    return double(measure.length(Geo(_linear(geo.geom), geo.crs), "metre"))


@sparql_function
def metric_perimeter(a):
    """geof:metricPerimeter: metres around a surface (0 for points and lines, which enclose nothing)."""
    geo = geo_arg(a)
    if shapely.get_dimensions(geo.geom) < 2:
        return double(0.0)
    return double(measure.length(Geo(geo.geom.boundary, geo.crs), "metre"))


@sparql_function
def metric_distance(a, b):
    """geof:metricDistance: metres between the nearest points."""
    return double(measure.distance(geo_arg(a), geo_arg(b), "metre"))


@sparql_function
def metric_buffer(a, radius):
    """geof:metricBuffer: the geometry grown by `radius` metres."""
    return geometry_literal(measure.buffer(geo_arg(a), number_arg(radius), "metre"), a)


def _linear(geom: shapely.Geometry) -> shapely.Geometry:
    return geom.boundary if shapely.get_dimensions(geom) == 2 else geom


def _z(kind: str) -> Callable:
    @sparql_function
    def function(a):
        geom = geo_arg(a).geom
        if not shapely.has_z(geom) or geom.is_empty:
            raise Unbound  # a 2D geometry has no z extent
        z = shapely.get_coordinates(geom, include_z=True)[:, 2]
        return double(float(np.min(z) if kind == "min" else np.max(z)))

    return function


@sparql_function
def transform(a, crs):
    """geof:transform: the geometry in another CRS (same serialisation)."""
    target = normalise_crs_iri(text_arg(crs))
    pyproj_crs(target)  # an unknown target CRS is an error, as for literals
    return geometry_literal(geo_arg(a).to(target), a)


@sparql_function
def concave_hull(a, ratio=None):
    """geof:concaveHull(geom, ratio): GEOS's concave hull (ratio 1 = convex hull, 0 = tightest)."""
    geo = geo_arg(a)
    value = number_arg(ratio) if ratio is not None else 0.0
    if not 0.0 <= value <= 1.0:
        raise Unbound
    return geometry_literal(Geo(shapely.concave_hull(geo.geom, ratio=value), geo.crs), a)


def _serialiser(datatype: str, write: Callable[[Geo], str]) -> Callable:
    @sparql_function
    def function(a):
        return ox.Literal(write(geo_arg(a)), datatype=ox.NamedNode(datatype))

    return function


def functions() -> dict[str, Callable]:
    """IRI -> implementation of the GeoSPARQL 1.1 functions defined here."""
    return {
        GEOF + "metricArea": metric_area, GEOF + "metricLength": metric_length,
        GEOF + "metricPerimeter": metric_perimeter, GEOF + "metricDistance": metric_distance,
        GEOF + "metricBuffer": metric_buffer, GEOF + "minZ": _z("min"), GEOF + "maxZ": _z("max"),
        GEOF + "transform": transform, GEOF + "concaveHull": concave_hull,
        GEOF + "asGML": _serialiser(GML_LITERAL, to_gml_literal),
        GEOF + "asGeoJSON": _serialiser(GEOJSON_LITERAL, to_geojson_literal),
        GEOF + "asKML": _serialiser(KML_LITERAL, to_kml_literal),
    }


def aggregates() -> dict[str, Callable]:
    """IRI -> factory of the GeoSPARQL 1.1 aggregates defined here."""
    return {GEOF + "aggConcaveHull": lambda: GeometryAggregate(
        lambda geoms: shapely.concave_hull(shapely.GeometryCollection(geoms), ratio=0.0))}
