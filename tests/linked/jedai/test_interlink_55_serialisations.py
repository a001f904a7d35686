"""Interlinking reads RDF geometries in every serialisation the store accepts (WKT with any CRS, GML, GeoJSON,
KML, DGGS cells): the links equal a brute force over the true geometries, which the literals are written from
by hand here (GML/KML text, axis swaps, cell squares derived from the grid's definition, UTM by pyproj)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from tests.linked.jedai.geometry_sets import brute_force, mixed_geometries

GEO = "http://www.opengis.net/ont/geosparql#"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
QUAD_GRID = "https://ai4c.eu/ns/dggs/LonLatQuad"
QUAD = "https://ai4c.eu/ns/dggs#lonLatQuadLiteral"
RELATIONS = ("equals", "intersects", "touches", "within", "contains", "covers", "coveredby", "crosses",
             "overlaps")
# LonLatQuad cells by the grid's definition: root E = [0, 180] x [-90, 90]; digit d = 2*north + east
CELLS = {"E2": (0.0, 0.0, 90.0, 90.0), "E20": (0.0, 0.0, 45.0, 45.0), "E203": (22.5, 22.5, 45.0, 45.0),
         "E21": (45.0, 0.0, 90.0, 45.0), "E2030": (22.5, 22.5, 33.75, 33.75)}
UTM_POINT = (15.3, 45.7)  # lon, lat; written in EPSG:32633


def _coords(ring, sep=" ", pair=" ") -> str:
    return pair.join(sep.join(repr(float(c)) for c in xy) for xy in np.asarray(ring))


def _gml(geom: shapely.Geometry) -> str:
    """GML 3 by hand, in EPSG:4326 (latitude first, as that CRS says)."""
    head = f'srsName="{EPSG}4326" xmlns:gml="http://www.opengis.net/gml"'

    def pos(ring) -> str:
        return _coords(np.asarray(ring)[:, ::-1])

    if geom.geom_type == "Point":
        return f"<gml:Point {head}><gml:pos>{pos(geom.coords)}</gml:pos></gml:Point>"
    if geom.geom_type == "LineString":
        return f"<gml:LineString {head}><gml:posList>{pos(geom.coords)}</gml:posList></gml:LineString>"
    rings = [f"<gml:exterior><gml:LinearRing><gml:posList>{pos(geom.exterior.coords)}</gml:posList>"
             "</gml:LinearRing></gml:exterior>"]
    rings += [f"<gml:interior><gml:LinearRing><gml:posList>{pos(r.coords)}</gml:posList></gml:LinearRing>"
              "</gml:interior>" for r in geom.interiors]
    return f"<gml:Polygon {head}>{''.join(rings)}</gml:Polygon>"


def _kml(geom: shapely.Geometry) -> str:
    """KML 2.2 by hand (longitude,latitude)."""
    def text(ring) -> str:
        return f"<coordinates>{_coords(ring, ',', ' ')}</coordinates>"

    if geom.geom_type == "Point":
        return f"<Point>{text(geom.coords)}</Point>"
    if geom.geom_type == "LineString":
        return f"<LineString>{text(geom.coords)}</LineString>"
    rings = [f"<outerBoundaryIs><LinearRing>{text(geom.exterior.coords)}</LinearRing></outerBoundaryIs>"]
    rings += [f"<innerBoundaryIs><LinearRing>{text(r.coords)}</LinearRing></innerBoundaryIs>" for r in geom.interiors]
    return f'<Polygon xmlns="http://www.opengis.net/kml/2.2">{"".join(rings)}</Polygon>'


def _lit(text: str, datatype: str) -> str:
    return json.dumps(text) + f"^^<{datatype}>"


def _utm_wkt() -> str:
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True).transform(*UTM_POINT)
    return f"<{EPSG}32633> POINT({x!r} {y!r})"


def _simple(seed: int, n: int) -> list[shapely.Geometry]:
    """Points, lines and polygons (with holes) only: the shapes written as GML and KML by hand here."""
    return [g for g in mixed_geometries(seed, 4 * n, extent=60.0) if g.geom_type in ("Point", "LineString", "Polygon")][:n]


def _source() -> tuple[list[tuple[str, list[str]]], list[shapely.Geometry]]:
    """(feature, its literals) and the true geometry of each feature, every serialisation in turn."""
    shapes = _simple(21, 30)
    writers = [
        lambda g: _lit(g.wkt, GEO + "wktLiteral"),
        lambda g: _lit(f"<{EPSG}4326> {shapely.transform(g, lambda xy: xy[:, ::-1]).wkt}", GEO + "wktLiteral"),
        lambda g: _lit(_gml(g), GEO + "gmlLiteral"),
        lambda g: _lit(shapely.to_geojson(g), GEO + "geoJSONLiteral"),
        lambda g: _lit(_kml(g), GEO + "kmlLiteral"),
        lambda g: _lit(f"{g.wkt};{EPSG}4326", "http://strdf.di.uoa.gr/ontology#WKT"),
    ]
    features = [[writers[k % len(writers)](g)] for k, g in enumerate(shapes)]
    truths = list(shapes)
    features.append([_lit(f"<{QUAD_GRID}> CELLLIST (E203 E21)", GEO + "dggsLiteral")])
    truths.append(shapely.union(shapely.box(*CELLS["E203"]), shapely.box(*CELLS["E21"])))
    features.append([_lit("CELLLIST (E2030)", QUAD)])
    truths.append(shapely.box(*CELLS["E2030"]))
    # two serialisations of one geometry: the exact WKT is preferred to the DGGS cells (a different shape here)
    features.append([_lit("CELLLIST (E2)", QUAD), _lit("POLYGON((3.5 3.5, 9.5 3.5, 9.5 8.5, 3.5 3.5))",
                                                      GEO + "wktLiteral")])
    truths.append(shapely.from_wkt("POLYGON((3.5 3.5, 9.5 3.5, 9.5 8.5, 3.5 3.5))"))
    features.append([_lit(_utm_wkt(), GEO + "wktLiteral")])
    truths.append(shapely.Point(UTM_POINT))
    return [(f"http://ex.org/f{k}", lits) for k, lits in enumerate(features)], truths


MALFORMED = [_lit("POINT(1 2", GEO + "wktLiteral"), _lit("<gml:Blob xmlns:gml='http://www.opengis.net/gml'/>",
                                                          GEO + "gmlLiteral"),
             _lit('{"type": "Point", "coordinates": [1', GEO + "geoJSONLiteral"),
             _lit("<Point/>", GEO + "kmlLiteral"), _lit("CELLLIST (E9)", QUAD),
             _lit("<https://example.org/OtherGrid> CELLLIST (E2)", GEO + "dggsLiteral"),
             _lit("<http://example.org/crs/42> POINT(1 2)", GEO + "wktLiteral")]


def _property(literal: str) -> str:
    """The GeoSPARQL serialisation property of a literal's datatype (Strabon's WKT under geo:asWKT)."""
    datatype = literal.rsplit("^^<", 1)[1]
    found = [p for key, p in (("gml", "asGML"), ("geoJSON", "asGeoJSON"), ("kml", "asKML"), ("dggs", "asDGGS"),
                              ("lonLatQuad", "asDGGS")) if key in datatype]
    return found[0] if found else "asWKT"


def _write_nt(path, features, malformed=()) -> None:
    lines = []
    for k, (feature, literals) in enumerate(list(features) + [(f"http://ex.org/bad{j}", [m])
                                                               for j, m in enumerate(malformed)]):
        lines.append(f"<{feature}> <{GEO}hasGeometry> <http://ex.org/g{k}> .\n")
        lines += [f"<http://ex.org/g{k}> <{GEO}{_property(lit)}> {lit} .\n" for lit in literals]
        lines.append(f"<{feature}> <http://ex.org/layer> \"a\" .\n")
    path.write_text("".join(lines))


def _target(tmp_path):
    shapes = list(mixed_geometries(22, 60, extent=60.0)) + [shapely.box(10, 40, 20, 50), shapely.box(20, 20, 50, 40)]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"b{k}", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
        for k, g in enumerate(shapes)]}
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(doc))
    return path, np.asarray(shapes, dtype=object)


def _expected(features, truths, targets) -> set[tuple[str, str, str]]:
    truth = brute_force(np.asarray(truths, dtype=object), targets)
    return {(features[i][0], f"b{j}", name) for name in RELATIONS for i, j in truth[name]}


def _links(path) -> set[tuple[str, str, str]]:
    return {tuple(row.split(",")) for row in path.read_text().splitlines()[1:]}


def test_the_utm_point_is_clear_of_every_target_boundary(tmp_path):
    """Guard of the truth: reprojection moves the point by far less than its distance to any edge."""
    _, targets = _target(tmp_path)
    point, edges = shapely.Point(UTM_POINT), shapely.boundary(targets)
    clearance = np.where(shapely.is_empty(edges), shapely.distance(point, targets), shapely.distance(point, edges))
    assert clearance.min() > 1e-3


def test_every_serialisation_links_as_its_true_geometry(tmp_path, run_cli):
    features, truths = _source()
    source = tmp_path / "a.nt"
    _write_nt(source, features)
    target, targets = _target(tmp_path)
    out = tmp_path / "links.csv"
    code, _, err = run_cli("jedai", "interlink", "--source", source, "--target", target, "-o", out)
    assert code == 0, err
    assert _links(out) == _expected(features, truths, targets)
    assert "skipped" not in err


def test_malformed_literals_of_every_serialisation_are_skipped_and_counted(tmp_path, run_cli):
    features, truths = _source()
    source = tmp_path / "a.nt"
    _write_nt(source, features, MALFORMED)
    target, targets = _target(tmp_path)
    out = tmp_path / "links.csv"
    code, _, err = run_cli("jedai", "interlink", "--source", source, "--target", target, "-o", out)
    assert code == 0, err
    assert f"{len(MALFORMED)} features without a usable geometry skipped" in err
    assert _links(out) == _expected(features, truths, targets)


@pytest.mark.parametrize("first", ["utm", "crs84"])
def test_a_file_in_several_crss_is_read_in_its_first_one(tmp_path, first):
    """Every geometry is brought into the CRS of the first one met (no error for a file mixing CRSs)."""
    from ai4c.linked.geo.geometry import GEOMETRY_LITERALS
    from ai4c.products.geometries import GeometryFile

    crs84 = ("http://ex.org/p", [_lit("POINT(16 46)", GEO + "wktLiteral")])
    utm = ("http://ex.org/u", [_lit(_utm_wkt(), GEO + "wktLiteral")])
    path = tmp_path / "mixed.nt"
    _write_nt(path, [utm, crs84] if first == "utm" else [crs84, utm])
    reader = GeometryFile(path, literals=GEOMETRY_LITERALS)
    batch = reader.read()
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True)
    expected = {"http://ex.org/p": (16.0, 46.0), "http://ex.org/u": UTM_POINT}
    if first == "utm":
        assert reader.crs == EPSG + "32633"
        expected = {k: to_utm.transform(*xy) for k, xy in expected.items()}
    else:
        assert reader.crs == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    got = dict(zip(batch.ids, shapely.get_coordinates(batch.geoms).tolist(), strict=True))
    for key, xy in expected.items():
        assert got[key] == pytest.approx(xy, abs=1e-6)


def test_store_queries_bind_literals_of_any_serialisation(tmp_path, run_cli):
    features, truths = _source()
    single = [(f, lits) for f, lits in features if len(lits) == 1]
    truths = [t for (_, lits), t in zip(features, truths, strict=True) if len(lits) == 1]
    nt = tmp_path / "a.nt"
    _write_nt(nt, single)
    store = tmp_path / "store"
    assert run_cli("store", "load", "--store", store, nt)[0] == 0
    query = (f'SELECT ?id ?wkt WHERE {{ ?id <http://ex.org/layer> "a" ; <{GEO}hasGeometry> ?g . '
             f'?g <{GEO}hasSerialization> ?wkt }}')
    target, targets = _target(tmp_path)
    out = tmp_path / "links.csv"
    code, _, err = run_cli("jedai", "interlink", "--store", store, "--source", query, "--target", target,
                           "-o", out)
    assert code == 0, err
    assert _links(out) == _expected(single, truths, targets)
