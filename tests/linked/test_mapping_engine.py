"""Executing small mappings with known triples: CSV, JSON, XML, joins, graphs, RML-Core, geometry functions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ai4c.linked.conformance.rml import canonical
from ai4c.linked.mapping import dump_rdf

PREFIXES = """\
@prefix rr: <http://www.w3.org/ns/r2rml#> .
@prefix rml: <http://semweb.mmlab.be/ns/rml#> .
@prefix ql: <http://semweb.mmlab.be/ns/ql#> .
@prefix ex: <http://ex.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix rrx: <http://www.w3.org/ns/r2rml-ext#> .
@prefix rrxf: <http://www.w3.org/ns/r2rml-ext/functions/def/> .
@base <http://ex.org/base/> .
"""


def run(tmp_path: Path, mapping: str, files: dict[str, str], fmt: str = "nquads") -> set[str]:
    """Write the files and the mapping, execute, return the canonical quads."""
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "m.ttl").write_text(PREFIXES + textwrap.dedent(mapping))
    out = tmp_path / "out.nq"
    dump_rdf(tmp_path / "m.ttl", out, fmt)
    return canonical(out)


def expect(text: str) -> set[str]:
    return canonical(textwrap.dedent(text).encode())


CSV = "id,name,sport\n1,Ann Lee,10\n2,Bo,20\n3,Cy,\n"


def test_csv_template_reference_datatype_and_class(tmp_path):
    got = run(tmp_path, """
        <#P> rml:logicalSource [ rml:source "people.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/p/{name}" ; rr:class ex:Person ] ;
          rr:predicateObjectMap [ rr:predicate ex:id ; rr:objectMap [ rml:reference "id" ; rr:datatype xsd:integer ] ] ;
          rr:predicateObjectMap [ rr:predicate ex:label ; rr:objectMap [ rr:template "{name} ({id})" ; rr:language "en" ] ] .
    """, {"people.csv": CSV})
    assert got == expect("""\
        <http://ex.org/p/Ann%20Lee> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .
        <http://ex.org/p/Ann%20Lee> <http://ex.org/id> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
        <http://ex.org/p/Ann%20Lee> <http://ex.org/label> "Ann Lee (1)"@en .
        <http://ex.org/p/Bo> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .
        <http://ex.org/p/Bo> <http://ex.org/id> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .
        <http://ex.org/p/Bo> <http://ex.org/label> "Bo (2)"@en .
        <http://ex.org/p/Cy> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Person> .
        <http://ex.org/p/Cy> <http://ex.org/id> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .
        <http://ex.org/p/Cy> <http://ex.org/label> "Cy (3)"@en .
    """)


def test_csv_with_byte_order_mark(tmp_path):
    got = run(tmp_path, """
        <#P> rml:logicalSource [ rml:source "bom.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/{id}" ; rr:class ex:T ] .
    """, {"bom.csv": "\ufeffid\n5\n"})
    assert got == expect("<http://ex.org/5> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/T> .\n")


def test_join_and_named_graph(tmp_path):
    got = run(tmp_path, """
        <#P> rml:logicalSource [ rml:source "people.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/p/{id}" ; rr:graph ex:G ] ;
          rr:predicateObjectMap [ rr:predicate ex:plays ;
            rr:objectMap [ rr:parentTriplesMap <#S> ; rr:joinCondition [ rr:child "sport" ; rr:parent "code" ] ] ] .
        <#S> rml:logicalSource [ rml:source "sports.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/s/{label}" ] .
    """, {"people.csv": CSV, "sports.csv": "code,label\n10,tennis\n20,golf\n"})
    assert got == expect("""\
        <http://ex.org/p/1> <http://ex.org/plays> <http://ex.org/s/tennis> <http://ex.org/G> .
        <http://ex.org/p/2> <http://ex.org/plays> <http://ex.org/s/golf> <http://ex.org/G> .
    """)


def test_json_arrays_nulls_and_blank_nodes(tmp_path):
    got = run(tmp_path, """
        <#P> rml:logicalSource [ rml:source "p.json" ; rml:referenceFormulation ql:JSONPath ;
                                 rml:iterator "$.people[*]" ] ;
          rr:subjectMap [ rr:template "{name}" ; rr:termType rr:BlankNode ] ;
          rr:predicateObjectMap [ rr:predicate ex:tag ; rr:objectMap [ rml:reference "tags" ] ] ;
          rr:predicateObjectMap [ rr:predicate ex:city ; rr:objectMap [ rml:reference "address.city" ] ] .
    """, {"p.json": '{"people": [{"name": "a", "tags": ["x", "y"], "address": {"city": "Rome"}},'
                    ' {"name": "b", "tags": null, "address": {"city": null}}]}'})
    assert got == expect("""\
        _:a <http://ex.org/tag> "x" .
        _:a <http://ex.org/tag> "y" .
        _:a <http://ex.org/city> "Rome" .
    """)


def test_xml_xpath_with_attributes(tmp_path):
    got = run(tmp_path, """
        <#P> rml:logicalSource [ rml:source "p.xml" ; rml:referenceFormulation ql:XPath ;
                                 rml:iterator "/people/person" ] ;
          rr:subjectMap [ rr:template "http://ex.org/p/{@id}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:name ; rr:objectMap [ rml:reference "name" ] ] .
    """, {"p.xml": '<people><person id="1"><name>Ann</name></person><person id="2"><name>Bo</name></person></people>'})
    assert got == expect("""\
        <http://ex.org/p/1> <http://ex.org/name> "Ann" .
        <http://ex.org/p/2> <http://ex.org/name> "Bo" .
    """)


def test_w3c_rml_core_vocabulary(tmp_path):
    mapping = """
        @prefix rmlc: <http://w3id.org/rml/> .
        <#P> rmlc:logicalSource [ rmlc:source [ a rmlc:RelativePathSource ; rmlc:root rmlc:MappingDirectory ;
                                                rmlc:path "people.csv" ] ;
                                  rmlc:referenceFormulation rmlc:CSV ] ;
          rmlc:subjectMap [ rmlc:template "http://ex.org/p/{id}" ] ;
          rmlc:predicateObjectMap [ rmlc:predicate ex:name ; rmlc:objectMap [ rmlc:reference "name" ] ] .
    """
    got = run(tmp_path, mapping, {"people.csv": "id,name\n1,Ann\n"})
    assert got == expect('<http://ex.org/p/1> <http://ex.org/name> "Ann" .\n')


def test_rml_core_unsafe_iri_keeps_reserved_characters(tmp_path):
    mapping = """
        @prefix rmlc: <http://w3id.org/rml/> .
        <#P> rmlc:logicalSource [ rmlc:source "p.csv" ; rmlc:referenceFormulation rmlc:CSV ] ;
          rmlc:subjectMap [ rmlc:template "http://ex.org/{path}" ; rmlc:termType rmlc:UnsafeIRI ] ;
          rmlc:predicateObjectMap [ rmlc:predicate ex:safe ;
            rmlc:objectMap [ rmlc:template "http://ex.org/{path}" ] ] .
    """
    got = run(tmp_path, mapping, {"p.csv": "path\na/b?c=1\n"})
    assert got == expect("<http://ex.org/a/b?c=1> <http://ex.org/safe> <http://ex.org/a%2Fb%3Fc%3D1> .\n")


def test_geometry_functions_on_wkt_column(tmp_path):
    got = run(tmp_path, """
        <#G> rml:logicalSource [ rml:source "g.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/g/{id}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:area ;
            rr:objectMap [ rrx:function rrxf:area ; rrx:argumentMap ( [ rml:reference "wkt" ] ) ] ] ;
          rr:predicateObjectMap [ rr:predicate ex:cx ;
            rr:objectMap [ rrx:function rrxf:centroidx ; rrx:argumentMap ( [ rml:reference "wkt" ] ) ] ] ;
          rr:predicateObjectMap [ rr:predicate ex:dim ;
            rr:objectMap [ rrx:function rrxf:dimension ; rrx:argumentMap ( [ rml:reference "wkt" ] ) ] ] ;
          rr:predicateObjectMap [ rr:predicate geo:asWKT ;
            rr:objectMap [ rrx:function rrxf:asWKT ; rrx:argumentMap ( [ rml:reference "wkt" ] ) ] ] .
    """, {"g.csv": 'id,wkt\n1,"POLYGON ((0 0, 4 0, 4 2, 0 2, 0 0))"\n2,not a geometry\n'})
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert got == expect(f"""\
        <http://ex.org/g/1> <http://ex.org/area> "8.0"^^<http://www.w3.org/2001/XMLSchema#double> .
        <http://ex.org/g/1> <http://ex.org/cx> "2.0"^^<http://www.w3.org/2001/XMLSchema#double> .
        <http://ex.org/g/1> <http://ex.org/dim> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .
        <http://ex.org/g/1> <http://www.opengis.net/ont/geosparql#asWKT> "{crs84} POLYGON ((0 0, 4 0, 4 2, 0 2, 0 0))"^^<http://www.opengis.net/ont/geosparql#wktLiteral> .
    """)


def test_turtle_output_and_relative_source_from_another_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    sub = tmp_path / "m"
    sub.mkdir()
    (sub / "d.csv").write_text("id\n7\n")
    (sub / "m.ttl").write_text(PREFIXES + """
        <#P> rml:logicalSource [ rml:source "d.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/{id}" ; rr:class ex:T ] .""")
    assert dump_rdf(sub / "m.ttl", tmp_path / "o.ttl", "turtle") == 1
    from pyoxigraph import RdfFormat

    assert canonical(tmp_path / "o.ttl", RdfFormat.TURTLE) == expect(
        "<http://ex.org/7> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/T> .\n")


def test_streaming_many_rows_counts(tmp_path):
    rows = "id\n" + "".join(f"{i}\n" for i in range(20000))
    (tmp_path / "big.csv").write_text(rows)
    (tmp_path / "m.ttl").write_text(PREFIXES + """
        <#P> rml:logicalSource [ rml:source "big.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/{id}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:v ; rr:objectMap [ rml:reference "id" ] ] .""")
    assert dump_rdf(tmp_path / "m.ttl", tmp_path / "o.nt") == 20000
    assert sum(1 for _ in open(tmp_path / "o.nt")) == 20000


@pytest.mark.parametrize("bad", ["rr:language \"english\"", "rr:termType rr:Foo"])
def test_invalid_term_map_options_are_mapping_errors(tmp_path, bad):
    from ai4c.linked.mapping import MappingError

    with pytest.raises(MappingError):
        run(tmp_path, f"""
            <#P> rml:logicalSource [ rml:source "p.csv" ; rml:referenceFormulation ql:CSV ] ;
              rr:subjectMap [ rr:template "http://ex.org/{{id}}" ] ;
              rr:predicateObjectMap [ rr:predicate ex:v ; rr:objectMap [ rml:reference "id" ; {bad} ] ] .
        """, {"p.csv": "id\n1\n"})
    assert not (tmp_path / "out.nq").exists()


FARM = """<Farm xmlns:gml="http://www.opengis.net/gml">
  <Field id="1"><Farmer>Ann</Farmer>
    <Geometry id="g1"><gml:Polygon srsName="urn:ogc:def:crs:EPSG::2100"><gml:exterior><gml:LinearRing>
      <gml:posList>0 0 10 0 10 5 0 5 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></Geometry></Field>
  <Field id="2"><Farmer>Bo</Farmer>
    <Geometry id="g2"><gml:Polygon><gml:outerBoundaryIs><gml:LinearRing>
      <gml:coordinates>100,100 200,100 200,200 100,200 100,100</gml:coordinates>
      </gml:LinearRing></gml:outerBoundaryIs></gml:Polygon></Geometry></Field>
  <Field id="3"><Farmer>Cy</Farmer>
    <Geometry id="g3"><gml:MultiPoint><gml:pointMember><gml:Point><gml:pos>1 2</gml:pos></gml:Point></gml:pointMember>
      <gml:pointMember><gml:Point><gml:pos>3 4</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint></Geometry></Field>
</Farm>"""


def test_geotriples_xml_gml_mapping(tmp_path):
    """GeoTriples' own style: an XPath iterator over GML geometries, functions on rml:reference "*"."""
    got = run(tmp_path, """
        <#FieldGeometry> rml:logicalSource [ rml:source "fields.xml" ; rml:referenceFormulation ql:XPath ;
                                             rml:iterator "/Farm/Field/Geometry" ] ;
          rr:subjectMap [ rr:template "http://ex.org/geom/{@id}" ; rr:class geo:Geometry ] ;
          rr:predicateObjectMap [ rr:predicate geo:asWKT ;
            rr:objectMap [ rrx:function rrxf:asWKT ; rrx:argumentMap ( [ rml:reference "*" ] ) ] ] ;
          rr:predicateObjectMap [ rr:predicate ex:area ;
            rr:objectMap [ rrx:function rrxf:area ; rrx:argumentMap ( [ rml:reference "*" ] ) ] ] .
    """, {"fields.xml": FARM})
    epsg2100, crs84 = "<http://www.opengis.net/def/crs/EPSG/0/2100>", "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    wkt, dbl = "<http://www.opengis.net/ont/geosparql#wktLiteral>", "<http://www.w3.org/2001/XMLSchema#double>"
    typ = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.opengis.net/ont/geosparql#Geometry>"
    aswkt = "<http://www.opengis.net/ont/geosparql#asWKT>"
    assert got == expect(f"""\
        <http://ex.org/geom/g1> {typ} .
        <http://ex.org/geom/g1> {aswkt} "{epsg2100} POLYGON ((0 0, 10 0, 10 5, 0 5, 0 0))"^^{wkt} .
        <http://ex.org/geom/g1> <http://ex.org/area> "50.0"^^{dbl} .
        <http://ex.org/geom/g2> {typ} .
        <http://ex.org/geom/g2> {aswkt} "{crs84} POLYGON ((100 100, 200 100, 200 200, 100 200, 100 100))"^^{wkt} .
        <http://ex.org/geom/g2> <http://ex.org/area> "10000.0"^^{dbl} .
        <http://ex.org/geom/g3> {typ} .
        <http://ex.org/geom/g3> {aswkt} "{crs84} MULTIPOINT ((1 2), (3 4))"^^{wkt} .
        <http://ex.org/geom/g3> <http://ex.org/area> "0.0"^^{dbl} .
    """)


def test_json_top_level_array_streams_and_malformed_json_is_bad_input(tmp_path):
    from ai4c.core.errors import BadInputError

    mapping = """
        <#P> rml:logicalSource [ rml:source "a.json" ; rml:referenceFormulation ql:JSONPath ; rml:iterator "$[*]" ] ;
          rr:subjectMap [ rr:template "http://ex.org/{id}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:v ; rr:objectMap [ rml:reference "v" ] ] .
    """
    got = run(tmp_path, mapping, {"a.json": '[{"id": 1, "v": 0.25}, {"id": 2, "v": true}]'})
    assert got == expect('<http://ex.org/1> <http://ex.org/v> "0.25" .\n<http://ex.org/2> <http://ex.org/v> "true" .\n')
    before = (tmp_path / "out.nq").read_text()
    with pytest.raises(BadInputError, match="malformed JSON"):
        run(tmp_path, mapping, {"a.json": '[{"id": 1, "v": 0.25}, {"id": 2, '})
    assert (tmp_path / "out.nq").read_text() == before  # the failed run replaced nothing
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no scratch left


def test_an_unreadable_crs_is_reported_not_swallowed():
    from ai4c.core.log import collect_warnings
    from ai4c.linked.mapping.vector import epsg_of

    with collect_warnings() as warnings:
        assert epsg_of("not a CRS at all") is None
    assert any("'not a CRS at all' is not understood" in w for w in warnings)
    assert epsg_of("EPSG:2100") == "2100"


@pytest.mark.parametrize("core", [True, False])
def test_json_natural_datatypes_in_the_w3c_vocabulary_only(tmp_path, core):
    ns = "http://w3id.org/rml/" if core else "http://semweb.mmlab.be/ns/rml#"
    mapping = f"""
        @prefix r: <{ns}> .
        <#P> r:logicalSource [ r:source "p.json" ; r:referenceFormulation {'r:JSONPath' if core else 'ql:JSONPath'} ;
                               r:iterator "$[*]" ] ;
          {'r' if core else 'rr'}:subjectMap [ {'r' if core else 'rr'}:template "http://ex.org/p/{{id}}" ] ;
          {'r' if core else 'rr'}:predicateObjectMap
            [ {'r' if core else 'rr'}:predicate ex:age ; {'r' if core else 'rr'}:objectMap [ r:reference "age" ] ] ,
            [ {'r' if core else 'rr'}:predicate ex:score ; {'r' if core else 'rr'}:objectMap [ r:reference "score" ] ] ,
            [ {'r' if core else 'rr'}:predicate ex:ok ; {'r' if core else 'rr'}:objectMap [ r:reference "ok" ] ] ,
            [ {'r' if core else 'rr'}:predicate ex:name ; {'r' if core else 'rr'}:objectMap [ r:reference "name" ] ] .
    """
    got = run(tmp_path, mapping, {"p.json": '[{"id": 7, "age": 33, "score": 80.25, "ok": true, "name": "Ann"}]'})
    xsd = "http://www.w3.org/2001/XMLSchema#"
    typed = (f'"33"^^<{xsd}integer>', f'"8.025E1"^^<{xsd}double>', f'"true"^^<{xsd}boolean>') if core else \
        ('"33"', '"80.25"', '"true"')  # RML-IO: JSON's own types; legacy RML: the values' text
    assert got == expect("".join(f"<http://ex.org/p/7> <http://ex.org/{p}> {o} .\n"
                                 for p, o in zip(("age", "score", "ok", "name"), (*typed, '"Ann"'), strict=True)))


@pytest.mark.parametrize("compression", ["gzip", "zip", "targz", "tarxz"])
def test_rml_io_compressed_and_utf16_sources(tmp_path, compression):
    import gzip
    import io
    import tarfile
    import zipfile

    text = '[{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bo"}]'
    data = text.encode("utf-16")
    name = {"gzip": "p.json.gz", "zip": "p.json.zip", "targz": "p.json.tar.gz", "tarxz": "p.json.tar.xz"}[compression]
    if compression == "gzip":
        (tmp_path / name).write_bytes(gzip.compress(data))
    elif compression == "zip":
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr("p.json", data)
    else:
        with tarfile.open(tmp_path / name, "w:gz" if compression == "targz" else "w:xz") as archive:
            info = tarfile.TarInfo("p.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    mapping = f"""
        @prefix r: <http://w3id.org/rml/> .
        <#P> r:logicalSource [ r:source [ a r:RelativePathSource ; r:root r:MappingDirectory ; r:path "{name}" ;
                                          r:compression r:{compression} ; r:encoding r:UTF-16 ] ;
                               r:referenceFormulation r:JSONPath ; r:iterator "$[*]" ] ;
          r:subjectMap [ r:template "http://ex.org/p/{{id}}" ] ;
          r:predicateObjectMap [ r:predicate ex:name ; r:objectMap [ r:reference "name" ] ] .
    """
    got = run(tmp_path, mapping, {})
    assert got == expect('<http://ex.org/p/1> <http://ex.org/name> "Ann" .\n<http://ex.org/p/2> <http://ex.org/name> "Bo" .\n')


def test_rml_io_xpath_namespaces(tmp_path):
    mapping = """
        @prefix r: <http://w3id.org/rml/> .
        <#P> r:logicalSource [ r:source [ a r:RelativePathSource ; r:root r:MappingDirectory ; r:path "f.xml" ] ;
                               r:referenceFormulation [ a r:XPathReferenceFormulation ;
                                   r:namespace [ r:namespacePrefix "ex" ; r:namespaceURL "http://example.org" ] ] ;
                               r:iterator "//Friends/ex:Character" ] ;
          r:subjectMap [ r:template "http://ex.org/p/{@id}" ] ;
          r:predicateObjectMap [ r:predicate ex:name ; r:objectMap [ r:reference "ex:name" ] ] .
    """
    xml = ('<Friends xmlns:ex="http://example.org"><ex:Character id="1"><ex:name>Ann</ex:name></ex:Character>'
           '<Character id="2"><name>not in the namespace</name></Character></Friends>')
    got = run(tmp_path, mapping, {"f.xml": xml})
    assert got == expect('<http://ex.org/p/1> <http://ex.org/name> "Ann" .\n')
