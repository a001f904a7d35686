"""Read GML 2/3 geometry elements (lxml) into shapely, for XML sources mapped with GeoTriples' functions."""

from __future__ import annotations

import re

EPSG = re.compile(r"(?:EPSG|epsg)\D*?(?:0/|::|:|#)?(\d{4,6})\s*$")
SURFACES = ("Polygon", "Surface", "PolygonPatch")
MULTI = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiCurve": "LineString",
         "MultiPolygon": "Polygon", "MultiSurface": "Polygon", "MultiGeometry": None}
KNOWN = ("Point", "LineString", "LinearRing", "Curve", *SURFACES, *MULTI)


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _numbers(element) -> list[tuple[float, ...]]:
    """Coordinates of the first pos/posList/coordinates/coord children (GML 3 or 2)."""
    dim = 2
    for node in element.iter():
        name = _local(node)
        text = (node.text or "").strip()
        if name == "posList":
            dim = int(node.get("srsDimension") or node.get("dimension") or dim)
            values = [float(x) for x in text.replace(",", " ").split()]
            return [tuple(values[i:i + dim]) for i in range(0, len(values), dim)]
        if name == "coordinates":
            separator = node.get("cs", ",")
            return [tuple(float(x) for x in pair.split(separator)) for pair in text.split()]
        if name == "pos":
            return [tuple(float(x) for x in pos.text.split()) for pos in element.iter()
                    if _local(pos) == "pos" and pos.text]
        if name == "coord":
            return [tuple(float(c.text) for c in coord if _local(c) in ("X", "Y", "Z"))
                    for coord in element.iter() if _local(coord) == "coord"]
    return []


def _rings(element) -> list[list[tuple[float, ...]]]:
    return [_numbers(ring) for ring in element.iter() if _local(ring) == "LinearRing"]


def _members(element) -> list:
    """Geometries under a collection, through any member/members wrappers."""
    out = []
    for child in element:
        name = _local(child)
        if name in KNOWN and name not in MULTI and name != "LinearRing":
            out.append(_build(child))
        else:
            out.extend(_members(child))
    return out


def _build(element):
    import shapely

    kind = _local(element)
    if kind == "Point":
        return shapely.Point(_numbers(element)[0])
    if kind in ("LineString", "Curve", "LinearRing"):
        return shapely.LineString(_numbers(element))
    if kind in SURFACES:
        rings = _rings(element)
        return shapely.Polygon(rings[0], rings[1:]) if rings else None
    parts = _members(element)
    parts = [p for p in parts if p is not None]
    target = MULTI.get(kind)
    if target == "Point":
        return shapely.MultiPoint(parts)
    if target == "LineString":
        return shapely.MultiLineString(parts)
    if target == "Polygon":
        return shapely.MultiPolygon(parts)
    return shapely.GeometryCollection(parts)


def from_gml(element):
    """(shapely geometry, EPSG code or None) of the first GML geometry at or under `element`."""
    node = next((n for n in element.iter() if _local(n) in KNOWN), None)
    if node is None:
        return None, None
    srs = node.get("srsName") or next((a.get("srsName") for a in node.iterancestors() if a.get("srsName")), None)
    match = EPSG.search(srs or "")
    try:
        return _build(node), (match.group(1) if match else None)
    except (ValueError, IndexError, TypeError):
        return None, None
