"""The CQL2 text subset the features service accepts (OGC API Features Part 3):
`S_INTERSECTS(geometry, <WKT or BBOX(...)>)` and `property = literal`, joined by AND."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry

from ai4c.core.errors import InvalidParameterError

_SPATIAL = re.compile(r"^S_INTERSECTS\s*\(\s*\"?geometry\"?\s*,\s*(.+)\)$", re.IGNORECASE | re.DOTALL)
_BBOX = re.compile(r"^BBOX\s*\(([^)]*)\)$", re.IGNORECASE)
_COMPARE = re.compile(r"^\"?([A-Za-z_][\w:]*)\"?\s*=\s*('(?:[^']|'')*'|[-+]?\d+(?:\.\d+)?|true|false)$",
                      re.IGNORECASE)


@dataclass
class Filter:
    """A parsed filter: an area the features must intersect and property values they must equal."""

    geometry: BaseGeometry | None = None
    properties: dict[str, str] = field(default_factory=dict)


def parse_cql2(text: str) -> Filter:
    """Parse a CQL2 text filter; anything outside the subset is a one-line error naming the subset."""
    result = Filter()
    for term in _split_and(text.strip()):
        spatial = _SPATIAL.match(term)
        compare = _COMPARE.match(term)
        if spatial:
            shape = _literal_geometry(spatial.group(1).strip())
            result.geometry = shape if result.geometry is None else result.geometry.intersection(shape)
        elif compare:
            value = compare.group(2)
            result.properties[compare.group(1)] = value[1:-1].replace("''", "'") if value.startswith("'") else value
        else:
            raise InvalidParameterError(f"unsupported CQL2 expression {term[:60]!r}; use "
                                        "S_INTERSECTS(geometry, POLYGON((...))) and property = 'value' joined by AND")
    return result


def _split_and(text: str) -> list[str]:
    """Top-level AND-separated terms (not inside parentheses or quotes)."""
    if not text:
        raise InvalidParameterError("empty CQL2 filter; give e.g. S_INTERSECTS(geometry, POLYGON((...)))")
    terms, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                raise InvalidParameterError("unbalanced parentheses in the CQL2 filter")
        elif not quoted and depth == 0 and text[i:i + 5].upper() == " AND ":
            terms.append(text[start:i].strip())
            start = i = i + 5
            continue
        i += 1
    if depth or quoted:
        raise InvalidParameterError("unbalanced parentheses or quotes in the CQL2 filter")
    terms.append(text[start:].strip())
    return terms


def _literal_geometry(text: str) -> BaseGeometry:
    """A WKT geometry or BBOX(minx, miny, maxx, maxy) in lon/lat."""
    box = _BBOX.match(text)
    if box:
        try:
            values = [float(v) for v in box.group(1).split(",")]
        except ValueError:
            values = []
        if len(values) != 4:
            raise InvalidParameterError(f"invalid BBOX literal {text!r}; give BBOX(minlon, minlat, maxlon, maxlat)")
        return shapely.box(*values)
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as err:
        raise InvalidParameterError(f"invalid WKT in the CQL2 filter {text[:60]!r} ({err})") from None
    if geom is None or geom.is_empty:
        raise InvalidParameterError("the CQL2 filter's geometry is empty")
    return geom if geom.is_valid else shapely.make_valid(geom)
