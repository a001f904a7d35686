"""Inspect a geodata input for mapping generation: columns with XSD datatypes, geometry, CRS, row key."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.schema_model import Column, Schema
from ai4c.linked.mapping.sql_schema import inspect_table
from ai4c.linked.mapping.vector import epsg_of

SAMPLE = 1000
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "footprint")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_START = re.compile(r"^\s*(<[^>]+>\s*)?(MULTI)?(POINT|LINESTRING|POLYGON)|^\s*GEOMETRYCOLLECTION", re.I)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
INT = re.compile(r"^[+-]?\d+$")
NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def infer_datatype(values: list[str]) -> str:
    """The narrowest XSD datatype all non-empty sample values fit."""
    values = [x for x in values if x not in ("", None)]
    if not values:
        return v.XSD + "string"
    for pattern, datatype in ((INT, "integer"), (NUM, "double"), (DATE, "date"), (DATETIME, "dateTime")):
        if all(pattern.match(x) for x in values):
            return v.XSD + datatype
    if all(x.lower() in ("true", "false") for x in values):
        return v.XSD + "boolean"
    return v.XSD + "string"


def _pick(names: list[str], wanted: tuple[str, ...]) -> str | None:
    lower = {n.lower(): n for n in names}
    return next((lower[w] for w in wanted if w in lower), None)


def inspect_csv(path: Path) -> Schema:
    """Header, sampled datatypes, and a WKT column or lon/lat pair."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        names = list(reader.fieldnames or [])
        rows = [row for _, row in zip(range(SAMPLE), reader, strict=False)]
    if not names:
        raise InvalidProductError(f"{path} has no header row; CSV inputs need column names in the first line")
    schema = Schema("csv", str(path), path.stem)
    wkt = next((n for n in names if rows and all(WKT_START.match(r[n] or "") for r in rows if r[n])
                and any(r[n] for r in rows)), None) or _pick(names, WKT_NAMES)
    lon, lat = _pick(names, LON_NAMES), _pick(names, LAT_NAMES)
    if wkt:
        schema.geometry = wkt
    elif lon and lat:
        schema.lonlat = (lon, lat)
    schema.columns = [Column(n, infer_datatype([r[n] for r in rows])) for n in names if n != wkt]
    return schema


OGR_TYPES = {"int": "integer", "uint": "integer", "float": "double", "bool": "boolean",
             "datetime64": "dateTime"}


def inspect_vector(path: Path) -> Schema:
    """Fields with datatypes, CRS and geometry of a Shapefile/GeoJSON/GeoPackage/KML/GML layer."""
    import pyogrio


    try:
        info = pyogrio.read_info(path)
    except Exception as exc:
        raise InvalidProductError(f"{path} is not a readable vector file ({exc}); give a Shapefile, "
                                  "GeoJSON, GeoPackage, KML or GML file") from exc
    schema = Schema("vector", str(path), info.get("layer_name") or path.stem)
    schema.epsg = epsg_of(info.get("crs"))
    for name, dtype in zip(info["fields"], info["dtypes"], strict=True):
        kind = next((t for prefix, t in OGR_TYPES.items() if str(dtype).startswith(prefix)), "string")
        schema.columns.append(Column(str(name), v.XSD + kind))
    if info.get("geometry_type"):
        schema.geometry = "the_geom"
    return schema


def _xpath_step(element) -> str:
    """An XPath step for an element: its name, or a local-name() test when it has a namespace."""
    from lxml import etree

    name = etree.QName(element)
    return f"*[local-name()='{name.localname}']" if name.namespace else name.localname


def _is_gml(element) -> bool:
    """True when the element holds a GML geometry."""
    return any(isinstance(e.tag, str) and "opengis.net/gml" in e.tag for e in element.iter())


def inspect_xml(path: Path) -> Schema:
    """Iterate the most frequent child of the root; its leaf elements and attributes are the columns,
    a child holding GML (or a leaf holding WKT) is the geometry."""
    from lxml import etree

    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError as exc:
        raise InvalidProductError(f"{path}: malformed XML ({exc}); fix the file") from exc
    children = [c for c in root if isinstance(c.tag, str)]
    if not children:
        raise InvalidProductError(f"{path}: the root element has no child elements to map")
    tag = Counter(etree.QName(c).localname for c in children).most_common(1)[0][0]
    records = [c for c in children if etree.QName(c).localname == tag][:SAMPLE]
    schema = Schema("xml", str(path), tag, iterator=f"/{_xpath_step(root)}/{_xpath_step(records[0])}")
    values: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for rec in records:
        for attr, val in rec.attrib.items():
            values.setdefault("@" + etree.QName(attr).localname, []).append(val)
        for leaf in rec:
            if not isinstance(leaf.tag, str):
                continue
            ref = _xpath_step(leaf)
            labels[ref] = etree.QName(leaf).localname
            if len(leaf) == 0:
                values.setdefault(ref, []).append((leaf.text or "").strip())
            elif schema.geometry is None and _is_gml(leaf):
                schema.geometry = ref
    if schema.geometry is None:
        schema.geometry = next((n for n, vals in values.items() if vals and all(WKT_START.match(x) for x in vals if x)),
                               None)
    schema.columns = [Column(n, infer_datatype(vals), labels.get(n, n)) for n, vals in values.items()
                      if n != schema.geometry]
    lon, lat = _pick(list(values), LON_NAMES), _pick(list(values), LAT_NAMES)
    if not schema.geometry and lon and lat:
        schema.lonlat = (lon, lat)
    return schema


def inspect_json(path: Path) -> Schema:
    """A JSON array of objects (top level or the first array-valued key); keys are the columns."""
    with open(path, encoding="utf-8") as handle:
        try:
            doc = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InvalidProductError(f"{path}: line {exc.lineno}: malformed JSON ({exc.msg})") from exc
    if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
        return inspect_vector(path)
    iterator, items = "$[*]", doc
    if isinstance(doc, dict):
        key = next((k for k, val in doc.items() if isinstance(val, list)), None)
        if key is None:
            raise InvalidProductError(f"{path}: no array of objects to iterate; give a JSON array")
        iterator, items = f"$.{key}[*]" if re.fullmatch(r"\w+", key) else f"$['{key}'][*]", doc[key]
    items = [x for x in items[:SAMPLE] if isinstance(x, dict)]
    keys = list(dict.fromkeys(k for x in items for k, val in x.items() if not isinstance(val, dict | list)))
    schema = Schema("json", str(path), path.stem, iterator=iterator)
    text = {k: ["" if x.get(k) is None else str(x.get(k)).lower() if isinstance(x.get(k), bool) else str(x.get(k))
                for x in items] for k in keys}
    wkt = next((k for k, vals in text.items() if any(vals) and all(WKT_START.match(x) for x in vals if x)), None)
    schema.geometry = wkt
    lon, lat = _pick(keys, LON_NAMES), _pick(keys, LAT_NAMES)
    if not wkt and lon and lat:
        schema.lonlat = (lon, lat)
    schema.columns = [Column(k, infer_datatype(vals)) for k, vals in text.items() if k != wkt]
    return schema


def inspect(location: str) -> Schema:
    """Dispatch on the input: postgresql:// URL or a file by extension."""
    if location.startswith(("postgresql://", "postgres://")):
        return inspect_table(location)
    path = Path(location)
    if not path.exists():
        raise InputNotFoundError(f"input {path} does not exist; give a Shapefile, GeoJSON, GeoPackage, KML, "
                                 "GML/XML, CSV or JSON file, or a postgresql:// URL")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return inspect_csv(path)
    if suffix == ".json":
        return inspect_json(path)
    if suffix == ".xml":
        return inspect_xml(path)
    return inspect_vector(path)
