"""Geometry literals <-> shapely: WKT (GeoSPARQL and stRDF), GML, GeoJSON, KML and DGGS (cells of the declared
LonLatQuad grid, `dggs.py`), each with its CRS.

Internally a geometry is a `Geo(geom, crs)` whose shapely coordinates are in the CRS's traditional
GIS order (x = east/longitude), so that WKT in EPSG:4326 (latitude first, as GeoSPARQL says) and in
CRS84 (longitude first) compare equal. A literal that cannot be parsed gives `None` (the SPARQL
function is then unbound for that row); an unknown CRS raises `UnknownCrsError`.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

import shapely
from lxml import etree
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from ai4c.core.errors import BadInputError
from ai4c.linked.geo import dggs, gml
from ai4c.linked.geo.vocab import (
    CRS84,
    EPSG_PREFIX,
    GEOJSON_LITERAL,
    GEOMETRY_DATATYPES,
    GML_LITERAL,
    KML_LITERAL,
    STRDF_GML,
    STRDF_WKT,
    STRDF_WKT_LITERAL,
    WKT_LITERAL,
)

LOCAL_CRS: dict[str, CRS] = {}
_CRS_IRI = re.compile(r"^\s*<([^>]*)>\s*(.*)$", re.S)


PARSE_ERRORS = (shapely.errors.GEOSException, ValueError, TypeError, etree.XMLSyntaxError, KeyError, IndexError,
                StopIteration, AttributeError)  # what a malformed literal of any serialisation raises


class UnknownCrsError(BadInputError, ValueError):
    """A CRS IRI that is neither CRS84 nor an EPSG code pyproj knows."""


@dataclass(frozen=True)
class Geo:
    """A shapely geometry in x=east order plus the IRI of its CRS."""

    geom: shapely.Geometry
    crs: str = CRS84

    def to(self, crs: str) -> Geo:
        """This geometry transformed into `crs` (identity when already there)."""
        if crs == self.crs:
            return self
        return Geo(transform_geom(self.geom, self.crs, crs), crs)


def normalise_crs_iri(iri: str) -> str:
    """Canonical CRS IRI: EPSG URNs, 'EPSG:n' and http EPSG IRIs -> the OGC http form; CRS84 stays."""
    text = iri.strip().strip("<>").strip()
    match = re.search(r"(?:EPSG[:/](?:0/|:)?|epsg\.xml#|EPSG/[0-9.]+/)(\d+)$", text, re.I)
    if match:
        return EPSG_PREFIX + match.group(1)
    if text.upper().endswith("CRS84") or text.endswith("OGC/1.3/CRS84"):
        return CRS84
    return text


@functools.lru_cache(maxsize=256)
def pyproj_crs(iri: str) -> CRS:
    """The pyproj CRS of a CRS IRI, or UnknownCrsError naming the accepted forms."""
    if iri == CRS84:
        return CRS.from_string("OGC:CRS84")
    if iri in LOCAL_CRS:
        return LOCAL_CRS[iri]
    if iri.startswith(EPSG_PREFIX):
        try:
            return CRS.from_epsg(int(iri[len(EPSG_PREFIX):]))
        except (CRSError, ValueError):
            pass
    error = UnknownCrsError(f"unknown CRS {iri!r}; use {CRS84} or {EPSG_PREFIX}<code> with an EPSG code")
    error.iri = iri
    raise error


@functools.lru_cache(maxsize=256)
def swaps_axes(iri: str) -> bool:
    """True when the CRS's authority axis order is north-first (e.g. EPSG:4326: lat, lon)."""
    crs = pyproj_crs(iri)
    axes = crs.axis_info
    return len(axes) >= 2 and axes[0].direction.lower() in ("north", "south")


@functools.lru_cache(maxsize=256)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(pyproj_crs(src), pyproj_crs(dst), always_xy=True)


def transform_geom(geom: shapely.Geometry, src: str, dst: str) -> shapely.Geometry:
    """Reproject a geometry (x=east order) between two CRS IRIs."""
    transformer = _transformer(src, dst)
    return shapely.transform(geom, lambda xy: _apply(transformer, xy), include_z=False)


def _apply(transformer: Transformer, xy):
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def swap_xy(geom: shapely.Geometry) -> shapely.Geometry:
    """The geometry with x and y exchanged (authority <-> GIS axis order)."""
    return shapely.transform(geom, lambda xy: xy[:, ::-1].copy())


def is_geometry_datatype(datatype: str) -> bool:
    """Whether a literal datatype IRI is one of the geometry serialisations we understand."""
    return datatype in GEOMETRY_DATATYPES


@functools.lru_cache(maxsize=200_000)
def parse_literal(value: str, datatype: str) -> Geo | None:
    """Parse a geometry literal; None when it is not a valid geometry (unknown CRS raises)."""
    try:
        if datatype == WKT_LITERAL:
            return _parse_geosparql_wkt(value)
        if datatype in (STRDF_WKT, STRDF_WKT_LITERAL):
            return _parse_strdf_wkt(value)
        if datatype in (GML_LITERAL, STRDF_GML):
            return parse_gml(value)
        if datatype in (GEOJSON_LITERAL, KML_LITERAL) and not value.strip():
            return Geo(shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"), CRS84)  # GeoSPARQL 1.1 Req 27, 32
        if datatype == GEOJSON_LITERAL:
            return Geo(shapely.from_geojson(value), CRS84)
        if datatype == KML_LITERAL:
            return parse_kml(value)
        if dggs.is_dggs_datatype(datatype):  # GeoSPARQL 1.1 Req 35/36: cells of the declared DGGS, CRS84
            return Geo(dggs.parse_dggs_literal(value, datatype), CRS84)
    except UnknownCrsError:
        raise
    except PARSE_ERRORS:
        return None
    return None


def _parse_geosparql_wkt(value: str) -> Geo:
    """'<crs> WKT' with the CRS's own axis order; no IRI means CRS84."""
    crs = CRS84
    text = value.strip()
    match = _CRS_IRI.match(text)
    if match:
        crs = normalise_crs_iri(match.group(1))
        text = match.group(2).strip()
    pyproj_crs(crs)
    geom = from_wkt(text) if text else shapely.from_wkt("GEOMETRYCOLLECTION EMPTY")
    if geom is None:
        raise ValueError("empty WKT")
    if swaps_axes(crs):
        geom = swap_xy(geom)
    return Geo(geom, crs)


def _parse_strdf_wkt(value: str) -> Geo:
    """Strabon's 'WKT;crs-iri' (x = longitude whatever the CRS, as in PostGIS); default EPSG:4326."""
    text, _, crs_text = value.partition(";")
    crs = normalise_crs_iri(crs_text) if crs_text.strip() else EPSG_PREFIX + "4326"
    pyproj_crs(crs)
    if _CRS_IRI.match(text.strip()):
        return _parse_geosparql_wkt(text)
    if not text.strip():
        return Geo(shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"), crs)
    return Geo(from_wkt(text.strip()), crs)


def from_wkt(text: str) -> shapely.Geometry:
    """shapely.from_wkt, closing unclosed polygon rings (as lenient WKT readers do)."""
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException:
        if not re.match(r"\s*(MULTI)?POLYGON", text, re.I):
            raise
        return shapely.from_wkt(re.sub(r"\(([^()]*)\)", _close_ring, text))


def _close_ring(match: re.Match) -> str:
    points = [p.strip() for p in match.group(1).split(",")]
    if points and points[0].split() != points[-1].split():
        points.append(points[0])
    return "(" + ", ".join(points) + ")"


def parse_gml(value: str) -> Geo:
    """A GML 3 geometry literal (srsName on the root; CRS84 when absent)."""
    text = value.strip()
    if not text:
        return Geo(shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"), CRS84)
    if "xmlns:gml" not in text:
        text = re.sub(r"^<(gml:\w+)", rf'<\1 xmlns:gml="{gml.GML_NS}"', text, count=1)
    root = etree.fromstring(text.encode())
    crs = normalise_crs_iri(root.get("srsName")) if root.get("srsName") else CRS84
    pyproj_crs(crs)
    geom = gml.read_geometry(root)
    if swaps_axes(crs):
        geom = swap_xy(geom)
    return Geo(geom, crs)


def parse_kml(value: str) -> Geo:
    """A KML geometry (Point, LineString, Polygon, MultiGeometry), always lon,lat WGS84."""
    root = etree.fromstring(value.strip().encode())
    return Geo(_kml_geometry(root), CRS84)


def _kml_geometry(element) -> shapely.Geometry:
    tag = etree.QName(element).localname

    def coords(node) -> list[tuple[float, ...]]:
        found = next((n for n in node.iter() if etree.QName(n).localname == "coordinates"), None)
        return [tuple(float(v) for v in pair.split(",")[:2]) for pair in (found.text or "").split()]

    if tag == "Point":
        return shapely.Point(coords(element)[0])
    if tag == "LineString":
        return shapely.LineString(coords(element))
    if tag == "Polygon":
        outer = next(n for n in element.iter() if etree.QName(n).localname == "outerBoundaryIs")
        inner = [coords(n) for n in element.iter() if etree.QName(n).localname == "innerBoundaryIs"]
        return shapely.Polygon(coords(outer), inner)
    if tag == "MultiGeometry":
        return shapely.GeometryCollection([_kml_geometry(c) for c in element if isinstance(c.tag, str)])
    raise ValueError(f"unsupported KML element {tag}")


def to_wkt_literal(geo: Geo) -> str:
    """GeoSPARQL WKT text: '<crs> WKT' in the CRS's axis order; plain WKT for CRS84."""
    geom = swap_xy(geo.geom) if geo.crs != CRS84 and swaps_axes(geo.crs) else geo.geom
    text = shapely.to_wkt(geom, rounding_precision=-1, trim=True)
    return text if geo.crs == CRS84 else f"<{geo.crs}> {text}"


def to_strdf_literal(geo: Geo) -> str:
    """Strabon WKT text: 'WKT;crs-iri' in x=east order."""
    text = shapely.to_wkt(geo.geom, rounding_precision=-1, trim=True)
    return f"{text};{geo.crs}"


def to_gml_literal(geo: Geo) -> str:
    """GML 3 text of a geometry in its CRS's axis order, the CRS IRI as srsName."""
    geom = swap_xy(geo.geom) if swaps_axes(geo.crs) else geo.geom
    return gml.to_gml(geom, geo.crs)


def to_geojson_literal(geo: Geo) -> str:
    """GeoJSON text (always WGS84 lon/lat, as RFC 7946 says)."""
    return json.dumps(json.loads(shapely.to_geojson(geo.to(CRS84).geom)))


KML_NS = "http://www.opengis.net/kml/2.2"


def to_kml_literal(geo: Geo) -> str:
    """KML 2.2 text (always WGS84 longitude,latitude, as KML says)."""
    return _kml(geo.to(CRS84).geom, f' xmlns="{KML_NS}"')


def _kml(geom: shapely.Geometry, ns: str = "") -> str:
    def coords(seq) -> str:
        return " ".join(",".join(f"{c:.15g}" for c in xy) for xy in seq)

    kind = geom.geom_type
    if kind == "Point":
        return f"<Point{ns}><coordinates>{coords(geom.coords)}</coordinates></Point>"
    if kind in ("LineString", "LinearRing"):
        return f"<LineString{ns}><coordinates>{coords(geom.coords)}</coordinates></LineString>"
    if kind == "Polygon":
        rings = f"<outerBoundaryIs><LinearRing><coordinates>{coords(geom.exterior.coords)}</coordinates>" \
                "</LinearRing></outerBoundaryIs>"
        rings += "".join(f"<innerBoundaryIs><LinearRing><coordinates>{coords(r.coords)}</coordinates>"
                         "</LinearRing></innerBoundaryIs>" for r in geom.interiors)
        return f"<Polygon{ns}>{rings}</Polygon>"
    return f"<MultiGeometry{ns}>" + "".join(_kml(g) for g in geom.geoms) + "</MultiGeometry>"


def is_geographic_safe(crs: str) -> bool:
    """Whether a CRS IRI is known and geographic (False for unknown ones)."""
    try:
        return pyproj_crs(crs).is_geographic
    except UnknownCrsError:
        return False
