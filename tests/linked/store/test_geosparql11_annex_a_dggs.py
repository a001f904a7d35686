"""OGC GeoSPARQL 1.1 (22-047r1) Annex A.3.6, serialization = DGGS (Req 35-38), with the store's declared DGGS,
LonLatQuad (docs/geosparql-store.md, `ai4c.linked.geo.dggs`): cells are squares over CRS84 lon/lat, roots
W = [-180,0]x[-90,90] and E = [0,180]x[-90,90], child digit 2*north + east (0 SW, 1 SE, 2 NW, 3 NE).

Every expected answer below is derived by hand from that definition (cell corners written out next to each
feature) and the standard's text, not from the store's output. The DGGS features reproduce annex_a.py's
configuration around A, scaled onto the grid, so the relation sets of annex_a.RELATIONS_OF_A hold for them:

    A = E2            = [0,90]x[0,90]         (E: x in [0,180]; digit 2: west half, north half)
    B = E212          = [45,67.5]x[22.5,45]   (E21 = [45,90]x[0,45]; its NW child) strictly inside A
    C = E3            = [90,180]x[0,90]       shares A's edge x=90
    D = E23 E3        = [45,90]x[45,90] + C   overlaps A
    E = W0            = [-180,-90]x[-90,0]    far away
    F = E20           = [0,45]x[0,45]         inside A, on A's corner
    G = E20 E21 E22 E23                       the four children of A: A itself
"""

from __future__ import annotations

import pytest
from tests.linked.store.annex_a import EX, RELATIONS_OF_A, RELATIONS_TO_A, names, store_with, value

from ai4c.core.log import collect_warnings
from ai4c.linked.geo import dggs
from ai4c.linked.store import GeoStore

QUAD = "https://ai4c.eu/ns/dggs#lonLatQuadLiteral"  # the declared DGGS's datatype
GRID = "https://ai4c.eu/ns/dggs/LonLatQuad"  # its grid IRI
CELLS = {"A": "E2", "B": "E212", "C": "E3", "D": "E23 E3", "E": "W0", "F": "E20", "G": "E20 E21 E22 E23"}
A_WKT = '"POLYGON((0 0, 90 0, 90 90, 0 90, 0 0))"^^geo:wktLiteral'


def _quad(body: str) -> str:
    return f'"{body}"^^<{QUAD}>'


def _cells(cells: str) -> str:
    return _quad(f"CELLLIST ({cells})")


def _features() -> str:
    return "\n".join(f"ex:{x} a ex:Place ; geo:hasDefaultGeometry ex:{x}Geom .\n"
                     f"ex:{x}Geom geo:asDGGS {_cells(cells)} ." for x, cells in CELLS.items())


@pytest.fixture(scope="module")
def store():
    return store_with(_features() + f"""
ex:generic geo:asDGGS "<{GRID}> CELLLIST (E2)"^^geo:dggsLiteral .
ex:emptyGeneric geo:asDGGS ""^^geo:dggsLiteral .
ex:emptyQuad geo:asDGGS {_quad("")} .
""")


def _true(store, expression: str) -> bool:
    term = value(store, expression)
    assert term is not None, f"{expression} is unbound"
    return term.value == "true"


# ---------------------------------------------------------------- Req 35: dggs-literal
def test_req_35_dggs_literal_of_a_specific_dggs(store):
    """Req 35: a geo:dggsLiteral is a serialisation of a specific DGGS, named by a datatype specialising
    geo:dggsLiteral: the declared datatype is one (entailed), its literals are the cells' polygons (E2 is the
    square [0,90]^2, four siblings are their parent), and a generic geo:dggsLiteral is parsed when it names
    the grid IRI."""
    assert names(store, f"SELECT ?x WHERE {{ <{QUAD}> rdfs:subClassOf geo:dggsLiteral BIND(ex:yes AS ?x) }}") == {
        "yes"}
    assert _true(store, f"geof:sfEquals({_cells('E2')}, {A_WKT})")
    assert _true(store, f"geof:sfEquals({_cells('E20 E21 E22 E23')}, {A_WKT})")
    assert _true(store, f'geof:sfEquals("<{GRID}> CELLLIST (E2)"^^geo:dggsLiteral, {A_WKT})')
    assert _true(store, f'geof:sfEquals({_cells("W0")}, '
                        f'"POLYGON((-180 -90, -90 -90, -90 0, -180 0, -180 -90))"^^geo:wktLiteral)')
    # E212 = [45,67.5]x[22.5,45]: min/max coordinates are exact binary fractions
    bounds = [float(value(store, f"geof:{f}({_cells('E212')})").value) for f in ("minX", "minY", "maxX", "maxY")]
    assert bounds == [45.0, 22.5, 67.5, 45.0]


def test_req_35_a_dggs_literal_naming_no_known_dggs_is_invalid(store):
    """Req 35 (test method: queries use specialisations, not the generic datatype): a generic literal that
    names no DGGS or another one, an unknown grid IRI or a cell id outside the grid is not a geometry:
    functions are unbound on it."""
    for literal in ('"CELLLIST (E2)"^^geo:dggsLiteral',
                    '"<http://example.org/other-dggs> CELLLIST (E2)"^^geo:dggsLiteral',
                    _quad("<http://example.org/other-dggs> CELLLIST (E2)"),
                    _cells("E4"), _cells("X0"), _quad("CELLIST (E2)")):
        assert value(store, f"geof:isEmpty({literal})") is None, literal


# ---------------------------------------------------------------- Req 36: dggs-literal-empty
def test_req_36_dggs_literal_empty(store):
    """Req 36: an empty geo:dggsLiteral, or one of a sub-type, is the empty geometry (so is an empty cell
    list); it is disjoint from everything and has no area."""
    for literal in ('""^^geo:dggsLiteral', _quad(""), _quad("CELLLIST EMPTY"), _quad(f"<{GRID}> CELLLIST ()")):
        assert _true(store, f"geof:isEmpty({literal})"), literal
        assert _true(store, f"geof:sfDisjoint({literal}, {A_WKT})"), literal
    assert names(store, "SELECT ?x WHERE { ?x geo:isEmpty true }") == {"emptyGeneric", "emptyQuad"}


# ---------------------------------------------------------------- Req 37: geometry-as-dggs-literal
def test_req_37_geometry_as_dggs_literal(store):
    """Req 37: geo:asDGGS in graph patterns: it links the geometries with their DGGS literals, is a
    sub-property of geo:hasSerialization (entailed), and its geometries get the computed properties
    (a cell list is a surface: dimension 2)."""
    found = names(store, "SELECT ?x WHERE { ?x geo:asDGGS ?l }")
    assert found == {f"{x}Geom" for x in CELLS} | {"generic", "emptyGeneric", "emptyQuad"}
    assert names(store, "SELECT ?x WHERE { ?x geo:hasSerialization ?l FILTER(datatype(?l) = <" + QUAD + ">) }") == {
        f"{x}Geom" for x in CELLS} | {"emptyQuad"}
    assert names(store, "SELECT ?x WHERE { ?x a geo:Geometry . ?x geo:dimension 2 }") >= {f"{x}Geom" for x in CELLS}


@pytest.mark.parametrize("relation", sorted(RELATIONS_OF_A))
def test_req_37_topology_functions_and_rewrite_on_dggs_literals(store, relation):
    """Req 37 with the topology classes (Req 44-46, 50-52): geof:sfX/ehX/rcc8X on DGGS literals and the
    relation properties through geo:asDGGS give annex_a's hand-derived sets (no line here: ehOverlap is D)."""
    expected = RELATIONS_OF_A[relation] - {"L"}
    query = f"""SELECT ?x WHERE {{ ex:AGeom geo:asDGGS ?a . ?x geo:hasDefaultGeometry/geo:asDGGS ?l .
                FILTER(geof:{relation}(?a, ?l)) }}"""
    assert names(store, query) == expected
    assert names(store, f"SELECT ?x WHERE {{ ex:A geo:{relation} ?x . ?x a ex:Place }}") == expected


@pytest.mark.parametrize("relation", sorted(RELATIONS_TO_A))
def test_req_37_converse_relations_on_dggs_literals(store, relation):
    """The converse relations X rel A (sfWithin, ehInside, rcc8tpp, ...) on DGGS literals."""
    query = f"""SELECT ?x WHERE {{ ex:AGeom geo:asDGGS ?a . ?x geo:hasDefaultGeometry/geo:asDGGS ?l .
                FILTER(geof:{relation}(?l, ?a)) }}"""
    assert names(store, query) == RELATIONS_TO_A[relation] - {"L"}


def test_req_37_functions_on_dggs_literals(store):
    """Non-topological functions take DGGS literals too: E20 u E21 = [0,90]x[0,45] (written as WKT: a
    buffer or union is in general no union of cells); E2 is 1/8 of the WGS84 ellipsoid (510 065 621.7 km2);
    its CRS is CRS84."""
    union = value(store, f"geof:union({_cells('E20')}, {_cells('E21')})")
    assert union.datatype.value.endswith("#wktLiteral")
    assert _true(store, f'geof:sfEquals({_cells("E20 E21")}, '
                        f'"POLYGON((0 0, 90 0, 90 45, 0 45, 0 0))"^^geo:wktLiteral)')
    assert _true(store, f'geof:sfEquals("{union.value}"^^geo:wktLiteral, '
                        f'"POLYGON((0 0, 90 0, 90 45, 0 45, 0 0))"^^geo:wktLiteral)')
    area = float(value(store, f"geof:metricArea({_cells('E2')})").value)
    assert area == pytest.approx(510_065_621.7e6 / 8, rel=1e-6)
    assert value(store, f"geof:getSRID({_cells('E2')})").value == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


# ---------------------------------------------------------------- Req 38: asDGGS-function
def _as_dggs(store, geometry: str, *resolution: int):
    extra = "".join(f", {r}" for r in resolution)
    term = value(store, f"geof:asDGGS({geometry}, <{QUAD}>{extra})")
    assert term is not None, geometry
    assert term.datatype.value == QUAD
    prefix = f"<{GRID}> CELLLIST "
    assert term.value.startswith(prefix)
    body = term.value[len(prefix):]
    return body if body == "EMPTY" else body.strip("()").split()


def test_req_38_as_dggs_function(store):
    """Req 38: geof:asDGGS(geom, specificDggsDatatype) converts a geometry to the declared DGGS's literal:
    the cells it occupies at the resolution, four siblings written as their parent, sorted."""
    assert _as_dggs(store, A_WKT) == ["E2"]  # the square is exactly cell E2
    assert _as_dggs(store, A_WKT, 4) == ["E2"]  # at any finer resolution too (compacted)
    # annex_a's A = [0,4]^2 at resolution 5 (side 5.625): within E20000 = [0,5.625]^2
    assert _as_dggs(store, '"POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))"^^geo:wktLiteral', 5) == ["E20000"]
    # POINT(10 10) at resolution 2 (side 45): E, north half [0,90] -> E2, then west/south [0,45]^2 -> E20
    assert _as_dggs(store, '"POINT(10 10)"^^geo:wktLiteral', 2) == ["E20"]
    # a point on a corner is in the four cells around it; a line along a cell edge in the cells on both sides
    assert _as_dggs(store, '"POINT(0 0)"^^geo:wktLiteral', 1) == ["E0", "E2", "W1", "W3"]
    assert _as_dggs(store, '"LINESTRING(0 0, 90 0)"^^geo:wktLiteral', 1) == ["E0", "E2"]
    # EPSG:4326 is latitude first: POINT(10 100) is longitude 100, latitude 10: in E's east half [90,180] and
    # north half [0,90] -> E3, then in its west and south halves [90,135]x[0,45] -> E30
    epsg = '"<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(10 100)"^^geo:wktLiteral'
    assert _as_dggs(store, epsg, 2) == ["E30"]
    assert _as_dggs(store, '"POLYGON EMPTY"^^geo:wktLiteral') == "EMPTY"


def test_req_38_round_trips(store):
    """DGGS -> geometry -> DGGS gives the same (compact) cells back, through every serialisation."""
    for x, cells in CELLS.items():
        expected = sorted({"E20 E21 E22 E23": "E2"}.get(cells, cells).split())
        assert _as_dggs(store, _cells(cells)) == expected, x
        for function in ("asWKT", "asGML", "asGeoJSON"):
            assert _as_dggs(store, f"geof:{function}({_cells(cells)})") == expected, (x, function)


@pytest.mark.parametrize(("wkt", "pattern"), [("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))", "2********"),
                                              ("POLYGON((1 1, 7 2, 3 6, 1 1))", "2********"),
                                              ("LINESTRING(-3 -2, 5 7)", "1********")])
def test_req_38_covering_contains_the_geometry(store, wkt, pattern):
    """The cells asDGGS returns cover the geometry (annex_a's A, a triangle, a line) and each of them meets
    it in an area (a surface) or a stretch of line (a curve)."""
    literal = f'"{wkt}"^^geo:wktLiteral'
    cells = _as_dggs(store, literal, 8)
    assert _true(store, f"geof:sfWithin({literal}, {_cells(' '.join(cells))})")
    for cell in cells:
        assert _true(store, f'geof:relate({_cells(cell)}, {literal}, "{pattern}")'), cell


@pytest.mark.parametrize("arguments", [
    f"{A_WKT}, geo:dggsLiteral",  # the generic datatype is no specific DGGS (Req 35)
    f"{A_WKT}, <http://example.org/other-dggs#literal>",
    f"{A_WKT}, <{QUAD}>, 31",  # finer than the grid's 30 levels
    f"{A_WKT}, <{QUAD}>, 1.5",
    f'"POINT(200 0)"^^geo:wktLiteral, <{QUAD}>',  # outside longitude/latitude
])
def test_req_38_invalid_arguments_are_errors(store, arguments):
    """Invalid arguments leave geof:asDGGS unbound (an error, as for the other functions)."""
    assert value(store, f"geof:asDGGS({arguments})") is None


def test_req_38_a_covering_beyond_the_cell_limit_is_an_error(store, monkeypatch):
    """A covering needing more cells than the limit (here 1 000) is unbound. By hand: the triangle's hypotenuse
    x + y = 90 bisects the 2^(r-1) cells of E2 = [0,90]^2 with a + b = n - 1 at each resolution r (n cells a
    side); each such cell has one child wholly inside, two bisected and one outside. So resolution 10 needs
    4 x 2^8 = 1 024 candidates from the 2^8 bisected cells of resolution 9 (over the limit), and its covering
    is 2^9 bisected cells plus one whole cell per bisected parent at resolutions 2-10: 2^9 + 2^9 - 1 = 1 023."""
    monkeypatch.setattr(dggs, "MAX_CELLS", 1_000)
    triangle = '"POLYGON((0 0, 90 0, 0 90, 0 0))"^^geo:wktLiteral'
    assert value(store, f"geof:asDGGS({triangle}, <{QUAD}>, 10)") is None
    monkeypatch.setattr(dggs, "MAX_CELLS", 100_000)
    assert len(_as_dggs(store, triangle, 10)) == 1_023
    assert len(_as_dggs(store, triangle, 9)) == 511


def test_unparsable_dggs_literals_never_abort_a_load(tmp_path):
    """A DGGS literal naming no or another DGGS, or a cell outside the grid, is stored as is and counted as
    unparsed with a warning naming its subject; the valid one is indexed and answers."""
    rows = [("ok", _cells("E2")), ("generic", '"CELLLIST (E2)"^^<http://www.opengis.net/ont/geosparql#dggsLiteral>'),
            ("other", f'"<http://example.org/other-dggs> CELLLIST (E2)"^^<{QUAD}>'),
            ("badcell", f'"CELLLIST (E9)"^^<{QUAD}>'), ("syntax", f'"CELLLIST E2"^^<{QUAD}>')]
    path = tmp_path / "dggs.nt"
    path.write_text("".join(f"<{EX}{s}> <http://www.opengis.net/ont/geosparql#asDGGS> {o} .\n" for s, o in rows))
    store = GeoStore()
    with collect_warnings() as warnings:
        store.load(str(path))
    assert {s for s, _ in store.last_change.unparsed} == {f"<{EX}{s}>" for s, _ in rows[1:]}
    assert sum("not parsed" in w for w in warnings) == 4
    query = ("PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX geof: "
             "<http://www.opengis.net/def/function/geosparql/> SELECT ?s WHERE { ?s geo:asDGGS ?l "
             "FILTER(geof:sfContains(?l, \"POINT(45 45)\"^^geo:wktLiteral)) }")
    assert [row["s"].value for row in store.query(query)] == [f"{EX}ok"]

