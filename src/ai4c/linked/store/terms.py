"""Bridges between pyoxigraph terms and geometries: argument parsing, result literals, error capture."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

import pyoxigraph as ox

from ai4c.linked.store.geometry import (
    GEOJSON_LITERAL,
    GML_LITERAL,
    KML_LITERAL,
    STRDF_GML,
    STRDF_WKT,
    STRDF_WKT_LITERAL,
    WKT_LITERAL,
    Geo,
    UnknownCrsError,
    parse_literal,
    to_geojson_literal,
    to_gml_literal,
    to_strdf_literal,
    to_wkt_literal,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
_errors = threading.local()


class Unbound(Exception):
    """Raised inside a function body to leave the result unbound for this row."""


def record_error(exc: Exception) -> None:
    """Remember an error that must fail the whole query (an unknown CRS), not only one row."""
    if not hasattr(_errors, "items"):
        _errors.items = []
    _errors.items.append(exc)


def pop_errors() -> list[Exception]:
    """The errors recorded in this thread since the last call."""
    items = getattr(_errors, "items", [])
    _errors.items = []
    return items


def set_deadline(deadline: float | None) -> None:
    """Give this thread's next query a monotonic-clock deadline (None: no limit)."""
    _errors.deadline = deadline


def deadline_passed() -> bool:
    """Whether this thread's query deadline has passed."""
    deadline = getattr(_errors, "deadline", None)
    return deadline is not None and time.monotonic() > deadline


class QueryCancelled(Exception):
    """Recorded when a query overran its deadline; the store turns it into QueryTimeoutError."""


def sparql_function(func: Callable) -> Callable:
    """Wrap a function body: any failure -> unbound; an unknown CRS is recorded for the query;
    past the query's deadline every call returns unbound at once, so the query winds down."""

    @functools.wraps(func)
    def wrapper(*args):
        if deadline_passed():
            if not any(isinstance(e, QueryCancelled) for e in getattr(_errors, "items", [])):
                record_error(QueryCancelled("deadline passed"))
            return None
        try:
            return func(*args)
        except UnknownCrsError as exc:
            record_error(exc)
            return None
        except Exception:  # invalid geometry, wrong type, GEOS failure: unbound, as GeoSPARQL says
            return None

    return wrapper


def geo_arg(term) -> Geo:
    """The geometry of a literal argument, or Unbound."""
    if not isinstance(term, ox.Literal):
        raise Unbound
    geo = parse_literal(term.value, term.datatype.value)
    if geo is None:
        raise Unbound
    return geo


def number_arg(term) -> float:
    """A numeric literal argument as float."""
    if not isinstance(term, ox.Literal):
        raise Unbound
    return float(term.value)


def text_arg(term) -> str:
    """The lexical value of an IRI or literal argument."""
    return term.value


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
    """An xsd:boolean literal."""
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))


def double(value: float) -> ox.Literal:
    """An xsd:double literal."""
    return ox.Literal(repr(float(value)), datatype=ox.NamedNode(XSD + "double"))


def integer(value: int) -> ox.Literal:
    """An xsd:integer literal."""
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def string(value: str) -> ox.Literal:
    """An xsd:string literal."""
    return ox.Literal(value)
