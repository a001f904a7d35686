"""GeoSPARQL 1.0/1.1 filter functions (geof:) as pyoxigraph custom functions and aggregates."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import shapely

from ai4c.linked.geo.geometry import Geo, UnknownCrsError
from ai4c.linked.geo.terms import boolean, double, geometry_literal, integer
from ai4c.linked.geo.vocab import CRS84, GEOF
from ai4c.linked.store import measure
from ai4c.linked.store.udf import (
    Unbound,
    geo_arg,
    number_arg,
    record_error,
    sparql_function,
    text_arg,
)

# DE-9IM patterns of the Egenhofer and RCC8 families (GeoSPARQL 1.0, tables 7 and 8); several
# patterns for one relation are alternatives.
DE9IM: dict[str, tuple[str, ...]] = {
    "ehEquals": ("TFFFTFFFT",), "ehDisjoint": ("FF*FF****",),
    "ehMeet": ("FT*******", "F**T*****", "F***T****"), "ehOverlap": ("T*T***T**",),
    "ehCovers": ("T*TFT*FF*",), "ehCoveredBy": ("TFF*TFT**",), "ehInside": ("TFF*FFT**",),
    "ehContains": ("T*TFF*FF*",),
    "rcc8eq": ("TFFFTFFFT",), "rcc8dc": ("FFTFFTTTT",), "rcc8ec": ("FFTFTTTTT",),
    "rcc8po": ("TTTTTTTTT",), "rcc8tppi": ("TTTFTTFFT",), "rcc8tpp": ("TFFTTFTTT",),
    "rcc8ntpp": ("TFFTFFTTT",), "rcc8ntppi": ("TTTFFTFFT",),
}
SIMPLE_FEATURES: dict[str, Callable[[shapely.Geometry, shapely.Geometry], bool]] = {
    "sfEquals": lambda a, b: bool(shapely.equals(a, b)) or (a.is_empty and b.is_empty),
    "sfDisjoint": lambda a, b: bool(shapely.disjoint(a, b)),
    "sfIntersects": lambda a, b: bool(shapely.intersects(a, b)),
    "sfTouches": lambda a, b: bool(shapely.touches(a, b)),
    "sfCrosses": lambda a, b: bool(shapely.crosses(a, b)),
    "sfWithin": lambda a, b: bool(shapely.within(a, b)),
    "sfContains": lambda a, b: bool(shapely.contains(a, b)),
    "sfOverlaps": lambda a, b: bool(shapely.overlaps(a, b)),
}
RELATIONS = [*SIMPLE_FEATURES, *DE9IM]


def relation_holds(name: str, a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Whether topological relation `name` (sfWithin, ehMeet, rcc8po, ...) holds between a and b."""
    if name in SIMPLE_FEATURES:
        return SIMPLE_FEATURES[name](a, b)
    if a.is_empty or b.is_empty:
        return name in ("ehDisjoint", "rcc8dc") or (name in ("ehEquals", "rcc8eq") and a.is_empty
                                                     and b.is_empty)
    matrix = shapely.relate(a, b)
    return any(_matches(matrix, pattern) for pattern in DE9IM[name])


def _matches(matrix: str, pattern: str) -> bool:
    for value, want in zip(matrix, pattern, strict=True):
        if want == "*" or (want == "T" and value != "F") or want == value:
            continue
        return False
    return True


def _relation(name: str) -> Callable:
    @sparql_function
    def function(a, b):
        ga, gb = geo_arg(a), geo_arg(b)
        return boolean(relation_holds(name, ga.geom, gb.to(ga.crs).geom))

    function.__name__ = name
    return function


def _binary(op: Callable[[shapely.Geometry, shapely.Geometry], shapely.Geometry]) -> Callable:
    @sparql_function
    def function(a, b):
        ga, gb = geo_arg(a), geo_arg(b)
        return geometry_literal(Geo(op(ga.geom, gb.to(ga.crs).geom), ga.crs), a)

    return function


def _unary(op: Callable[[shapely.Geometry], shapely.Geometry]) -> Callable:
    @sparql_function
    def function(a):
        ga = geo_arg(a)
        return geometry_literal(Geo(op(ga.geom), ga.crs), a)

    return function


@sparql_function
def distance(a, b, unit):
    """geof:distance(a, b, uom)."""
    return double(measure.distance(geo_arg(a), geo_arg(b), measure.unit_name(text_arg(unit))))


@sparql_function
def buffer(a, radius, unit):
    """geof:buffer(a, radius, uom)."""
    geo = measure.buffer(geo_arg(a), number_arg(radius), measure.unit_name(text_arg(unit)))
    return geometry_literal(geo, a)


@sparql_function
def relate(a, b, pattern):
    """geof:relate(a, b, 'DE-9IM pattern')."""
    ga, gb = geo_arg(a), geo_arg(b)
    mask = text_arg(pattern).strip()
    if len(mask) != 9:
        raise Unbound
    return boolean(_matches(shapely.relate(ga.geom, gb.to(ga.crs).geom), mask.upper()))


@sparql_function
def get_srid(a):
    """geof:getSRID: the CRS IRI of a geometry literal (an xsd:anyURI literal)."""
    return ox.Literal(geo_arg(a).crs, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI"))


def is_simple(geom: shapely.Geometry) -> bool:
    """OGC isSimple; an empty geometry is simple."""
    return True if geom.is_empty else bool(shapely.is_simple(geom))


def _dimension(geom: shapely.Geometry) -> int:
    if geom.is_empty:
        return 0 if geom.geom_type == "Point" else {"LineString": 1, "Polygon": 2}.get(geom.geom_type, 0)
    return int(shapely.get_dimensions(geom))


def _coordinate_dimension(geom: shapely.Geometry) -> int:
    return int(shapely.get_coordinate_dimension(geom))


def _bbox(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.envelope(geom)


def _scalar(func: Callable[[Geo], ox.Literal]) -> Callable:
    @sparql_function
    def function(a):
        return func(geo_arg(a))

    return function


def _geometry_n(a, n):
    geo = geo_arg(a)
    parts = list(getattr(geo.geom, "geoms", [geo.geom]))
    index = int(number_arg(n)) - 1
    if not 0 <= index < len(parts):
        raise Unbound
    return geometry_literal(Geo(parts[index], geo.crs), a)


def _coordinate(axis: int, kind: str) -> Callable:
    def function(geo: Geo) -> ox.Literal:
        bounds = geo.to(CRS84).geom.bounds if geo.crs != CRS84 else geo.geom.bounds
        if kind == "min":
            return double(bounds[axis])
        if kind == "max":
            return double(bounds[axis + 2])
        point = geo.geom
        if point.geom_type != "Point":
            raise Unbound
        return double(point.coords[0][axis])

    return function


def functions() -> dict[str, Callable]:
    """IRI -> implementation of every geof: function."""
    table: dict[str, Callable] = {GEOF + name: _relation(name) for name in RELATIONS}
    table.update({
        GEOF + "distance": distance, GEOF + "buffer": buffer, GEOF + "relate": relate,
        GEOF + "getSRID": get_srid,
        GEOF + "intersection": _binary(shapely.intersection), GEOF + "union": _binary(shapely.union),
        GEOF + "difference": _binary(shapely.difference),
        GEOF + "symDifference": _binary(shapely.symmetric_difference),
        GEOF + "convexHull": _unary(shapely.convex_hull), GEOF + "envelope": _unary(_bbox),
        GEOF + "boundary": _unary(shapely.boundary), GEOF + "centroid": _unary(shapely.centroid),
        GEOF + "geometryN": sparql_function(_geometry_n),
        GEOF + "dimension": _scalar(lambda g: integer(_dimension(g.geom))),
        GEOF + "coordinateDimension": _scalar(lambda g: integer(_coordinate_dimension(g.geom))),
        GEOF + "isEmpty": _scalar(lambda g: boolean(g.geom.is_empty)),
        GEOF + "isSimple": _scalar(lambda g: boolean(is_simple(g.geom))),
        GEOF + "numGeometries": _scalar(lambda g: integer(shapely.get_num_geometries(g.geom))),
        GEOF + "asWKT": _scalar(lambda g: geometry_literal(g)),
        GEOF + "minX": _scalar(_coordinate(0, "min")), GEOF + "maxX": _scalar(_coordinate(0, "max")),
        GEOF + "minY": _scalar(_coordinate(1, "min")), GEOF + "maxY": _scalar(_coordinate(1, "max")),
    })
    return table


class GeometryAggregate:
    """Accumulates geometry literals and combines them at the end (union, hull, box, centroid, ...)."""

    def __init__(self, combine: Callable[[list[shapely.Geometry]], shapely.Geometry]) -> None:
        self.combine = combine
        self.geoms: list[shapely.Geometry] = []
        self.crs: str | None = None
        self.like: ox.Literal | None = None

    def accumulate(self, term) -> None:
        """Add one row's geometry (rows whose literal is not a geometry are skipped)."""
        try:
            geo = geo_arg(term)
        except Unbound:  # not a geometry: like SPARQL's own aggregates, the row does not contribute
            return
        except UnknownCrsError as exc:
            record_error(exc)
            return
        if self.crs is None:
            self.crs, self.like = geo.crs, term
        self.geoms.append(geo.to(self.crs).geom)

    def finish(self):
        """The combined geometry literal, or unbound when no row had a geometry."""
        if not self.geoms:
            return None
        return geometry_literal(Geo(self.combine(self.geoms), self.crs), self.like)


def _centroid(geoms):
    return shapely.centroid(shapely.union_all(geoms))


def _circle(geoms):
    return shapely.minimum_bounding_circle(shapely.GeometryCollection(geoms))


def aggregates() -> dict[str, Callable[[], GeometryAggregate]]:
    """IRI -> accumulator factory of the GeoSPARQL 1.1 aggregates."""
    table = {
        "aggUnion": shapely.union_all,
        "aggConvexHull": lambda g: shapely.convex_hull(shapely.GeometryCollection(g)),
        "aggBoundingBox": lambda g: shapely.envelope(shapely.GeometryCollection(g)),
        "aggBoundingCircle": _circle,
        "aggCentroid": _centroid,
    }
    return {GEOF + name: (lambda f=f: GeometryAggregate(f)) for name, f in table.items()}
