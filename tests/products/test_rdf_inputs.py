"""RDF input files by extension: records (JedAI) and geometries (interlinking) read the same syntaxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai4c.core.errors import InvalidProductError
from ai4c.linked.geo.geometry import GEOMETRY_LITERALS
from ai4c.products.geometries import GeometryFile
from ai4c.products.rdf_syntax import rdf_format
from ai4c.products.records import read_records

RDF_XML = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:geo="http://www.opengis.net/ont/geosparql#"
         xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:name>Alpha</ex:name>
    <geo:hasGeometry rdf:resource="http://example.org/a/g"/></rdf:Description>
  <rdf:Description rdf:about="http://example.org/a/g">
    <geo:asWKT rdf:datatype="http://www.opengis.net/ont/geosparql#wktLiteral">POINT(1 2)</geo:asWKT>
  </rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize("suffix", [".owl", ".rdf", ".xml"])
def test_rdf_xml_under_each_of_its_extensions(tmp_path, suffix):
    path = tmp_path / f"places{suffix}"
    path.write_text(RDF_XML)
    ids, records = read_records(path)
    assert ids == ["http://example.org/a", "http://example.org/a/g"]
    assert records[0] == {"http://example.org/name": "Alpha"}
    batch = GeometryFile(path, literals=GEOMETRY_LITERALS).read()
    assert list(batch.ids) == ["http://example.org/a"] and batch.geoms[0].wkt == "POINT (1 2)"


def test_json_ld_records(tmp_path):
    path = tmp_path / "people.jsonld"
    path.write_text('{"@id": "http://example.org/p1", "http://example.org/name": "Ada"}')
    assert read_records(path) == (["http://example.org/p1"], [{"http://example.org/name": "Ada"}])


def test_unknown_extension_is_bad_input(tmp_path):
    with pytest.raises(InvalidProductError, match=r"unknown RDF extension '\.rdfx'"):
        rdf_format(Path("x.rdfx"))
