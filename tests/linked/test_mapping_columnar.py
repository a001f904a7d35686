"""Columnar CSV execution: the same N-Triples lines, in the same order, as the record-by-record engine, on
values that need escaping and percent-encoding; plans refused where only the engine is right; duplicates."""

from __future__ import annotations

import gzip
import textwrap
from pathlib import Path

import pytest
from tests.linked.test_mapping_engine import PREFIXES as ENGINE_PREFIXES

from ai4c.core.errors import InvalidProductError
from ai4c.linked.mapping import dump_rdf, parse_mapping
from ai4c.linked.mapping.columnar import nt_escape, plan
from ai4c.linked.mapping.engine import Executor
from ai4c.linked.mapping.writer import DEDUP_LIMIT, Deduplicator, line_of

PREFIXES = ENGINE_PREFIXES + "@prefix csvw: <http://www.w3.org/ns/csvw#> .\n"

# quotes, a quoted newline, a backslash, a tab, a control character, braces, spaces, non-ASCII, a blank line
TRICKY = ('\ufeffid,name,note\n1,Ann Lee,"say ""hi""\nthere"\n\n2,Bo/é,back\\slash\ttab\x01{x}\n'
          "3,Cy,NULL\n4,,plain\n")

MAPPING = """
<#P> rml:logicalSource [ rml:source [ a csvw:Table ; csvw:url "people.csv" ; csvw:null "NULL" ] ;
                         rml:referenceFormulation ql:CSV ] ;
  rr:subjectMap [ rr:template "http://ex.org/p/{name}" ; rr:class ex:Person, ex:Agent ] ;
  rr:predicateObjectMap [ rr:predicate ex:id, ex:key ; rr:objectMap [ rml:reference "id" ; rr:datatype xsd:integer ] ] ;
  rr:predicateObjectMap [ rr:predicate ex:label ; rr:objectMap [ rr:template "{name} \\"{id}\\" {note}" ; rr:language "EN" ] ] ;
  rr:predicateObjectMap [ rr:predicate ex:note ; rr:objectMap [ rml:reference "note" ] ] ;
  rr:predicateObjectMap [ rr:predicate ex:row ; rr:objectMap [ rml:reference "GeoTriplesID" ] ] ;
  rr:predicateObjectMap [ rr:predicate ex:page ; rr:objectMap [ rr:template "rel/{id}" ; rr:termType rr:IRI ] ] ;
  rr:predicateObjectMap [ rr:predicate ex:self ; rr:objectMap [ rr:parentTriplesMap <#P> ] ] ;
  rr:predicateObjectMap [ rr:predicate ex:kind ; rr:object "person"@en ] .
"""


def write_case(tmp_path: Path, mapping: str, csv_text: str) -> Path:
    (tmp_path / "people.csv").write_text(csv_text, encoding="utf-8")
    path = tmp_path / "m.ttl"
    path.write_text(PREFIXES + textwrap.dedent(mapping), encoding="utf-8")
    return path


def engine_lines(mapping_path: Path) -> list[str]:
    """The record-by-record engine's lines (pyoxigraph terms), duplicates dropped as the writer does."""
    lines = [line_of(s, False) for s in Executor(parse_mapping(mapping_path)).statements()]
    return Deduplicator().fresh(lines)


def test_columnar_lines_equal_the_engine_in_order(tmp_path):
    mapping = write_case(tmp_path, MAPPING, TRICKY)
    tmap = next(iter(parse_mapping(mapping).triples_maps.values()))
    assert plan(tmap, parse_mapping(mapping), "http://ex.org/base/") is not None  # the fast path runs
    dump_rdf(mapping, tmp_path / "out.nt")
    got = (tmp_path / "out.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    assert got == engine_lines(mapping)
    # hand-checked lines: escaping, percent-encoding, language tag case, NULL, row numbers, relative IRIs
    assert '<http://ex.org/p/Ann%20Lee> <http://ex.org/note> "say \\"hi\\"\\nthere" .\n' in got
    assert '<http://ex.org/p/Bo%2F\u00e9> <http://ex.org/note> "back\\\\slash\\ttab\\u0001{x}" .\n' in got
    assert '<http://ex.org/p/Bo%2F\u00e9> <http://ex.org/label> "Bo/\u00e9 \\"2\\" back\\\\slash\\ttab\\u0001{x}"@en .\n' \
        in got
    assert '<http://ex.org/p/Bo%2F\u00e9> <http://ex.org/row> "2" .\n' in got  # the blank line is no row
    assert '<http://ex.org/p/Bo%2F\u00e9> <http://ex.org/page> <http://ex.org/base/rel/2> .\n' in got
    assert not any("ex.org/note> " in line and "/p/Cy>" in line for line in got)  # NULL: no triple
    assert not any("/p/Cy> <http://ex.org/label>" in line for line in got)
    assert '<http://ex.org/p/> <http://ex.org/note> "plain" .\n' in got  # an empty cell is a value
    assert got.count('<http://ex.org/p/Ann%20Lee> <http://ex.org/id> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n') == 1


def test_escape_matches_pyoxigraph():
    from pyoxigraph import Literal

    text = "".join(chr(i) for i in range(0x80)) + "\u00e9\u2028\U0001F600\x85"
    assert f'"{nt_escape(text)}"' == str(Literal(text))


@pytest.mark.parametrize("subject", ["http://ex.org:{id}/x", "{name}", "p{id}:x", "[{id}]"])
def test_templates_whose_validity_depends_on_values_stay_on_the_engine(tmp_path, subject):
    mapping = write_case(tmp_path, f"""
        <#P> rml:logicalSource [ rml:source "people.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "{subject}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:name ; rr:objectMap [ rml:reference "name" ] ] .
    """, "id,name\n1,a\n")
    parsed = parse_mapping(mapping)
    assert plan(next(iter(parsed.triples_maps.values())), parsed, "http://ex.org/base/") is None


def test_function_and_join_maps_stay_on_the_engine(tmp_path):
    mapping = write_case(tmp_path, """
        <#P> rml:logicalSource [ rml:source "people.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/p/{id}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:knows ; rr:objectMap [ rr:parentTriplesMap <#Q> ;
              rr:joinCondition [ rr:child "id" ; rr:parent "id" ] ] ] .
        <#Q> rml:logicalSource [ rml:source "people.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/q/{id}" ] .
    """, "id,name\n1,a\n2,b\n")
    parsed = parse_mapping(mapping)
    p, q = parsed.triples_maps.values()
    assert plan(p, parsed, "http://ex.org/") is None and plan(q, parsed, "http://ex.org/") is not None
    dump_rdf(mapping, tmp_path / "out.nt")
    assert (tmp_path / "out.nt").read_text().splitlines(keepends=True) == engine_lines(mapping)


def test_ragged_row_fails_without_output(tmp_path):
    mapping = write_case(tmp_path, """
        <#P> rml:logicalSource [ rml:source "people.csv" ; rml:referenceFormulation ql:CSV ] ;
          rr:subjectMap [ rr:template "http://ex.org/p/{id}" ] ;
          rr:predicateObjectMap [ rr:predicate ex:name ; rr:objectMap [ rml:reference "name" ] ] .
    """, "id,name\n1,a\n2\n")
    with pytest.raises(InvalidProductError, match="row 2 has a different number of fields"):
        dump_rdf(mapping, tmp_path / "out.nt")
    assert not (tmp_path / "out.nt").exists()


def test_gzip_output_holds_the_same_lines(tmp_path):
    mapping = write_case(tmp_path, MAPPING, TRICKY)
    count = dump_rdf(mapping, tmp_path / "out.nt.gz")
    lines = gzip.decompress((tmp_path / "out.nt.gz").read_bytes()).decode("utf-8").splitlines(keepends=True)
    assert lines == engine_lines(mapping) and count == len(lines)


def test_deduplicator_forgets_after_its_limit():
    dedup = Deduplicator()
    assert dedup.fresh(["a\n", "b\n", "a\n"]) == ["a\n", "b\n"]  # repeats inside a block
    assert dedup.fresh(["b\n", "c\n"]) == ["c\n"]  # and across blocks
    dedup.seen.update(range(DEDUP_LIMIT - len(dedup.seen)))  # a full memory is cleared, then refills
    assert dedup.fresh(["a\n", "d\n"]) == ["d\n"]  # "a" still remembered; "d" finds the memory full
    assert dedup.fresh(["d\n", "a\n", "c\n"]) == ["a\n", "c\n"]  # only "d" remembered after the clear
