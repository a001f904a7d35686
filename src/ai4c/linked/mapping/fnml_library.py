"""The functions an RML-FNML mapping may call: GREL and IDLab string functions, and GeoTriples' geometry
functions (asWKT, area, ...) under their r2rml-ext IRIs, each with the FnO parameters and outputs it accepts."""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ai4c.linked.mapping import functions as geometry
from ai4c.linked.mapping import vocab as v

GREL = "http://users.ugent.be/~bjdmeest/function/grel.ttl#"
IDLAB = "https://w3id.org/imec/idlab/function#"
GEOMETRY_PARAM = v.RRXF + "geometryParam"  # the one argument of a GeoTriples geometry function
GEOMETRY_OUT = v.RRXF + "geometryOutput"


@dataclass(frozen=True)
class Function:
    """A callable with the FnO parameter IRIs it takes (keyword names) and the output IRIs it answers."""

    call: Callable[..., Any]
    parameters: tuple[str, ...]
    outputs: tuple[str, ...]
    needs_crs: bool = False  # geometry functions also receive the source's EPSG code


def _substring(value: str, start: str, end: str | None = None) -> str | None:
    """GREL substring: characters [start, end); None (no value) when start lies past the end."""
    begin = int(float(start))
    if begin > len(value):
        return None
    return value[begin:int(float(end))] if end not in (None, "") else value[begin:]


ESCAPES: dict[str, Callable[[str], str]] = {
    "html": lambda s: html.escape(s, quote=False), "xml": lambda s: html.escape(s, quote=True),
    "url": lambda s: urllib.parse.quote(s, safe=""), "csv": lambda s: '"' + s.replace('"', '""') + '"'
    if any(c in s for c in ',"\n') else s, "javascript": lambda s: s.encode("unicode_escape").decode("ascii"),
}


def _escape(value: str, mode: str) -> str:
    """GREL escape(s, mode) for mode html, xml, url, csv or javascript."""
    if mode not in ESCAPES:
        from ai4c.core.errors import BadInputError

        raise BadInputError(f"grel:escape mode {mode!r} is unknown; use one of {', '.join(ESCAPES)}")
    return ESCAPES[mode](value)


def _upper_url(value: str) -> str:
    """IDLab toUpperCaseURL: upper case, with http:// in front when it has no scheme."""
    upper = value.upper()
    return upper if upper.startswith("HTTP://") else "http://" + upper


def _geometry(name: str) -> Callable[..., Any]:
    """A GeoTriples geometry function taking its raw value(s) and the source's EPSG code."""
    return lambda values, epsg: geometry.call(name, values, epsg)


STRING_OUT, NUMBER_OUT, BOOL_OUT = GREL + "stringOut", GREL + "output_number", GREL + "output_bool"
VALUE, VALUE2 = GREL + "valueParam", GREL + "valueParam2"
LIBRARY: dict[str, Function] = {
    GREL + "toUpperCase": Function(str.upper, (VALUE,), (STRING_OUT,)),
    GREL + "toLowerCase": Function(str.lower, (VALUE,), (STRING_OUT,)),
    GREL + "toTitlecase": Function(str.title, (VALUE,), (STRING_OUT,)),
    GREL + "string_trim": Function(str.strip, (VALUE,), (STRING_OUT,)),
    GREL + "string_length": Function(len, (VALUE,), (NUMBER_OUT,)),
    GREL + "string_replace": Function(lambda s, f, r: s.replace(f, r),
                                      (VALUE, GREL + "param_find", GREL + "param_replace"), (STRING_OUT,)),
    GREL + "string_substring": Function(_substring, (VALUE, GREL + "p_int_i_from", GREL + "p_int_i_opt_end"),
                                        (STRING_OUT,)),
    GREL + "string_contains": Function(lambda s, sub: sub in s, (VALUE, GREL + "string_sub"), (BOOL_OUT,)),
    GREL + "string_startsWith": Function(str.startswith, (VALUE, GREL + "string_sub"), (BOOL_OUT,)),
    GREL + "string_endsWith": Function(str.endswith, (VALUE, GREL + "string_sub"), (BOOL_OUT,)),
    GREL + "escape": Function(_escape, (VALUE, GREL + "modeParam"), (STRING_OUT,)),
    GREL + "boolean_not": Function(lambda b: str(b).lower() != "true", (GREL + "bool_b",), (BOOL_OUT,)),
    IDLAB + "alwaysReturnsABC": Function(lambda: "ABC", (), (IDLAB + "_stringOut",)),
    IDLAB + "toUpperCaseURL": Function(_upper_url, (IDLAB + "str",), (IDLAB + "_stringOut",)),
    IDLAB + "equal": Function(lambda a, b: a == b, (VALUE, VALUE2), (IDLAB + "_boolOut",)),
    IDLAB + "notEqual": Function(lambda a, b: a != b, (VALUE, VALUE2), (IDLAB + "_boolOut",)),
    IDLAB + "isNull": Function(lambda s: s in (None, ""), (IDLAB + "str",), (IDLAB + "_boolOut",)),
    **{v.RRXF + name: Function(_geometry(name), (GEOMETRY_PARAM,), (GEOMETRY_OUT,), needs_crs=True)
       for name in geometry.FUNCTIONS},
}
# parameters a function may go without (None is passed)
OPTIONAL = {GREL + "p_int_i_opt_end"}
