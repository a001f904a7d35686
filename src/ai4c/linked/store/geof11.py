"""GeoSPARQL 1.1 (OGC 22-047) functions beyond 1.0: metric measures in metres, sizes in a unit of measure
(area, length, perimeter), z extents, geometry type and dimensions, transform, bounding circle, concave
hulls, serialisation functions (asDGGS to the declared DGGS) and the concave-hull aggregate. Entries here
replace geof.py's of the same name (the store merges this table last)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyoxigraph as ox
import shapely

from ai4c.linked.geo import dggs
from ai4c.linked.geo.geometry import (
    Geo,
    normalise_crs_iri,
    pyproj_crs,
    to_geojson_literal,
    to_gml_literal,
    to_kml_literal,
)
from ai4c.linked.geo.terms import boolean, double, geometry_literal, integer
from ai4c.linked.geo.vocab import (
    CRS84,
    DGGS_QUAD_LITERAL,
    GEOF,
    GEOJSON_LITERAL,
    GML_LITERAL,
    KML_LITERAL,
    SF,
    XSD,
)
from ai4c.linked.store import measure
from ai4c.linked.store.geof import GeometryAggregate
from ai4c.linked.store.udf import Unbound, geo_arg, number_arg, sparql_function, text_arg

# metric units of measure (OGC uom local names, lower case) -> metres or square metres per unit
_LENGTH_UNITS = {"metre": 1.0, "meter": 1.0, "m": 1.0, "kilometre": 1e3, "kilometer": 1e3, "km": 1e3}
_AREA_UNITS = {"squaremetre": 1.0, "squaremeter": 1.0, "square_metre": 1.0, "square_meter": 1.0,
               "squarekilometre": 1e6, "squarekilometer": 1e6, "square_kilometre": 1e6, "hectare": 1e4,
               **{name: factor ** 2 for name, factor in _LENGTH_UNITS.items()}}  # uom:metre for an area: m2


def _unit_key(unit) -> str:
    return text_arg(unit).rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()


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


@sparql_function
def area(a, unit=None):
    """geof:area(geom, uom): the area in square metres (geodesic on a geographic CRS), or in the given
    area unit (uom:squareMetre, squareKilometre, hectare; a length unit means its square); an angular
    unit gives the planar area in the CRS's degrees."""
    geo = geo_arg(a)
    key = _unit_key(unit) if unit is not None else "squaremetre"
    if key in _AREA_UNITS:
        return double(measure.area(geo, "metre") / _AREA_UNITS[key])
    return double(measure.area(geo, measure.unit_name(text_arg(unit))))


def _measured_length(geo: Geo, unit) -> float:
    """Length of `geo` in a length unit (metres by default; geodesic on a geographic CRS)."""
    key = _unit_key(unit) if unit is not None else "metre"
    if key in _LENGTH_UNITS:
        return measure.length(geo, "metre") / _LENGTH_UNITS[key]
    return measure.length(geo, measure.unit_name(text_arg(unit)))


@sparql_function
def length(a, unit=None):
    """geof:length(geom, uom): length of a curve, of a surface's boundary (as metricLength), 0 for points."""
    geo = geo_arg(a)
    return double(_measured_length(Geo(_linear(geo.geom), geo.crs), unit))


@sparql_function
def perimeter(a, unit=None):
    """geof:perimeter(geom, uom): length of a surface's boundary; 0 for points and curves (they enclose
    nothing), as geof:metricPerimeter."""
    geo = geo_arg(a)
    if shapely.get_dimensions(geo.geom) < 2:
        return double(0.0)
    return double(_measured_length(Geo(geo.geom.boundary, geo.crs), unit))


@sparql_function
def bounding_circle(a):
    """geof:boundingCircle: the smallest circle enclosing the geometry (a polygon approximating it)."""
    geo = geo_arg(a)
    return geometry_literal(Geo(shapely.minimum_bounding_circle(geo.geom), geo.crs), a)


@sparql_function
def geometry_type(a):
    """geof:geometryType: the Simple Features class IRI of the geometry (sf:Point, sf:Polygon, ...)."""
    return ox.Literal(SF + geo_arg(a).geom.geom_type, datatype=ox.NamedNode(XSD + "anyURI"))


@sparql_function
def spatial_dimension(a):
    """geof:spatialDimension: 2, or 3 with z (a measure m is a coordinate but not a spatial one)."""
    return integer(3 if shapely.has_z(geo_arg(a).geom) else 2)


def _has(test: Callable[[shapely.Geometry], bool]) -> Callable:
    @sparql_function
    def function(a):
        return boolean(bool(test(geo_arg(a).geom)))

    return function


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
    def function(a, profile=None):  # asGML(geom, "GML 3.2.1"): the profile names what is written anyway
        return ox.Literal(write(geo_arg(a)), datatype=ox.NamedNode(datatype))

    return function


@sparql_function
def as_dggs(a, datatype, resolution=None):
    """geof:asDGGS(geom, specificDggsDatatype[, resolution]): the geometry's compact covering by cells of the
    declared DGGS (LonLatQuad, `linked/geo/dggs.py`) at `resolution` (0-30; by default cells at most 1/16 of
    the geometry's extent, or the grid its vertices lie on); another datatype (the generic geo:dggsLiteral
    included: Req 35) is an error."""
    if text_arg(datatype) != DGGS_QUAD_LITERAL:
        raise Unbound
    level = None
    if resolution is not None:
        level = number_arg(resolution)
        if level != int(level):
            raise Unbound
    text = dggs.to_dggs_literal(geo_arg(a).to(CRS84).geom, None if level is None else int(level))
    return ox.Literal(text, datatype=ox.NamedNode(DGGS_QUAD_LITERAL))


def functions() -> dict[str, Callable]:
    """IRI -> implementation of the GeoSPARQL 1.1 functions defined here."""
    return {
        GEOF + "metricArea": metric_area, GEOF + "metricLength": metric_length,
        GEOF + "metricPerimeter": metric_perimeter, GEOF + "metricDistance": metric_distance,
        GEOF + "metricBuffer": metric_buffer, GEOF + "minZ": _z("min"), GEOF + "maxZ": _z("max"),
        GEOF + "transform": transform, GEOF + "concaveHull": concave_hull,
        GEOF + "area": area, GEOF + "length": length, GEOF + "perimeter": perimeter,
        GEOF + "boundingCircle": bounding_circle, GEOF + "geometryType": geometry_type,
        GEOF + "spatialDimension": spatial_dimension, GEOF + "is3D": _has(shapely.has_z),
        GEOF + "isMeasured": _has(shapely.has_m),
        GEOF + "asGML": _serialiser(GML_LITERAL, to_gml_literal),
        GEOF + "asGeoJSON": _serialiser(GEOJSON_LITERAL, to_geojson_literal),
        GEOF + "asKML": _serialiser(KML_LITERAL, to_kml_literal), GEOF + "asDGGS": as_dggs,
    }


def aggregates() -> dict[str, Callable]:
    """IRI -> factory of the GeoSPARQL 1.1 aggregates defined here."""
    return {GEOF + "aggConcaveHull": lambda: GeometryAggregate(
        lambda geoms: shapely.concave_hull(shapely.GeometryCollection(geoms), ratio=0.0))}
