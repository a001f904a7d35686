"""generate_mapping -> dump_rdf round trips on small Shapefile/GeoJSON/GeoPackage/CSV/XML/PostGIS-less tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyoxigraph import Dataset, NamedNode, RdfFormat, parse
from tests.linked.rml_postgres import postgres_dsn  # noqa: F401

from ai4c.linked.mapping import dump_rdf
from ai4c.linked.mapping.generate import generate_mapping

GEO = "http://www.opengis.net/ont/geosparql#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RECT = shapely.Polygon([(0, 0), (4, 0), (4, 2), (0, 2)])
TRI = shapely.Polygon([(10, 10), (13, 10), (10, 14)])


def write_vector(path: Path, driver: str, crs: str) -> None:
    import pyogrio.raw

    pyogrio.raw.write(str(path), geometry=shapely.to_wkb(np.array([RECT, TRI], dtype=object)),
                      field_data=[np.array(["field one", "two"], dtype=object), np.array([7, 8], dtype=np.int64),
                                  np.array([0.5, 1.25])],
                      fields=["name", "code", "yield_t"], crs=crs, geometry_type="Polygon", driver=driver)


def load(path: Path) -> Dataset:
    return Dataset(parse(path=str(path), format=RdfFormat.N_TRIPLES))


def values(ds: Dataset, predicate: str) -> list[str]:
    return sorted(q.object.value for q in ds.quads_for_predicate(NamedNode(predicate)))


@pytest.mark.parametrize(("name", "driver", "crs", "crs_iri"), [
    ("fields.shp", "ESRI Shapefile", "EPSG:2100", "http://www.opengis.net/def/crs/EPSG/0/2100"),
    ("fields.geojson", "GeoJSON", "EPSG:4326", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
    ("fields.gpkg", "GPKG", "EPSG:32634", "http://www.opengis.net/def/crs/EPSG/0/32634"),
])
@pytest.mark.parametrize("rml", [True, False])
def test_vector_round_trip(tmp_path, name, driver, crs, crs_iri, rml):
    src = tmp_path / name
    write_vector(src, driver, crs)
    mapping = generate_mapping(src, tmp_path / "map.ttl", base_iri="http://ex.org/", rml=rml)
    dump_rdf(mapping, tmp_path / "out.nt", source=None if rml else str(src))
    ds = load(tmp_path / "out.nt")
    onto = "http://ex.org/ontology#"
    assert values(ds, onto + "has_name") == ["field one", "two"]
    assert values(ds, onto + "has_code") == ["7", "8"]
    codes = {q.object.datatype.value for q in ds.quads_for_predicate(NamedNode(onto + "has_code"))}
    assert codes == {XSD + "integer"}
    wkts = values(ds, GEO + "asWKT")
    assert len(wkts) == 2 and all(w.startswith(f"<{crs_iri}> POLYGON") for w in wkts)
    areas = sorted(shapely.from_wkt(w.split("> ", 1)[1]).area for w in wkts)
    assert areas == pytest.approx([6.0, 8.0])
    assert len(values(ds, GEO + "hasGeometry")) == 2
    assert values(ds, GEO + "dimension") == ["2", "2"]
    gml = values(ds, GEO + "asGML")
    assert all("<gml:Polygon" in g and crs_iri in g for g in gml)


def test_csv_lon_lat_round_trip(tmp_path):
    (tmp_path / "cities.csv").write_text("id,name,lon,lat,founded\n1,Athens,23.72,37.98,-1000\n2,Patra,21.73,38.24,x\n")
    generate_mapping(tmp_path / "cities.csv", tmp_path / "m.ttl", base_iri="http://ex.org/", rml=True)
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    ds = load(tmp_path / "o.nt")
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert values(ds, GEO + "asWKT") == [f"{crs84} POINT(21.73 38.24)", f"{crs84} POINT(23.72 37.98)"]
    lat = [q.object for q in ds.quads_for_predicate(NamedNode("http://ex.org/ontology#has_lat"))]
    assert {x.datatype.value for x in lat} == {XSD + "double"}
    founded = [q.object for q in ds.quads_for_predicate(NamedNode("http://ex.org/ontology#has_founded"))]
    assert {x.datatype.value for x in founded} == {XSD + "string"}  # "x" makes the column a string


def test_xml_with_wkt_element(tmp_path):
    (tmp_path / "sites.xml").write_text(
        "<sites><site id='a'><name>Hill</name><wkt>POINT (1 2)</wkt></site>"
        "<site id='b'><name>Lake</name><wkt>POINT (3 4)</wkt></site></sites>")
    generate_mapping(tmp_path / "sites.xml", tmp_path / "m.ttl", base_iri="http://ex.org/")
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    ds = load(tmp_path / "o.nt")
    assert values(ds, "http://ex.org/ontology#has_name") == ["Hill", "Lake"]
    assert values(ds, "http://ex.org/ontology#has_id") == ["a", "b"]
    assert len(values(ds, GEO + "asWKT")) == 2


def test_postgres_table_round_trip(tmp_path, postgres_dsn):  # noqa: F811 (pytest fixture)
    import psycopg

    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS parcels; CREATE TABLE parcels (pid integer PRIMARY KEY, "
                     "owner varchar(20), area_ha real, wkt text)")
        conn.execute("INSERT INTO parcels VALUES (4, 'Ann', 1.5, 'POINT (1 2)'), (9, 'Bo', 2.25, NULL)")
    url = postgres_dsn + "?table=parcels"
    generate_mapping(url, tmp_path / "m.ttl", base_iri="http://ex.org/", rml=True)
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    ds = load(tmp_path / "o.nt")
    subjects = sorted({q.subject.value for q in ds})
    assert subjects == ["http://ex.org/parcels/id/4", "http://ex.org/parcels/id/9"]  # primary key in the IRI
    areas = [q.object for q in ds.quads_for_predicate(NamedNode("http://ex.org/ontology#has_area_ha"))]
    assert sorted(float(a.value) for a in areas) == [1.5, 2.25]
    assert {a.datatype.value for a in areas} == {XSD + "double"}
    # R2RML flavour: the database comes from -sh at dump time
    generate_mapping(url, tmp_path / "r2.ttl", base_iri="http://ex.org/")
    dump_rdf(tmp_path / "r2.ttl", tmp_path / "r2.nt", source=postgres_dsn)
    assert len(load(tmp_path / "r2.nt")) == len(ds)


@pytest.mark.parametrize(("name", "driver"), [("fields.kml", "KML"), ("fields.gml", "GML")])
def test_kml_and_gml_files(tmp_path, name, driver):
    src = tmp_path / name
    write_vector(src, driver, "EPSG:4326")
    generate_mapping(src, tmp_path / "m.ttl", base_iri="http://ex.org/", rml=True)
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    ds = load(tmp_path / "o.nt")
    wkts = values(ds, GEO + "asWKT")
    assert len(wkts) == 2
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> "
    areas = sorted(shapely.from_wkt(w.removeprefix(crs84)).area for w in wkts)
    assert areas == pytest.approx([6.0, 8.0])
    assert sorted(values(ds, "http://ex.org/ontology#has_code")) == ["7", "8"]


def test_namespaced_xml_with_gml_geometry(tmp_path):
    (tmp_path / "farm.xml").write_text(
        '<f:Farm xmlns:f="http://farm.example/ns" xmlns:gml="http://www.opengis.net/gml">'
        '<f:Field id="1"><f:Farmer>Ann</f:Farmer><f:Geometry><gml:Polygon srsName="EPSG:2100"><gml:exterior>'
        '<gml:LinearRing><gml:posList>0 0 10 0 10 5 0 5 0 0</gml:posList></gml:LinearRing></gml:exterior>'
        '</gml:Polygon></f:Geometry></f:Field>'
        '<f:Field id="2"><f:Farmer>Bo</f:Farmer><f:Geometry><gml:Point srsName="EPSG:2100"><gml:pos>3 4</gml:pos>'
        '</gml:Point></f:Geometry></f:Field></f:Farm>')
    generate_mapping(tmp_path / "farm.xml", tmp_path / "m.ttl", base_iri="http://ex.org/")
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    ds = load(tmp_path / "o.nt")
    assert values(ds, "http://ex.org/ontology#has_Farmer") == ["Ann", "Bo"]
    epsg = "<http://www.opengis.net/def/crs/EPSG/0/2100> "
    assert values(ds, GEO + "asWKT") == [epsg + "POINT (3 4)", epsg + "POLYGON ((0 0, 10 0, 10 5, 0 5, 0 0))"]


def test_rml_iterator_selects_a_geopackage_layer(tmp_path):
    import pyogrio.raw

    src = tmp_path / "two.gpkg"
    for layer, geoms in (("a", [RECT]), ("b", [TRI, RECT])):
        pyogrio.raw.write(str(src), geometry=shapely.to_wkb(np.array(geoms, dtype=object)),
                          field_data=[np.arange(len(geoms))], fields=["k"], crs="EPSG:3857", layer=layer,
                          geometry_type="Polygon", driver="GPKG")
    (tmp_path / "m.ttl").write_text(f"""
        @prefix rr: <http://www.w3.org/ns/r2rml#> . @prefix rml: <http://semweb.mmlab.be/ns/rml#> .
        @prefix rrx: <http://www.w3.org/ns/r2rml-ext#> . @prefix rrxf: <http://www.w3.org/ns/r2rml-ext/functions/def/> .
        <#L> rml:logicalSource [ rml:source "two.gpkg" ; rml:iterator "b" ] ;
          rr:subjectMap [ rr:template "http://ex.org/b/{{GeoTriplesID}}" ] ;
          rr:predicateObjectMap [ rr:predicate <{GEO}asWKT> ;
            rr:objectMap [ rrx:function rrxf:asWKT ; rrx:argumentMap ( [ rml:reference "the_geom" ] ) ] ] .""")
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    wkts = values(load(tmp_path / "o.nt"), GEO + "asWKT")
    assert len(wkts) == 2 and all(w.startswith("<http://www.opengis.net/def/crs/EPSG/0/3857> POLYGON") for w in wkts)


def test_postgis_table_round_trip(tmp_path, postgres_dsn):  # noqa: F811 (pytest fixture)
    import psycopg

    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            pytest.skip(f"PostGIS is not installed ({str(exc).splitlines()[0]}); apt-get install postgresql-15-postgis-3")
        conn.execute("DROP TABLE IF EXISTS plots; CREATE TABLE plots (gid integer PRIMARY KEY, crop text, "
                     "geom geometry(Polygon, 2100))")
        conn.execute("INSERT INTO plots VALUES (1, 'wheat', ST_GeomFromText(%s, 2100)), "
                     "(2, 'maize', ST_GeomFromText(%s, 2100))", (RECT.wkt, TRI.wkt))
    generate_mapping(postgres_dsn + "?table=plots", tmp_path / "m.ttl", base_iri="http://ex.org/", rml=True)
    dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt")
    ds = load(tmp_path / "o.nt")
    assert values(ds, "http://ex.org/ontology#has_crop") == ["maize", "wheat"]
    wkts = values(ds, GEO + "asWKT")
    epsg = "<http://www.opengis.net/def/crs/EPSG/0/2100> "
    assert sorted(shapely.from_wkt(w.removeprefix(epsg)).area for w in wkts) == pytest.approx([6.0, 8.0])
    assert all(w.startswith(epsg) for w in wkts)
    assert sorted({q.subject.value for q in ds.quads_for_predicate(NamedNode(GEO + "asWKT"))}) == [
        "http://ex.org/plots/geometry/1", "http://ex.org/plots/geometry/2"]
