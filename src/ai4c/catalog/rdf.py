"""EO product metadata as RDF (DCAT/DCT + GeoSPARQL + the small ai4c EO vocabulary of docs/earthqa.md).

One catalogue `Product` becomes one `dcat:Dataset` with its mission, instrument, product type and level,
sensing period (xsd:dateTime and strdf:period), the UTC days it spans (`eo:sensingDay`, the temporal index
key questions join on), footprint (`geo:asWKT`), orbit, polarisations, cloud cover, tile, size and links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import PurePath
from urllib.parse import quote

from shapely.geometry import shape

from ai4c.catalog.model import Product

EO = "https://w3id.org/ai4c/eo#"
PRODUCT_BASE = "https://w3id.org/ai4c/product/"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
GEO = "http://www.opengis.net/ont/geosparql#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STRDF_PERIOD = "http://strdf.di.uoa.gr/ontology#period"
PREFIXES = {"eo": EO, "dcat": DCAT, "dct": DCT, "geo": GEO, "xsd": XSD,
            "geof": "http://www.opengis.net/def/function/geosparql/"}

MISSIONS = {"S1": "Sentinel-1", "S2": "Sentinel-2", "S3": "Sentinel-3", "S5P": "Sentinel-5P"}
INSTRUMENTS = {"Sentinel-1": "C-SAR", "Sentinel-2": "MSI", "Sentinel-3": "OLCI", "Sentinel-5P": "TROPOMI"}
_S1_NAME = re.compile(r"^S1[ABCD]_(?P<mode>IW|EW|SM|WV|S\d)_(?P<type>GRD|SLC|OCN|RAW)\w?_\d[SA](?P<class>[SD])(?P<pol>[HV])")
_S2_TYPES = {"S2MSI1C": "L1C", "S2MSI2A": "L2A", "S2MSI2AP": "L2A", "L1C": "L1C", "L2A": "L2A"}
_S1_LEVELS = {"RAW": "L0", "GRD": "L1", "SLC": "L1", "OCN": "L2"}


def mission_of(product: Product) -> str | None:
    """'Sentinel-1', 'Sentinel-2', ... from the collection, platform or identifier."""
    for text in (product.collection, product.platform, product.id):
        key = re.sub(r"[^A-Z0-9]", "", str(text or "").upper()).replace("SENTINEL", "S")
        for code in ("S5P", "S1", "S2", "S3"):
            if key.startswith(code):
                return MISSIONS[code]
    return None


def platform_of(product: Product, mission: str | None) -> str | None:
    """'Sentinel-1A', 'Sentinel-2B', 'Sentinel-5P' (the satellite unit)."""
    text = re.sub(r"[^A-Z0-9]", "", str(product.platform or product.id or "").upper()).replace("SENTINEL", "S")
    unit = re.match(r"S([123])([ABCD])", text)
    if unit:
        return f"Sentinel-{unit.group(1)}{unit.group(2)}"
    return mission if mission == "Sentinel-5P" else None


def type_and_level(product: Product, mission: str | None) -> tuple[str, str | None]:
    """(product type, processing level): ('GRD', 'L1'), ('L2A', 'L2A'), ('L2__CO____', 'L2')."""
    raw = str(product.product_type or "").strip()
    if mission == "Sentinel-2":
        kind = _S2_TYPES.get(raw.upper()) or next((v for k, v in _S2_TYPES.items() if k in product.id), raw)
        return kind, kind or None
    if mission == "Sentinel-1":
        match = _S1_NAME.match(product.id)
        kind = raw.upper()[:3] if raw else (match.group("type") if match else "")
        return kind, _S1_LEVELS.get(kind)
    if mission == "Sentinel-5P":
        level = re.match(r"(L[0-2])_", raw)
        return raw, level.group(1) if level else None
    return raw, None


def polarisations_of(product: Product) -> list[str]:
    """Polarisations from the properties (sar:polarizations) or the S1 name (1SDV -> VV, VH)."""
    given = product.properties.get("polarisations") or product.properties.get("sar:polarizations")
    if given:
        return [str(p).upper() for p in given]
    match = _S1_NAME.match(product.id)
    if not match:
        return []
    first = {"V": "VV", "H": "HH"}[match.group("pol")]
    return [first, {"VV": "VH", "HH": "HV"}[first]] if match.group("class") == "D" else [first]


def _iri(text: str) -> str:
    return f"<{text}>"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                         "\b": "\\b", "\f": "\\f"})


def quoted(value: object) -> str:
    """`value` as a double-quoted string, escaped for N-Triples and SPARQL alike (quotes, backslashes,
    line breaks: a name holding them can neither break nor inject into a query)."""
    return '"' + str(value).translate(_ESCAPES) + '"'


def _link(href: str) -> str:
    """A download or quick-look link as an IRI: URLs percent-encoded, local paths (the catalogue keeps
    them as given, maybe relative) as absolute file: URIs (an RDF IRI must be absolute)."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href) or re.match(r"^[A-Za-z]:[\\/]", href):
        return _iri(PurePath(os.path.abspath(href)).as_uri())
    return _iri(quote(href, safe=":/?&=#%@+,;~"))


def _lit(value: object, datatype: str | None = None) -> str:
    return f"{quoted(value)}^^<{datatype}>" if datatype else quoted(value)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") + "Z"


FOOTPRINT_FRAGMENT = "#footprint"  # a product's footprint node is its IRI with this fragment


def product_of_footprint(term: str) -> str | None:
    """The product (N-Triples IRI) whose footprint node is `term`, or None for a node not named so."""
    suffix = FOOTPRINT_FRAGMENT + ">"
    return term[:-len(suffix)] + ">" if term.startswith("<") and term.endswith(suffix) else None


def product_iri(product_id: str) -> str:
    """The product's IRI (its identifier, percent-encoded, under the ai4c product base)."""
    return PRODUCT_BASE + quote(product_id, safe="")


def sensing_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """Every UTC day the acquisition [start, end] touches (the temporal index keys)."""
    first, last = start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()
    return [first + dt.timedelta(days=i) for i in range(max(0, (last - first).days) + 1)]


def product_triples(product: Product) -> Iterator[str]:
    """N-Triples lines describing one product (the footprint, when present, as a geo:Geometry)."""
    node = product_iri(product.id)
    s = _iri(node)
    mission = mission_of(product)
    kind, level = type_and_level(product, mission)

    def t(predicate: str, obj: str) -> str:
        return f"{s} <{predicate}> {obj} .\n"

    yield t(RDF_TYPE, _iri(DCAT + "Dataset"))
    yield t(RDF_TYPE, _iri(EO + "Product"))
    yield t(DCT + "identifier", _lit(product.id))
    yield t(DCT + "title", _lit(product.title or product.id))
    if mission:
        yield t(EO + "mission", _lit(mission))
        yield t(EO + "instrument", _lit(INSTRUMENTS.get(mission, "")))
    platform = platform_of(product, mission)
    if platform:
        yield t(EO + "platform", _lit(platform))
    if kind:
        yield t(EO + "productType", _lit(kind))
    if level:
        yield t(EO + "processingLevel", _lit(level))
    yield t(EO + "sensingStart", _lit(_utc(product.start), XSD + "dateTime"))
    yield t(EO + "sensingEnd", _lit(_utc(product.end), XSD + "dateTime"))
    yield t(EO + "validPeriod", _lit(f"[{_utc(product.start)},{_utc(product.end)}]", STRDF_PERIOD))
    days = sensing_days(product.start, product.end)
    for day in days:
        yield t(EO + "sensingDay", _lit(day.isoformat(), XSD + "date"))
    for month in sorted({f"{day:%Y-%m}" for day in days}):
        yield t(EO + "sensingMonth", _lit(month, XSD + "gYearMonth"))
    yield from _optional_facts(product, t)
    if product.href:
        dist = _iri(node + "#download")
        yield t(DCAT + "distribution", dist)
        yield f"{dist} <{RDF_TYPE}> <{DCAT}Distribution> .\n"
        yield f"{dist} <{DCAT}downloadURL> {_link(product.href)} .\n"
    if product.geometry:
        geom = _iri(node + FOOTPRINT_FRAGMENT)
        yield t(GEO + "hasGeometry", geom)
        yield f"{geom} <{RDF_TYPE}> <{GEO}Geometry> .\n"
        yield f"{geom} <{GEO}asWKT> {_lit(geojson_wkt(product.geometry), GEO + 'wktLiteral')} .\n"


def _ring(points) -> str:
    return "(" + ", ".join(" ".join(repr(float(c)) for c in point) for point in points) + ")"


_WKT_NESTING = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiPoint": 1, "MultiLineString": 2, "MultiPolygon": 3}


def geojson_wkt(geometry: dict) -> str:
    """WKT of a GeoJSON geometry, written directly (5x faster than through shapely, which is kept for
    geometry collections and anything unusual); coordinates keep their full float precision."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    depth = _WKT_NESTING.get(kind)
    if depth is None or not coordinates:
        return shape(geometry).wkt
    if depth == 0:
        return f"POINT {_ring([coordinates])}"

    def nest(items, level: int) -> str:
        return _ring(items) if level == 1 else "(" + ", ".join(nest(i, level - 1) for i in items) + ")"

    body = nest(coordinates, depth) if kind != "MultiPoint" else _ring(coordinates)
    return f"{kind.upper()} {body}"


def record_digest(lines: list[str]) -> str:
    """A hash of a product's N-Triples lines: re-indexing compares it with the stored `eo:recordDigest`
    to skip an unchanged product without reading its triples."""
    return hashlib.sha1("".join(lines).encode("utf-8")).hexdigest()[:20]


def product_record(product: Product) -> tuple[list[str], str]:
    """(N-Triples lines, digest) of one product; the lines end with its `eo:recordDigest` triple."""
    lines = list(product_triples(product))
    digest = record_digest(lines)
    lines.append(f"<{product_iri(product.id)}> <{EO}recordDigest> {_lit(digest)} .\n")
    return lines, digest


def _optional_facts(product: Product, t) -> Iterator[str]:
    """Orbit, polarisations, cloud cover, tile, size and quick-look, where the product has them."""
    props = product.properties
    direction = props.get("orbit_direction") or props.get("sat:orbit_state")
    if direction:
        yield t(EO + "orbitDirection", _lit(str(direction).upper()))
    if product.relative_orbit is not None:
        yield t(EO + "relativeOrbit", _lit(int(product.relative_orbit), XSD + "integer"))
    for pol in polarisations_of(product):
        yield t(EO + "polarisation", _lit(pol))
    if product.cloud_cover is not None:
        yield t(EO + "cloudCover", _lit(float(product.cloud_cover), XSD + "double"))
    tile = props.get("tile") or props.get("s2:mgrs_tile") or props.get("grid:code")
    if tile:
        yield t(EO + "tile", _lit(str(tile).removeprefix("MGRS-").upper()))
    if product.size:
        yield t(DCAT + "byteSize", _lit(int(product.size), XSD + "integer"))
    quicklook = props.get("quicklook")
    if quicklook:
        yield t(EO + "quicklook", _link(str(quicklook)))
