"""Map features from SPARQL JSON results or vector-file rows: geometry literals (WKT/GML/GeoJSON/KML
with their CRS IRIs) reprojected to lon/lat, valid time from xsd:date/dateTime or strdf:period
values, labels and tooltips from ?label/?tooltip, the other variables as attributes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely

from ai4c.core.errors import InvalidParameterError
from ai4c.core.log import warn
from ai4c.linked.geo.geometry import (
    CRS84,
    WKT_LITERAL,
    is_geometry_datatype,
    normalise_crs_iri,
    parse_literal,
    pyproj_crs,
    swap_xy,
    swaps_axes,
    transform_geom,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE, DATETIME = XSD + "date", XSD + "dateTime"
PERIOD_TYPES = {"http://strdf.di.uoa.gr/ontology#period", "http://strdf.di.uoa.gr/ontology#validTime"}
TIME_TYPES = {DATE, DATETIME, XSD + "dateTimeStamp", *PERIOD_TYPES}
GEOMETRY_NAMES = ("geom", "geometry", "wkt", "shape", "the_geom")
TIME_NAMES = ("time", "date", "when", "timestamp", "period", "valid", "validtime", "datetime")
START_NAMES, END_NAMES = ("start", "begin", "from", "t0"), ("end", "to", "until", "t1")
_PERIOD = re.compile(r"^\s*([\[(])\s*([^,]+?)\s*,\s*([^\])]+?)\s*([\])])\s*$")
_DAY = 86_400_000
_CRS_PREFIX = re.compile(r"^\s*<([^>]*)>\s*(.*)$", re.S)


@dataclass
class FeatureTable:
    """Features in lon/lat: geometries, attribute rows, and valid time [t0, t1) in epoch ms (NaN: none)."""

    geometries: np.ndarray
    properties: list[dict]
    t0: np.ndarray
    t1: np.ndarray
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)

    @property
    def has_time(self) -> bool:
        return bool(np.isfinite(self.t0).any())


def time_span(value: str, datatype: str | None) -> tuple[float, float] | None:
    """[t0, t1) in epoch ms of a date (the whole day), a dateTime (one instant) or a period; None when
    the text is not a time."""
    text = value.strip()
    try:
        match = _PERIOD.match(text)
        if match:
            start, end = _instant(match.group(2)), _instant(match.group(3))
            return start, end + (1 if match.group(4) == "]" else 0)
        if datatype == DATE or re.fullmatch(r"-?\d{4}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?", text):
            start = _instant(text[:10])
            return start, start + _DAY
        moment = _instant(text)
        return moment, moment + 1
    except ValueError:
        return None


def _instant(text: str) -> float:
    value = text.strip().replace(" ", "T", 1).replace("Z", "+00:00")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1)


def _column(variables: list[str], bindings: list[dict], wanted) -> str | None:
    """The first variable for which `wanted(term)` holds on its first bound values."""
    for var in variables:
        terms = [row[var] for row in bindings[:50] if var in row]
        if terms and wanted(var, terms):
            return var
    return None


def geometry_variable(variables: list[str], bindings: list[dict]) -> str | None:
    """The variable holding geometry literals (by datatype; or WKT text under a geometry-like name)."""
    by_type = _column(variables, bindings,
                      lambda v, terms: any(is_geometry_datatype(t.get("datatype", "")) for t in terms))
    return by_type or _column(variables, bindings, lambda v, terms: v.lower() in GEOMETRY_NAMES and any(
        t.get("type") == "literal" for t in terms))


def time_variables(variables: list[str], bindings: list[dict]) -> tuple[str | None, str | None]:
    """(start or instant/period variable, end variable or None) of the results' valid time."""
    def typed(names):
        return lambda v, terms: v.lower() in names and any(t.get("datatype") in TIME_TYPES for t in terms)

    start, end = _column(variables, bindings, typed(START_NAMES)), _column(variables, bindings, typed(END_NAMES))
    if start and end:
        return start, end
    period = _column(variables, bindings, lambda v, terms: any(t.get("datatype") in PERIOD_TYPES for t in terms))
    if period:
        return period, None
    named = _column(variables, bindings, typed(TIME_NAMES))
    return named or _column(variables, bindings,
                            lambda v, terms: any(t.get("datatype") in TIME_TYPES for t in terms)), None


def from_sparql_json(results: dict) -> tuple[FeatureTable | None, dict]:
    """Features of SPARQL 1.1 JSON results (None without a geometry variable) and what was found
    ({"geometry": var, "time": [vars], "variables": [...]}). Rows whose geometry does not parse are
    counted in `skipped`; an unknown CRS IRI is an error naming it."""
    try:
        variables = list(results["head"]["vars"])
        bindings = list(results["results"]["bindings"])
    except (KeyError, TypeError) as err:
        raise InvalidParameterError("the endpoint's answer is not SPARQL JSON results of a SELECT query") from err
    geom_var = geometry_variable(variables, bindings)
    start_var, end_var = time_variables(variables, bindings)
    info = {"geometry": geom_var, "time": [v for v in (start_var, end_var) if v], "variables": variables}
    if geom_var is None:
        return None, info
    parsed = geometries([row.get(geom_var) for row in bindings])
    keep = np.flatnonzero(parsed != None)  # noqa: E711 - elementwise test of an object array
    skipped = len(bindings) - len(keep)
    attribute_vars = [v for v in variables if v != geom_var]
    rows = [{v: bindings[k][v]["value"] for v in attribute_vars if v in bindings[k]} for k in keep]
    if start_var:
        spans = [_row_time(bindings[k], start_var, end_var) for k in keep]
        t0, t1 = [span[0] for span in spans], [span[1] for span in spans]
    else:
        t0 = t1 = [float("nan")] * len(keep)
    geoms = parsed[keep]
    if skipped:
        warn(f"{skipped} result rows without a readable ?{geom_var} geometry skipped")
    table = FeatureTable(geoms, rows, np.array(t0, dtype="float64"),
                         np.array(t1, dtype="float64"), skipped)
    return table, info


def geometries(terms: list[dict | None]) -> np.ndarray:
    """Lon/lat shapely geometries of bound terms (None where a term is no readable geometry).
    Plain geo:wktLiteral values are parsed and reprojected in bulk, one CRS at a time (GEOS and PROJ
    over arrays); other serialisations, and WKT the bulk parser rejects, one by one."""
    out = np.full(len(terms), None, dtype=object)
    groups: dict[str, tuple[list[int], list[str]]] = {}
    single: list[int] = []
    for k, term in enumerate(terms):
        if not term or term.get("type") not in ("literal", "typed-literal"):
            continue
        if (term.get("datatype") or WKT_LITERAL) != WKT_LITERAL:
            single.append(k)
            continue
        value = term["value"]
        match = _CRS_PREFIX.match(value) if value.lstrip().startswith("<") else None
        crs, text = (normalise_crs_iri(match.group(1)), match.group(2)) if match else (CRS84, value)
        index, texts = groups.setdefault(crs, ([], []))
        index.append(k)
        texts.append(text)
    for crs, (index, texts) in groups.items():
        pyproj_crs(crs)  # an unknown CRS is an error of the whole layer
        parsed = shapely.from_wkt(np.array(texts, dtype=object), on_invalid="ignore")
        if swaps_axes(crs):
            parsed = swap_xy(parsed)
        if crs != CRS84:
            parsed = transform_geom(parsed, crs, CRS84)
        out[index] = parsed
        single += [k for k, geom in zip(index, parsed, strict=True) if geom is None]
    for k in single:
        out[k] = _geometry(terms[k])
    out[shapely.is_empty(out)] = None  # (None counts as not empty)
    return out


def _geometry(term: dict | None):
    """A lon/lat shapely geometry of one bound term, or None."""
    if not term or term.get("type") not in ("literal", "typed-literal"):
        return None
    datatype = term.get("datatype") or WKT_LITERAL
    geo = parse_literal(term["value"], datatype) if is_geometry_datatype(datatype) else None
    if geo is None or geo.geom is None or geo.geom.is_empty:
        return None
    return geo.to(CRS84).geom


def _row_time(row: dict, start_var: str | None, end_var: str | None) -> tuple[float, float]:
    nan = (float("nan"), float("nan"))
    start = time_span(row[start_var]["value"], row[start_var].get("datatype")) if start_var in row else None
    if start is None:
        return nan
    if end_var and end_var in row:
        end = time_span(row[end_var]["value"], row[end_var].get("datatype"))
        return (start[0], end[1]) if end else start
    return start


def from_rows(geometries: np.ndarray, properties: list[dict], skipped: int = 0) -> FeatureTable:
    """Features of a vector file; valid time from attributes named begin/end, timestamp, date, time..."""
    t0 = np.full(len(geometries), np.nan)
    t1 = np.full(len(geometries), np.nan)
    for i, props in enumerate(properties):
        span = _attribute_time(props)
        if span:
            t0[i], t1[i] = span
    return FeatureTable(np.asarray(geometries, dtype=object), properties, t0, t1, skipped)


def _attribute_time(props: dict) -> tuple[float, float] | None:
    lowered = {k.lower(): v for k, v in props.items() if isinstance(v, str)}
    start = next((lowered[k] for k in START_NAMES if k in lowered), None)
    end = next((lowered[k] for k in END_NAMES if k in lowered), None)
    if start:
        first = time_span(start, None)
        last = time_span(end, None) if end else None
        if first:
            return (first[0], last[1]) if last else first
    for key in TIME_NAMES:
        if key in lowered and (span := time_span(lowered[key], None)):
            return span
    return None


def bounds(table: FeatureTable) -> list[float] | None:
    """[west, south, east, north] of the features, None when there are none."""
    if not len(table):
        return None
    return [float(v) for v in shapely.total_bounds(table.geometries)]
