"""The W3C KG-Construct RML module test cases (rml-io, rml-cc, rml-fnml, rml-lv, rml-star).

A case passes when every output (the default one and each logical target's file, decompressed and parsed
in its own syntax) is isomorphic to the expected one, or, for a case without expected output, when the run
fails with an ai4c error (exit 2 at the command line). The cases the suite contradicts itself on are listed
in docs/geotriples.md; the minimum scores below are what they leave passable.
"""

from __future__ import annotations

import pytest
from tests.conftest import shared
from tests.linked.rml_postgres import postgres_dsn  # noqa: F401

from ai4c.linked.conformance.rml_kgc import MODULE_BASE, module_cases, run_module_case

# module -> cases that must pass (the rest are the suite's own contradictions, see docs/geotriples.md)
MINIMUM = {"rml-cc": 35, "rml-io": 62, "rml-fnml": 20, "rml-lv": 41, "rml-star": 18}


def report(module: str, results, capsys) -> int:
    """Print the module's score and failures to the terminal; return the number passed."""
    passed = sum(r.passed for r in results)
    with capsys.disabled():
        print(f"\n{module}: {passed}/{len(results)}")
        for r in results:
            if not r.passed:
                print(f"  FAIL {r.name}: {r.detail[:160]}")
    return passed


@pytest.mark.parametrize("module", sorted(MINIMUM))
def test_module_cases(module, tmp_path, capsys, monkeypatch):
    root = shared("linked", "rml-kgc-test-cases")
    monkeypatch.chdir(tmp_path)
    results = [run_module_case(folder, tmp_path, MODULE_BASE.get(module)) for folder in module_cases(root, module)]
    assert report(module, results, capsys) >= MINIMUM[module]


JOIN_MAPPING = """@prefix rml: <http://w3id.org/rml/> .
@prefix ex: <http://example.com/> .
<#People> rml:logicalSource [ rml:source [ a rml:RelativePathSource ; rml:path "people.csv" ] ;
    rml:referenceFormulation rml:CSV ] ;
  rml:subjectMap [ rml:template "http://example.com/person/{id}" ] ;
  rml:predicateObjectMap [ rml:predicate ex:owns ;
    rml:objectMap [ rml:parentTriplesMap <#Pets> ;
      rml:joinCondition [ rml:childMap [ rml:template "{first} {last}" ] ; rml:parentMap [ rml:reference "owner" ] ] ;
      rml:joinCondition [ rml:child "town" ; rml:parent "town" ] ] ] .
<#Pets> rml:logicalSource [ rml:source [ a rml:RelativePathSource ; rml:path "pets.csv" ] ;
    rml:referenceFormulation rml:CSV ] ;
  rml:subjectMap [ rml:template "http://example.com/pet/{name}" ] .
"""


def test_join_condition_with_child_and_parent_expression_maps(tmp_path):
    """rml:childMap (a template) joined to rml:parentMap (a reference), together with a plain rml:child/parent
    condition: only Ann Lee of Oslo owns Rex (Bo Lee of Oslo and Ann Lee of Rome own nothing)."""
    from pyoxigraph import RdfFormat, parse

    from ai4c.linked.mapping import dump_rdf

    (tmp_path / "people.csv").write_text("id,first,last,town\n1,Ann,Lee,Oslo\n2,Bo,Lee,Oslo\n3,Ann,Lee,Rome\n")
    (tmp_path / "pets.csv").write_text("name,owner,town\nRex,Ann Lee,Oslo\nTom,Bo Lee,Bergen\n")
    (tmp_path / "mapping.ttl").write_text(JOIN_MAPPING)
    dump_rdf(tmp_path / "mapping.ttl", tmp_path / "out.nt")
    triples = {(t.subject.value, t.object.value) for t in parse(path=str(tmp_path / "out.nt"),
                                                                  format=RdfFormat.N_TRIPLES)}
    assert triples == {("http://example.com/person/1", "http://example.com/pet/Rex")}


def error_cases() -> list:
    """Every case of the five modules that expects an error (no expected output file)."""
    from tests.conftest import SHARED_DATA

    from ai4c.linked.conformance.rml_kgc import EXPECTED, MODULES

    root = SHARED_DATA / "linked" / "rml-kgc-test-cases"
    if not root.is_dir():
        return []
    return [folder for module in MODULES if (root / module).is_dir() for folder in module_cases(root, module)
            if not any((folder / name).exists() for name in EXPECTED)]


# a mapping term (rml:/rr: term, an IRI or blank node of the mapping, a reference or field of a view)
NAMES_A_TERM = r"rml:|rr:|<http|\[_:|reference '|field"


@pytest.mark.parametrize("folder", error_cases(), ids=lambda p: p.name)
def test_error_case_exits_2_with_one_line_naming_the_term(folder, tmp_path, run_cli, monkeypatch):
    """The command line on each error case: exit 2, one line naming the mapping term, no output at all."""
    import re
    import shutil

    case = tmp_path / folder.name
    shutil.copytree(folder, case)
    before = set(case.iterdir())
    monkeypatch.chdir(case)
    code, out, err = run_cli("geotriples", "dump_rdf", "-f", "nquads", "-o", tmp_path / "out.nq", case / "mapping.ttl")
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert re.search(NAMES_A_TERM, lines[0]), lines[0]
    assert not (tmp_path / "out.nq").exists()
    assert set(case.iterdir()) == before  # no logical-target file either


SPARQL_MAPPING = """@prefix rml: <http://w3id.org/rml/> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix ex: <http://example.com/> .
<#M> rml:logicalSource [ rml:source [ a rml:RelativePathSource ; rml:path "people.nt" ] ;
    rml:referenceFormulation formats:SPARQL_Results_FORMAT ;
    rml:iterator "SELECT ?p ?age WHERE { ?p <http://example.com/age> ?age }" ] ;
  rml:subjectMap [ rml:reference "p" ] ;
  rml:predicateObjectMap [ rml:predicate ex:years ; rml:objectMap [ rml:reference "age" ] ] .
"""


@pytest.mark.parametrize(("results", "datatype"), [("CSV", "string"), ("JSON", "integer")])
def test_sparql_source_over_an_rdf_file(tmp_path, results, datatype):
    """A SELECT query over an N-Triples file as the logical source: CSV results carry lexical forms only
    (plain literals), JSON results keep the xsd:integer of the data."""
    from pyoxigraph import RdfFormat, parse

    from ai4c.linked.mapping import dump_rdf

    (tmp_path / "people.nt").write_text(
        '<http://example.com/ann> <http://example.com/age> "41"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    (tmp_path / "mapping.ttl").write_text(SPARQL_MAPPING.replace("FORMAT", results))
    dump_rdf(tmp_path / "mapping.ttl", tmp_path / "out.nt")
    [triple] = list(parse(path=str(tmp_path / "out.nt"), format=RdfFormat.N_TRIPLES))
    assert (triple.subject.value, triple.object.value) == ("http://example.com/ann", "41")
    assert triple.object.datatype.value == f"http://www.w3.org/2001/XMLSchema#{datatype}"


def test_database_source_case_on_postgresql(tmp_path, postgres_dsn):  # noqa: F811 (pytest fixture)
    """RMLSTC0006a: a d2rq:Database source whose rml:iterator names the table, on a throw-away server."""
    folder = shared("linked", "rml-kgc-test-cases", "rml-io", "test-cases", "RMLSTC0006a")
    result = run_module_case(folder, tmp_path, dsn=postgres_dsn)
    assert result.passed, result.detail


TARGET_MAPPING = """@prefix rml: <http://w3id.org/rml/> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix ex: <http://example.com/> .
<#M> rml:logicalSource [ rml:source [ a rml:RelativePathSource ; rml:path "people.csv" ] ;
    rml:referenceFormulation rml:CSV ] ;
  rml:subjectMap [ rml:template "http://example.com/{id}" ; rml:logicalTarget <#T> ] ;
  rml:predicateObjectMap [ rml:predicate ex:name ; rml:objectMap [ rml:reference "COLUMN" ] ] .
<#T> a rml:LogicalTarget ; rml:serialization formats:Turtle ; rml:compression rml:gzip ;
  rml:target [ a rml:FilePath ; rml:root rml:CurrentWorkingDirectory ; rml:path "people.ttl.gz" ] .
"""


def test_logical_target_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    """A gzip-compressed Turtle target holds the subject map's triples; a mapping error leaves neither the
    target file nor the default output behind."""
    import gzip

    from pyoxigraph import RdfFormat, parse

    from ai4c.core.errors import Ai4cError
    from ai4c.linked.mapping import dump_rdf

    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text("id,name\n1,Ann\n2,Bo\n")
    (tmp_path / "mapping.ttl").write_text(TARGET_MAPPING.replace("COLUMN", "nmae"))
    with pytest.raises(Ai4cError, match="nmae"):
        dump_rdf(tmp_path / "mapping.ttl", tmp_path / "default.nq", "nquads")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mapping.ttl", "people.csv"]
    (tmp_path / "mapping.ttl").write_text(TARGET_MAPPING.replace("COLUMN", "name"))
    dump_rdf(tmp_path / "mapping.ttl", tmp_path / "default.nq", "nquads")
    triples = {(t.subject.value, t.object.value)
               for t in parse(gzip.decompress((tmp_path / "people.ttl.gz").read_bytes()), format=RdfFormat.TURTLE)}
    assert triples == {("http://example.com/1", "Ann"), ("http://example.com/2", "Bo")}
    assert (tmp_path / "default.nq").read_text() == ""  # every triple went to the target
