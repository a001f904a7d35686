"""RDF terms the store's functions return: geometry literals in a given serialisation, typed literals."""

from __future__ import annotations

import pyoxigraph as ox

from ai4c.linked.geo.geometry import (
    Geo,
    to_geojson_literal,
    to_gml_literal,
    to_strdf_literal,
    to_wkt_literal,
)
from ai4c.linked.geo.vocab import (
    GEOJSON_LITERAL,
    GML_LITERAL,
    KML_LITERAL,
    STRDF_GML,
    STRDF_WKT,
    STRDF_WKT_LITERAL,
    WKT_LITERAL,
    XSD,
)


def geometry_literal(geo: Geo, like: ox.Literal | None = None) -> ox.Literal:
    """A literal of `geo` in the serialisation of `like` (WKT by default)."""
    datatype = like.datatype.value if like is not None else WKT_LITERAL
    if datatype in (STRDF_WKT, STRDF_WKT_LITERAL):
        return ox.Literal(to_strdf_literal(geo), datatype=ox.NamedNode(datatype))
    if datatype in (GML_LITERAL, STRDF_GML):
        return ox.Literal(to_gml_literal(geo), datatype=ox.NamedNode(datatype))
    if datatype == GEOJSON_LITERAL:
        return ox.Literal(to_geojson_literal(geo), datatype=ox.NamedNode(GEOJSON_LITERAL))
    if datatype == KML_LITERAL:
        return ox.Literal(to_wkt_literal(geo), datatype=ox.NamedNode(WKT_LITERAL))
    return ox.Literal(to_wkt_literal(geo), datatype=ox.NamedNode(WKT_LITERAL))


def boolean(value: bool) -> ox.Literal:
    """An xsd:boolean literal (the two are made once: relation functions return one per call)."""
    return _TRUE if value else _FALSE


_TRUE, _FALSE = (ox.Literal(v, datatype=ox.NamedNode(XSD + "boolean")) for v in ("true", "false"))


def double(value: float) -> ox.Literal:
    """An xsd:double literal."""
    return ox.Literal(repr(float(value)), datatype=ox.NamedNode(XSD + "double"))


def integer(value: int) -> ox.Literal:
    """An xsd:integer literal."""
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def string(value: str) -> ox.Literal:
    """An xsd:string literal."""
    return ox.Literal(value)
