"""GeoTriples' geometry functions called as RML-FNML functions (rrxf:area, rrxf:asWKT, ...) and FNML errors."""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, parse

from ai4c.linked.mapping import MappingError, dump_rdf

MAPPING = """@prefix rml: <http://w3id.org/rml/> .
@prefix rrxf: <http://www.w3.org/ns/r2rml-ext/functions/def/> .
@prefix ex: <http://example.com/> .
<#M> rml:logicalSource [ rml:source [ a rml:RelativePathSource ; rml:root rml:MappingDirectory ;
        rml:path "shapes.csv" ] ; rml:referenceFormulation rml:CSV ] ;
  rml:subjectMap [ rml:template "http://example.com/shape/{id}" ] ;
  rml:predicateObjectMap [ rml:predicate ex:area ;
    rml:objectMap [ rml:functionExecution [ rml:function rrxf:FUNCTION ;
        rml:input [ rml:parameter rrxf:geometryParam ; rml:inputValueMap [ rml:reference "wkt" ] ] ] ] ] .
"""
CSV = 'id,wkt\n1,"POLYGON ((0 0, 2 0, 2 3, 0 3, 0 0))"\n2,"LINESTRING (0 0, 3 4)"\n'


def run(tmp_path, function: str) -> dict[str, tuple[str, str]]:
    """Execute the mapping with `function`; subject -> (object lexical form, datatype)."""
    (tmp_path / "shapes.csv").write_text(CSV)
    mapping = tmp_path / "mapping.ttl"
    mapping.write_text(MAPPING.replace("FUNCTION", function))
    dump_rdf(mapping, tmp_path / "out.nt")
    return {t.subject.value.rsplit("/", 1)[1]: (t.object.value, t.object.datatype.value)
            for t in parse(path=str(tmp_path / "out.nt"), format=RdfFormat.N_TRIPLES)}


def test_area_and_length_as_fnml_functions(tmp_path):
    area = run(tmp_path, "area")
    assert float(area["1"][0]) == pytest.approx(6.0)  # 2 x 3 rectangle
    assert area["1"][1].endswith("#double")
    assert float(run(tmp_path, "length")["2"][0]) == pytest.approx(5.0)  # 3-4-5 triangle side


def test_as_wkt_as_fnml_function_is_a_geosparql_literal(tmp_path):
    text, datatype = run(tmp_path, "asWKT")["2"]
    assert datatype == "http://www.opengis.net/ont/geosparql#wktLiteral"
    assert text.endswith("LINESTRING (0 0, 3 4)")


def test_unknown_function_names_the_function(tmp_path):
    with pytest.raises(MappingError, match="noSuchFunction.*unknown"):
        run(tmp_path, "noSuchFunction")
