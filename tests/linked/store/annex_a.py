"""Test data shared by the GeoSPARQL 1.1 Annex A tests (OGC 22-047r1): a handful of square features around
A = [0,4]x[0,4] (CRS84), each chosen so that one relation of each family holds, and the answers derived by
hand from the DE-9IM patterns of the standard (written next to each set).

    B = [1,2]x[1,2]   strictly inside A                  (sfWithin, ehInside, rcc8ntpp)
    C = [4,6]x[0,2]   shares A's edge x=4, outside       (sfTouches, ehMeet, rcc8ec)
    D = [3,5]x[3,5]   overlaps A's corner                (sfOverlaps, ehOverlap, rcc8po)
    E = [10,11]^2     far away                           (sfDisjoint, ehDisjoint, rcc8dc)
    F = [0,1]x[0,1]   inside A, on A's corner            (sfWithin, ehCoveredBy, rcc8tpp)
    G = A             the same square, rings start elsewhere (sfEquals, ehEquals, rcc8eq)
    L = line (-1 2)-(5 2) through A                      (sfCrosses; ehOverlap: T*T***T** holds for it, and the
                                                          standard's Egenhofer table applies overlap to "All" types)
"""

from __future__ import annotations

from ai4c.linked.store import GeoStore

PREFIXES = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX sf: <http://www.opengis.net/ont/sf#>
PREFIX gml: <http://www.opengis.net/ont/gml#>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ex: <http://example.org/annexa#>
"""
EX = "http://example.org/annexa#"
GEO = "http://www.opengis.net/ont/geosparql#"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
UTM33N = "http://www.opengis.net/def/crs/EPSG/0/32633"  # central meridian 15 E, false easting 500 000 m

SHAPES = {
    "A": "POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))",
    "B": "POLYGON((1 1, 2 1, 2 2, 1 2, 1 1))",
    "C": "POLYGON((4 0, 6 0, 6 2, 4 2, 4 0))",
    "D": "POLYGON((3 3, 5 3, 5 5, 3 5, 3 3))",
    "E": "POLYGON((10 10, 11 10, 11 11, 10 11, 10 10))",
    "F": "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))",
    "G": "POLYGON((4 4, 0 4, 0 0, 4 0, 4 4))",
    "L": "LINESTRING(-1 2, 5 2)",
}

# relation(A, X) for the features X, from the DE-9IM patterns of GeoSPARQL's Tables (hand-derived above)
RELATIONS_OF_A = {
    "sfEquals": {"A", "G"}, "sfDisjoint": {"E"}, "sfIntersects": {"A", "B", "C", "D", "F", "G", "L"},
    "sfTouches": {"C"}, "sfContains": {"A", "B", "F", "G"}, "sfOverlaps": {"D"},
    "ehEquals": {"A", "G"}, "ehDisjoint": {"E"}, "ehMeet": {"C"}, "ehOverlap": {"D", "L"},
    "ehCovers": {"F"}, "ehContains": {"B"},
    "rcc8eq": {"A", "G"}, "rcc8dc": {"E"}, "rcc8ec": {"C"}, "rcc8po": {"D"}, "rcc8tppi": {"F"}, "rcc8ntppi": {"B"},
}
# relation(X, A): the converse relations
RELATIONS_TO_A = {"sfWithin": {"A", "B", "F", "G"}, "sfCrosses": {"L"}, "ehCoveredBy": {"F"}, "ehInside": {"B"},
                  "rcc8tpp": {"F"}, "rcc8ntpp": {"B"}}


def features_turtle() -> str:
    """The features, each with a default geometry (ex:XGeom) holding its WKT."""
    lines = []
    for name, wkt in SHAPES.items():
        lines.append(f'ex:{name} a ex:Place ; geo:hasDefaultGeometry ex:{name}Geom .\n'
                     f'ex:{name}Geom a sf:{"LineString" if wkt.startswith("LINE") else "Polygon"} ; '
                     f'geo:asWKT "{wkt}"^^geo:wktLiteral .')
    return "\n".join(lines)


def store_with(turtle: str, *, entail: bool = True, rewrite: bool = True) -> GeoStore:
    """An in-memory store holding `turtle` (the prefixes above apply)."""
    store = GeoStore(entail=entail, rewrite_topology=rewrite)
    store.update(PREFIXES + "INSERT DATA {\n" + turtle + "\n}")
    return store


def names(store: GeoStore, query: str, var: str = "x") -> set[str]:
    """Local names (under ex:) bound to `var` by a SELECT."""
    return {row[var].value.removeprefix(EX) for row in store.query(PREFIXES + query)}


def value(store: GeoStore, expression: str):
    """The term an expression evaluates to (None when unbound)."""
    return list(store.query(PREFIXES + f"SELECT ({expression} AS ?v) WHERE {{}}"))[0]["v"]


def ask(store: GeoStore, pattern: str) -> bool:
    """An ASK query's answer."""
    return bool(store.query(PREFIXES + f"ASK {{ {pattern} }}"))
