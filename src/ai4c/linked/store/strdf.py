"""Strabon's stSPARQL functions (strdf:): spatial relations, MBB relations, metrics, analysis,
aggregates, and valid-time periods (strdf:period literals)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pyoxigraph as ox
import shapely

from ai4c.linked.geo.geometry import Geo, normalise_crs_iri
from ai4c.linked.geo.terms import boolean, double, geometry_literal, string
from ai4c.linked.geo.vocab import CRS84, EPSG_PREFIX, STRDF, STRDF_WKT, XSD
from ai4c.linked.store import measure
from ai4c.linked.store.geof import GeometryAggregate, is_simple, relation_holds
from ai4c.linked.store.udf import (
    Unbound,
    geo_arg,
    number_arg,
    sparql_function,
    text_arg,
)

PERIOD = STRDF + "period"
VALID_TIME = STRDF + "validTime"
_SF = {"equals": "sfEquals", "disjoint": "sfDisjoint", "intersects": "sfIntersects",
       "touches": "sfTouches", "crosses": "sfCrosses", "within": "sfWithin", "contains": "sfContains",
       "overlaps": "sfOverlaps", "inside": "ehInside", "covers": "ehCovers", "coveredBy": "ehCoveredBy"}
_MBB: dict[str, Callable[[tuple, tuple], bool]] = {
    "mbbIntersects": lambda a, b: a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3],
    "mbbEquals": lambda a, b: a == b,
    "mbbWithin": lambda a, b: b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3],
    "mbbInside": lambda a, b: b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3],
    "mbbContains": lambda a, b: a[0] <= b[0] and b[2] <= a[2] and a[1] <= b[1] and b[3] <= a[3],
    "left": lambda a, b: a[2] < b[0], "right": lambda a, b: a[0] > b[2],
    "above": lambda a, b: a[1] > b[3], "below": lambda a, b: a[3] < b[1],
    "overLeft": lambda a, b: a[2] <= b[2], "overRight": lambda a, b: a[0] >= b[0],
    "overAbove": lambda a, b: a[1] >= b[1], "overBelow": lambda a, b: a[3] <= b[3],
}


# ---------------------------------------------------------------- valid time
def parse_period(text: str) -> tuple[datetime, datetime]:
    """'[start, end)' (either bracket kind, ISO or SQL timestamps) -> (start, end) as aware datetimes."""
    match = re.match(r"^\s*[\[(]\s*([^,]+?)\s*,\s*([^\])]+?)\s*[\])]\s*$", text)
    if not match:
        raise ValueError(f"not a period: {text!r}")
    return _instant(match.group(1)), _instant(match.group(2))


def _instant(text: str) -> datetime:
    value = text.strip().replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", value):
        value += ":00"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _period_arg(term) -> tuple[datetime, datetime]:
    if not isinstance(term, ox.Literal):
        raise Unbound
    datatype = term.datatype.value
    if datatype in (PERIOD, VALID_TIME):
        return parse_period(term.value)
    if datatype == XSD + "dateTime":
        moment = _instant(term.value)
        return moment, moment
    raise Unbound


def is_period(term) -> bool:
    """Whether a term is a period or dateTime literal (temporal arguments)."""
    return isinstance(term, ox.Literal) and term.datatype.value in (PERIOD, VALID_TIME, XSD + "dateTime")


def period_literal(start: datetime, end: datetime) -> ox.Literal:
    """A strdf:period literal '[start,end]'."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    return ox.Literal(f"[{start.strftime(fmt)},{end.strftime(fmt)}]", datatype=ox.NamedNode(PERIOD))


_TEMPORAL: dict[str, Callable[[tuple, tuple], bool]] = {
    "before": lambda a, b: a[1] < b[0], "after": lambda a, b: a[0] > b[1],
    "during": lambda a, b: b[0] <= a[0] and a[1] <= b[1] and a != b,
    "overlaps": lambda a, b: a[0] < b[1] and b[0] < a[1],
    "meets": lambda a, b: a[1] == b[0], "starts": lambda a, b: a[0] == b[0] and a[1] <= b[1],
    "finishes": lambda a, b: a[1] == b[1] and a[0] >= b[0],
    "equalsPeriod": lambda a, b: a == b, "periodContains": lambda a, b: a[0] <= b[0] and b[1] <= a[1],
    "adjacentPeriods": lambda a, b: a[1] == b[0] or b[1] == a[0],
}


def _period_op(name: str):
    def op(a, b):
        pa, pb = _period_arg(a), _period_arg(b)
        if name == "period_intersect":
            start, end = max(pa[0], pb[0]), min(pa[1], pb[1])
        elif name == "period_union":
            if pa[1] < pb[0] or pb[1] < pa[0]:
                raise Unbound
            start, end = min(pa[0], pb[0]), max(pa[1], pb[1])
        else:  # period_minus
            if pb[0] <= pa[0] < pb[1] <= pa[1]:
                start, end = pb[1], pa[1]
            elif pa[0] <= pb[0] < pa[1] <= pb[1]:
                start, end = pa[0], pb[0]
            else:
                raise Unbound
        if start > end:
            raise Unbound
        return period_literal(start, end)

    return sparql_function(op)


def _instant_literal(moment: datetime) -> ox.Literal:
    return ox.Literal(moment.strftime("%Y-%m-%dT%H:%M:%S"), datatype=ox.NamedNode(XSD + "dateTime"))


# ---------------------------------------------------------------- spatial
def _relation(name: str):
    def function(a, b, *rest):
        if name in _TEMPORAL and is_period(a):
            return boolean(_TEMPORAL[name](_period_arg(a), _period_arg(b)))
        ga, gb = geo_arg(a), geo_arg(b)
        return boolean(relation_holds(_SF[name], ga.geom, gb.to(ga.crs).geom))

    return sparql_function(function)


def _mbb(name: str):
    def function(a, b):
        ga, gb = geo_arg(a), geo_arg(b)
        return boolean(_MBB[name](tuple(ga.geom.bounds), tuple(gb.to(ga.crs).geom.bounds)))

    return sparql_function(function)


def _strdf_out(geo: Geo) -> ox.Literal:
    return geometry_literal(geo, ox.Literal("", datatype=ox.NamedNode(STRDF_WKT)))


def _binary(op) -> Callable:
    def function(a, b):
        ga, gb = geo_arg(a), geo_arg(b)
        return _strdf_out(Geo(op(ga.geom, gb.to(ga.crs).geom), ga.crs))

    return sparql_function(function)


def _unary(op) -> Callable:
    return sparql_function(lambda a: _strdf_out(Geo(op(geo_arg(a).geom), geo_arg(a).crs)))


def _distance(a, b, unit=None):
    name = measure.unit_name(text_arg(unit)) if unit is not None else "degree"
    ga = geo_arg(a)
    if name in ("degree", "unity") or (name == "metre" and not measure.is_geographic(ga.crs)):
        return double(shapely.distance(ga.geom, geo_arg(b).to(ga.crs).geom))
    return double(measure.distance(ga, geo_arg(b), name))


def _buffer(a, radius, unit=None):
    name = measure.unit_name(text_arg(unit)) if unit is not None else "degree"
    ga = geo_arg(a)
    if name in ("degree", "unity") and not measure.is_geographic(ga.crs):
        # an angular radius on a projected geometry: buffer in WGS84 degrees, back to the geometry's CRS
        wgs84 = ga.to(CRS84)
        grown = Geo(wgs84.geom.buffer(number_arg(radius), quad_segs=measure.QUAD_SEGS), CRS84)
        return _strdf_out(grown.to(ga.crs))
    if name in ("degree", "unity"):
        return _strdf_out(Geo(ga.geom.buffer(number_arg(radius), quad_segs=measure.QUAD_SEGS), ga.crs))
    return _strdf_out(measure.buffer(ga, number_arg(radius), name))


def _transform(a, crs):
    target = normalise_crs_iri(text_arg(crs))
    return _strdf_out(geo_arg(a).to(target))


def _srid(a):
    crs = geo_arg(a).crs
    if crs.startswith(EPSG_PREFIX):
        return ox.Literal(crs[len(EPSG_PREFIX):], datatype=ox.NamedNode(XSD + "int"))
    return ox.Literal("4326", datatype=ox.NamedNode(XSD + "int"))


def _as_gml(a):
    geo = geo_arg(a)
    body = _gml2(geo.geom)
    srs = geo.crs.rsplit("/", 1)[-1]
    return string(body.replace(">", f' srsName="EPSG:{srs}">', 1))


def _gml2(geom) -> str:
    def coords(seq) -> str:
        return " ".join(f"{c[0]:.15g},{c[1]:.15g}" for c in seq)

    kind = geom.geom_type
    if kind == "Point":
        return f"<gml:Point><gml:coordinates>{coords(geom.coords)}</gml:coordinates></gml:Point>"
    if kind == "LineString":
        return f"<gml:LineString><gml:coordinates>{coords(geom.coords)}</gml:coordinates></gml:LineString>"
    if kind == "Polygon":
        ring = "<gml:{0}><gml:LinearRing><gml:coordinates>{1}</gml:coordinates></gml:LinearRing></gml:{0}>"
        body = ring.format("outerBoundaryIs", coords(geom.exterior.coords))
        body += "".join(ring.format("innerBoundaryIs", coords(h.coords)) for h in geom.interiors)
        return f"<gml:Polygon>{body}</gml:Polygon>"
    return "<gml:MultiGeometry>" + "".join(
        f"<gml:geometryMember>{_gml2(g)}</gml:geometryMember>" for g in geom.geoms) + "</gml:MultiGeometry>"


def compact_wkt(geom) -> str:
    """WKT without optional blanks, as PostGIS's ST_AsText writes it."""
    text = shapely.to_wkt(geom, trim=True)
    return re.sub(r"\s*,\s*", ",", re.sub(r"\s*\(\s*", "(", text))


def functions() -> dict[str, Callable]:
    """IRI -> implementation of every strdf: function."""
    table: dict[str, Callable] = {STRDF + name: _relation(name) for name in _SF}
    table.update({STRDF + name: _mbb(name) for name in _MBB})
    for name in _TEMPORAL:
        if name not in _SF:
            table[STRDF + name] = sparql_function(
                lambda a, b, n=name: boolean(_TEMPORAL[n](_period_arg(a), _period_arg(b))))
    for name in ("period_intersect", "period_union", "period_minus"):
        table[STRDF + name] = _period_op(name)
    table[STRDF + "period_start"] = sparql_function(lambda a: _instant_literal(_period_arg(a)[0]))
    table[STRDF + "period_end"] = sparql_function(lambda a: _instant_literal(_period_arg(a)[1]))
    table.update({
        STRDF + "relate": sparql_function(lambda a, b, p: boolean(
            shapely.relate_pattern(geo_arg(a).geom, geo_arg(b).to(geo_arg(a).crs).geom, text_arg(p)))),
        STRDF + "area": sparql_function(lambda a: double(geo_arg(a).geom.area)),
        STRDF + "distance": sparql_function(_distance), STRDF + "buffer": sparql_function(_buffer),
        STRDF + "transform": sparql_function(_transform),
        STRDF + "envelope": _unary(shapely.envelope), STRDF + "convexHull": _unary(shapely.convex_hull),
        STRDF + "boundary": _unary(shapely.boundary), STRDF + "centroid": _unary(shapely.centroid),
        STRDF + "intersection": _binary(shapely.intersection), STRDF + "union": _binary(shapely.union),
        STRDF + "difference": _binary(shapely.difference),
        STRDF + "symDifference": _binary(shapely.symmetric_difference),
        STRDF + "dimension": sparql_function(lambda a: ox.Literal(
            str(int(shapely.get_dimensions(geo_arg(a).geom))), datatype=ox.NamedNode(XSD + "int"))),
        STRDF + "geometryType": sparql_function(lambda a: string("ST_" + geo_arg(a).geom.geom_type)),
        STRDF + "asText": sparql_function(lambda a: string(compact_wkt(geo_arg(a).geom))),
        STRDF + "asGML": sparql_function(_as_gml), STRDF + "srid": sparql_function(_srid),
        STRDF + "isSimple": sparql_function(lambda a: boolean(is_simple(geo_arg(a).geom))),
        STRDF + "isEmpty": sparql_function(lambda a: boolean(geo_arg(a).geom.is_empty)),
    })
    return table


AGGREGATE_SUFFIX = "__aggregate"
OVERLOADED_AGGREGATES = ("union", "intersection", "extent")


def _intersect_all(geoms):
    return shapely.intersection_all(geoms)


def aggregates() -> dict[str, Callable[[], GeometryAggregate]]:
    """IRI -> accumulator factory of the stSPARQL aggregates (union, intersection, extent)."""
    table = {"union": shapely.union_all, "intersection": _intersect_all,
             "extent": lambda g: shapely.envelope(shapely.GeometryCollection(g))}
    return {STRDF + name + AGGREGATE_SUFFIX: (lambda f=f: _StrdfAggregate(f)) for name, f in table.items()}


class _StrdfAggregate(GeometryAggregate):
    """An stSPARQL aggregate: result as strdf:WKT."""

    def finish(self):
        if not self.geoms:
            return None
        return _strdf_out(Geo(self.combine(self.geoms), self.crs))
