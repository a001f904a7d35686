"""Interpretation -> GeoSPARQL query over the EO vocabulary of `ai4c.catalog.rdf`.

The place becomes one `geof:sfIntersects` filter with a constant geometry (answered by the store's R-tree);
the period becomes a VALUES list of the UTC days or months it spans joined on `eo:sensingDay` /
`eo:sensingMonth` (the temporal index), plus the exact overlap filter on the sensing times. That query is
the one shown; the answer runs its equivalent with the R-tree's products as a VALUES list (`footprints`).
"""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry

from ai4c.catalog.rdf import EO, PREFIXES, quoted
from ai4c.linked.qa.interpretation import Interpretation

MAX_DAY_KEYS = 93
MAX_MONTH_KEYS = 60


def _values(var: str, items: list[str]) -> str:
    return f"VALUES {var} {{ {' '.join(items)} }}"


def _time(moment: dt.datetime) -> str:
    return f'"{moment.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}Z"^^xsd:dateTime'


def time_keys(start: dt.datetime, end: dt.datetime, *, months: bool = True) -> tuple[str, list[str]] | None:
    """The temporal index keys of a period: ('sensingDay', days) or ('sensingMonth', months), or None
    when the period is too long for a key list to narrow the search (or months are not wanted)."""
    first, last = start.astimezone(dt.UTC).date(), (end.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date()
    days = (last - first).days + 1
    if days <= MAX_DAY_KEYS:
        return "sensingDay", [f'"{first + dt.timedelta(days=i)}"^^xsd:date' for i in range(days)]
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if months and count <= MAX_MONTH_KEYS:
        keys = []
        for i in range(count):
            total = first.year * 12 + first.month - 1 + i
            keys.append(f'"{total // 12:04d}-{total % 12 + 1:02d}"^^xsd:gYearMonth')
        return "sensingMonth", keys
    return None


def _constraints(interp: Interpretation, *, as_filters: bool = False) -> list[str]:
    """Triple patterns and VALUES for the product facets; with `as_filters`, each facet as a pattern with a
    variable object plus a FILTER on it, which pyoxigraph cannot start a join from: it then follows the
    products of a footprint VALUES list instead of scanning every product of the mission."""
    lines: list[str] = []

    def fact(name: str, objects: list[str]) -> None:
        var = f"?{name}{len(lines)}" if as_filters else f"?{name}"
        if as_filters:
            lines.append(f"?product eo:{name} {var} . FILTER({var} IN ({', '.join(objects)}))")
        elif len(objects) == 1:
            lines.append(f"?product eo:{name} {objects[0]} .")
        else:
            lines.append(_values(var, objects))
            lines.append(f"?product eo:{name} {var} .")

    facets = (("mission", interp.missions), ("platform", interp.platforms), ("productType", interp.product_types),
              ("processingLevel", interp.levels))
    for name, items in facets:
        if items:
            fact(name, [quoted(i) for i in items])
    if interp.orbit_direction:
        fact("orbitDirection", [quoted(interp.orbit_direction)])
    if interp.relative_orbit is not None:
        fact("relativeOrbit", [f'"{int(interp.relative_orbit)}"^^xsd:integer'])
    for pol in interp.polarisations:
        fact("polarisation", [quoted(pol)])
    if interp.tile:
        fact("tile", [quoted(interp.tile)])
    return lines


def build_query(interp: Interpretation, area: BaseGeometry | None, footprints: list[str] | None = None) -> str:
    """The SELECT (or COUNT) query answering the interpretation over products intersecting `area`; with
    `footprints` (the N-Triples IRIs of the products whose footprint intersects `area`, found by the caller
    in the R-tree) the same query with the place given as that VALUES list instead of the geometry filter."""
    where: list[str] = []
    filters: list[str] = []
    if footprints is not None:
        # pyoxigraph reads only the R-tree hits' products, where the geometry filter let it read far more
        # (1 M products: 3-12 s); products rather than footprint nodes: no reverse lookup (2.5x faster)
        where.append(_values("?product", footprints))
    elif area is not None:
        # the footprints first: the store turns the filter below into a short list of R-tree hits, and
        # pyoxigraph follows the written order, so every other pattern is looked up for those products
        # only (written after the facets, a 1 M-product store scanned all Sentinel-1 products: 4-11 s)
        where.append("?product geo:hasGeometry ?footprint .")
        where.append("?footprint geo:asWKT ?wkt .")
    if interp.start or interp.end:
        start = interp.start or dt.datetime(2014, 4, 3, tzinfo=dt.UTC)
        end = interp.end or dt.datetime.now(dt.UTC)
        # with a place the R-tree selection is the selective input: month keys would only add a large
        # join (measured: 0.4-0.65 s -> 0.06-0.08 s over 100k products); day keys stay cheap
        keys = time_keys(start, end, months=area is None) if footprints is None else None
        if keys:
            where.append(_values("?timeKey", keys[1]))
            where.append(f"?product eo:{keys[0]} ?timeKey .")
        filters.append(f"FILTER(?start < {_time(end)} && ?end >= {_time(start)})")
    where += _constraints(interp, as_filters=footprints is not None)
    where.append("?product eo:sensingStart ?start .")
    where.append("?product eo:sensingEnd ?end .")
    if interp.cloud_max is not None or interp.cloud_min is not None or interp.order == "least_cloudy":
        where.append("?product eo:cloudCover ?cloud .")
        if interp.cloud_max is not None:
            filters.append(f'FILTER(?cloud <= "{float(interp.cloud_max)}"^^xsd:double)')
        if interp.cloud_min is not None:
            filters.append(f'FILTER(?cloud >= "{float(interp.cloud_min)}"^^xsd:double)')
    if area is not None and footprints is None:
        filters.append(f'FILTER(geof:sfIntersects(?wkt, {quoted(area.wkt)}^^geo:wktLiteral))')
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    body = "\n  ".join(where + filters)
    if interp.count:
        return f"{head}SELECT (COUNT(DISTINCT ?product) AS ?count) WHERE {{\n  {body}\n}}"
    order = {"least_cloudy": "ORDER BY ASC(?cloud) DESC(?start)", "earliest": "ORDER BY ASC(?start)"}.get(
        interp.order or "", "ORDER BY DESC(?start)")
    limit = f"\nLIMIT {int(interp.limit)}" if interp.limit else ""
    return f"{head}SELECT DISTINCT ?product ?start WHERE {{\n  {body}\n}}\n{order}{limit}"


def details_query(product_iris: list[str]) -> str:
    """The facts shown for each answered product (one row per product; optional facts may be unbound)."""
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    values = " ".join(f"<{iri}>" for iri in product_iris)
    optional = "\n  ".join(f"OPTIONAL {{ ?product eo:{name} ?{name} }}" for name in
                           ("mission", "platform", "productType", "processingLevel", "cloudCover",
                            "orbitDirection", "relativeOrbit", "tile", "quicklook"))
    return (f"{head}SELECT ?product ?id ?title ?start ?end ?url ?wkt ?mission ?platform ?productType "
            f"?processingLevel ?cloudCover ?orbitDirection ?relativeOrbit ?tile ?quicklook "
            f"(GROUP_CONCAT(DISTINCT ?pol; separator=\",\") AS ?polarisations) WHERE {{\n"
            f"  VALUES ?product {{ {values} }}\n"
            f"  ?product dct:identifier ?id ; dct:title ?title ; eo:sensingStart ?start ; eo:sensingEnd ?end .\n"
            f"  OPTIONAL {{ ?product dcat:distribution/dcat:downloadURL ?url }}\n"
            f"  OPTIONAL {{ ?product geo:hasGeometry/geo:asWKT ?wkt }}\n"
            f"  OPTIONAL {{ ?product eo:polarisation ?pol }}\n  {optional}\n}}\n"
            f"GROUP BY ?product ?id ?title ?start ?end ?url ?wkt ?mission ?platform ?productType ?processingLevel "
            f"?cloudCover ?orbitDirection ?relativeOrbit ?tile ?quicklook")


HAS_PRODUCTS = f"ASK {{ ?product a <{EO}Product> }}"
