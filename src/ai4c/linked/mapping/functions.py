"""GeoTriples' geometry functions (rrx:function) in the GeoSPARQL vocabulary, on shapely geometries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ai4c.core.errors import BadInputError
from ai4c.linked.geo.gml import from_gml, to_gml
from ai4c.linked.geo.vocab import CRS84, EPSG_PREFIX, GML_LITERAL, WKT_LITERAL
from ai4c.linked.mapping import vocab as v

WKT, GML = WKT_LITERAL, GML_LITERAL
DOUBLE, INTEGER, BOOLEAN = v.XSD + "double", v.XSD + "integer", v.XSD + "boolean"


def crs_iri(epsg: str | None) -> str:
    """The OGC CRS IRI of an EPSG code; CRS84 (GeoSPARQL's default) when unknown or 4326 lon/lat."""
    if not epsg or str(epsg) == "4326":  # shapely coordinates are lon/lat: CRS84's axis order
        return CRS84
    return f"{EPSG_PREFIX}{epsg}"


def to_geometry(value: Any):
    """A shapely geometry from a geometry value or a WKT/WKB string; None when it cannot be read."""
    import shapely

    if hasattr(value, "geom_type"):
        return value
    if hasattr(value, "iter"):  # an XML element: GML, else WKT text
        geom = from_gml(value)[0]
        return geom if geom is not None else to_geometry("".join(value.itertext()))
    try:
        if isinstance(value, bytes | bytearray | memoryview):
            return shapely.from_wkb(bytes(value))
        text = str(value).strip()
        if text.startswith("<") and ">" in text:  # a GeoSPARQL WKT literal with its CRS IRI
            text = text.split(">", 1)[1].strip()
        return shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError):
        return None


def as_wkt(geom, epsg: str | None) -> tuple[str, str]:
    """geo:wktLiteral with the CRS IRI in front (CRS84 when the source has no CRS or is EPSG:4326)."""
    return f"<{crs_iri(epsg)}> {geom.wkt}", WKT


def as_gml(geom, epsg: str | None) -> tuple[str, str]:
    """geo:gmlLiteral (GML 3 with the gml namespace declared on the root element)."""
    return to_gml(geom, crs_iri(epsg)), GML


def _num(f: Callable) -> Callable:
    return lambda g, epsg: (repr(float(f(g))), DOUBLE)


def _int(f: Callable) -> Callable:
    return lambda g, epsg: (str(int(f(g))), INTEGER)


def _bool(f: Callable) -> Callable:
    return lambda g, epsg: ("true" if f(g) else "false", BOOLEAN)


def _dimension(g) -> int:
    import shapely

    return int(shapely.get_dimensions(g))


def _coordinate_dimension(g) -> int:
    import shapely

    return int(shapely.get_coordinate_dimension(g))


FUNCTIONS: dict[str, Callable[[Any, str | None], tuple[str, str]]] = {
    "asWKT": as_wkt,
    "hasSerialization": as_wkt,
    "asGML": as_gml,
    "area": _num(lambda g: g.area),
    "length": _num(lambda g: g.length),
    "centroidx": _num(lambda g: g.centroid.x),
    "centroidy": _num(lambda g: g.centroid.y),
    "dimension": _int(_dimension),
    "spatialDimension": _int(_coordinate_dimension),
    "coordinateDimension": _int(_coordinate_dimension),
    "isSimple": _bool(lambda g: g.is_simple),
    "isEmpty": _bool(lambda g: g.is_empty),
    "is3D": _bool(lambda g: g.has_z),
    "isValid": _bool(lambda g: g.is_valid),
    "getSRID": lambda g, epsg: (crs_iri(epsg), v.XSD + "anyURI"),
    "asGeoJSON": lambda g, epsg: (__import__("shapely").to_geojson(g), v.GEO + "geoJSONLiteral"),
}
LOWER = {name.lower(): name for name in FUNCTIONS}


def call(name: str, values: list, epsg: str | None) -> tuple[str, str] | None:
    """Apply a geometry function to its first argument value; None when the geometry cannot be read."""
    key = LOWER.get(name.lower())
    if key is None:
        raise BadInputError(f"geometry function {name!r} is unknown; use one of: {', '.join(FUNCTIONS)}")
    if not values:
        return None
    value = values[0]
    if hasattr(value, "iter") and not hasattr(value, "geom_type"):  # GML element: its srsName wins
        geom, srs = from_gml(value)
        epsg = srs or epsg
        if geom is None:  # an element holding WKT text
            geom = to_geometry("".join(value.itertext()))
    else:
        geom = to_geometry(value)
    if geom is None:
        return None
    import shapely

    srid = shapely.get_srid(geom)
    return FUNCTIONS[key](geom, str(srid) if srid else epsg)
