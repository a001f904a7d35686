"""Plumbing of the store's SPARQL functions: argument parsing, per-row unbound results, query errors and
deadlines (the literals they return come from ai4c.linked.geo.terms)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable

import pyoxigraph as ox
import shapely
from pyproj.exceptions import ProjError

from ai4c.linked.geo.geometry import Geo, UnknownCrsError, parse_literal

_errors = threading.local()
log = logging.getLogger(__name__)


class Unbound(Exception):
    """Raised inside a function body to leave the result unbound for this row."""


# the failures GeoSPARQL turns into an unbound value: bad literals, wrong argument types, GEOS and PROJ errors
ROW_ERRORS = (Unbound, ValueError, TypeError, ArithmeticError, IndexError, KeyError, AttributeError,
              shapely.errors.GEOSException, ProjError)
_warned: set[tuple[str, str]] = set()


def _warn_once(name: str, exc: Exception) -> None:
    """Log an unexpected failure of a SPARQL function once per function and error type."""
    key = (name, type(exc).__name__)
    if key not in _warned:
        _warned.add(key)
        log.warning("function %s failed (%s: %s); its result is unbound for such rows", name,
                    type(exc).__name__, exc)


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
        except ROW_ERRORS:  # invalid geometry, wrong type, GEOS failure: unbound, as GeoSPARQL says
            return None
        except Exception as exc:  # noqa: BLE001 - an internal failure: unbound too, but said once
            _warn_once(func.__name__, exc)
            return None

    return wrapper


PARSED_CACHE, PARSED_CACHE_CHARS = 16_384, 20_000  # literals kept parsed, and their largest size


def geo_arg(term) -> Geo:
    """The geometry of a literal argument, or Unbound."""
    if not isinstance(term, ox.Literal):
        raise Unbound
    value = term.value
    geo = (_parsed if len(value) <= PARSED_CACHE_CHARS else parse_literal)(value, term.datatype.value)
    if geo is None:
        raise Unbound
    return geo


@functools.lru_cache(maxsize=PARSED_CACHE)
def _parsed(value: str, datatype: str) -> Geo | None:
    """`parse_literal`, remembered: a join calls a function once per row, mostly on the same few
    literals (an unknown CRS raises each time: exceptions are not cached)."""
    return parse_literal(value, datatype)


def number_arg(term) -> float:
    """A numeric literal argument as float."""
    if not isinstance(term, ox.Literal):
        raise Unbound
    return float(term.value)


def text_arg(term) -> str:
    """The lexical value of an IRI or literal argument."""
    return term.value
