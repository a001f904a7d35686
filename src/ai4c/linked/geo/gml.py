"""GML 2/3 geometries <-> shapely (lxml elements), one reader and one writer for GeoTriples and the store.

The reader accepts every namespace version of GML (it matches local names), the GML 2 forms
(`coordinates`, `outerBoundaryIs`, `coord`) and the GML 3 ones (`pos`, `posList`, `exterior`,
`Surface`/`Curve` patches, `Envelope`); empty elements give empty geometries.
"""

from __future__ import annotations

import re

import shapely

GML_NS = "http://www.opengis.net/gml"
EPSG = re.compile(r"(?:EPSG|epsg)\D*?(?:0/|::|:|#)?(\d{4,6})\s*$")
SURFACES = ("Polygon", "Surface", "PolygonPatch")
CURVES = ("LineString", "Curve", "LineStringSegment", "LinearRing")
MULTI = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiCurve": "LineString",
         "MultiPolygon": "Polygon", "MultiSurface": "Polygon", "MultiGeometry": None}
KNOWN = ("Point", "LineString", "LinearRing", "Curve", "Envelope", *SURFACES, *MULTI)


def local_name(element) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _numbers(text: str, dim: int) -> list[tuple[float, ...]]:
    values = [float(x) for x in text.replace(",", " ").split()]
    return [tuple(values[i:i + dim]) for i in range(0, len(values) - dim + 1, dim)]


def coordinates(element) -> list[tuple[float, ...]]:
    """Coordinates of the first pos/posList/coordinates/coord children (GML 3 or 2)."""
    dim = int(element.get("srsDimension") or 2)
    for node in element.iter():
        name = local_name(node)
        text = (node.text or "").strip()
        if name == "posList":
            return _numbers(text, int(node.get("srsDimension") or node.get("dimension") or dim))
        if name == "coordinates":
            separator = node.get("cs", ",")
            return [tuple(float(x) for x in pair.split(separator)) for pair in text.split()]
        if name == "pos":
            return [tuple(float(x) for x in pos.text.split()) for pos in element.iter()
                    if local_name(pos) == "pos" and pos.text]
        if name == "coord":
            return [tuple(float(c.text) for c in coord if local_name(c) in ("X", "Y", "Z"))
                    for coord in element.iter() if local_name(coord) == "coord"]
    return []


def _rings(element) -> list[list[tuple[float, ...]]]:
    return [coordinates(ring) for ring in element.iter() if local_name(ring) == "LinearRing"]


def _members(element) -> list:
    """Geometries under a collection, through any member/members wrappers."""
    out = []
    for child in element:
        name = local_name(child)
        if name in KNOWN and name not in MULTI and name != "LinearRing":
            out.append(read_geometry(child))
        else:
            out.extend(_members(child))
    return out


def read_geometry(element) -> shapely.Geometry:
    """A shapely geometry from one GML geometry element (ValueError for an element GML does not define)."""
    kind = local_name(element)
    if kind == "Point":
        points = coordinates(element)
        return shapely.Point(points[0]) if points else shapely.from_wkt("POINT EMPTY")
    if kind in CURVES:
        points = coordinates(element)
        return shapely.LineString(points) if points else shapely.from_wkt("LINESTRING EMPTY")
    if kind in SURFACES:
        rings = _rings(element)
        return shapely.Polygon(rings[0], rings[1:]) if rings else shapely.from_wkt("POLYGON EMPTY")
    if kind == "Envelope":
        lower = _numbers(next(n for n in element.iter() if local_name(n) == "lowerCorner").text, 2)[0]
        upper = _numbers(next(n for n in element.iter() if local_name(n) == "upperCorner").text, 2)[0]
        return shapely.box(lower[0], lower[1], upper[0], upper[1])
    if kind not in MULTI:
        raise ValueError(f"unsupported GML element {kind!r}")
    parts = [p for p in _members(element) if p is not None]
    target = MULTI[kind]
    if target == "Point":
        return shapely.MultiPoint(parts)
    if target == "LineString":
        return shapely.MultiLineString(parts)
    if target == "Polygon":
        return shapely.MultiPolygon(parts)
    return shapely.GeometryCollection(parts)


def srs_name(element) -> str | None:
    """The srsName of the element or of its nearest ancestor that has one."""
    return element.get("srsName") or next(
        (a.get("srsName") for a in element.iterancestors() if a.get("srsName")), None)


def from_gml(element):
    """(shapely geometry, EPSG code or None) of the first GML geometry at or under `element`."""
    node = next((n for n in element.iter() if local_name(n) in KNOWN), None)
    if node is None:
        return None, None
    match = EPSG.search(srs_name(node) or "")
    try:
        return read_geometry(node), (match.group(1) if match else None)
    except (ValueError, IndexError, TypeError, StopIteration):
        return None, None


def _coords(coords) -> str:
    return " ".join(" ".join(repr(float(c)) for c in xy) for xy in coords)


def _body(geom: shapely.Geometry, srs: str) -> str:
    """GML 3 for the Simple Features types (srsName on this element when `srs` is given)."""
    kind = geom.geom_type
    attr = f' srsName="{srs}"' if srs else ""
    if kind in ("Point", "LineString", "Polygon") and geom.is_empty:
        return f"<gml:{kind}{attr}/>"
    if kind == "Point":
        return f'<gml:Point{attr}><gml:pos>{_coords(geom.coords)}</gml:pos></gml:Point>'
    if kind == "LineString":
        return f'<gml:LineString{attr}><gml:posList>{_coords(geom.coords)}</gml:posList></gml:LineString>'
    if kind == "Polygon":
        rings = [f"<gml:exterior><gml:LinearRing><gml:posList>{_coords(geom.exterior.coords)}"
                 "</gml:posList></gml:LinearRing></gml:exterior>"]
        rings += [f"<gml:interior><gml:LinearRing><gml:posList>{_coords(r.coords)}</gml:posList>"
                  "</gml:LinearRing></gml:interior>" for r in geom.interiors]
        return f'<gml:Polygon{attr}>{"".join(rings)}</gml:Polygon>'
    member = {"MultiPoint": "pointMember", "MultiLineString": "curveMember",
              "MultiPolygon": "surfaceMember"}.get(kind, "geometryMember")
    outer = {"MultiPoint": "MultiPoint", "MultiLineString": "MultiCurve",
             "MultiPolygon": "MultiSurface"}.get(kind, "MultiGeometry")
    parts = "".join(f"<gml:{member}>{_body(g, '')}</gml:{member}>" for g in geom.geoms)
    return f"<gml:{outer}{attr}>{parts}</gml:{outer}>"


def to_gml(geom: shapely.Geometry, srs: str) -> str:
    """GML 3 text with the gml namespace declared on the root element and `srs` as its srsName."""
    text = _body(geom, srs)
    head, sep, rest = text.partition(">")
    if head.endswith("/"):
        return f'{head[:-1]} xmlns:gml="{GML_NS}"/>{rest}'
    return f'{head} xmlns:gml="{GML_NS}"{sep}{rest}'
