"""The `geotriples` script and `ai4c geotriples`: exit codes, one-line messages, nothing written on failure."""

from __future__ import annotations

from ai4c.cli.geotriples import main

GOOD = """@prefix rr: <http://www.w3.org/ns/r2rml#> .
@prefix rml: <http://semweb.mmlab.be/ns/rml#> .
@prefix ql: <http://semweb.mmlab.be/ns/ql#> .
<#P> rml:logicalSource [ rml:source "%s" ; rml:referenceFormulation ql:CSV ] ;
  rr:subjectMap [ rr:template "http://ex.org/{id}" ] ;
  rr:predicateObjectMap [ rr:predicate <http://ex.org/v> ; rr:objectMap [ rml:reference "%s" ] ] .
"""


def setup(tmp_path, source="d.csv", column="id", text=None):
    (tmp_path / "d.csv").write_text("id\n1\n2\n")
    mapping = tmp_path / "m.ttl"
    mapping.write_text(text if text is not None else GOOD % (source, column))
    return mapping


def test_dump_rdf_script_writes_ntriples(tmp_path, capsys):
    mapping = setup(tmp_path)
    out = tmp_path / "o.nt"
    assert main(["dump_rdf", "-o", str(out), "-f", "ntriples", str(mapping)]) == 0
    assert out.read_text().count("\n") == 2
    assert "wrote 2 statements" in capsys.readouterr().err


def test_ai4c_front_end_runs_the_same_commands(tmp_path, run_cli):
    mapping = setup(tmp_path)
    code, _, err = run_cli("geotriples", "dump_rdf", "-o", tmp_path / "o.nq", "-f", "nquads", "-b",
                           "http://b/", mapping)
    assert code == 0, err
    assert (tmp_path / "o.nq").read_text().startswith("<http://ex.org/")


def test_malformed_turtle_names_line_and_column(tmp_path, capsys):
    mapping = setup(tmp_path, text='@prefix rr: <http://www.w3.org/ns/r2rml#> .\n<#P> rr:subjectMap [ rr:template "x"\n<b> .\n')
    assert main(["dump_rdf", "-o", str(tmp_path / "o.nt"), str(mapping)]) == 2
    err = capsys.readouterr().err.strip()
    assert "line 3, column 1" in err and err.count("\n") == 0
    assert not (tmp_path / "o.nt").exists()


def test_missing_source_file(tmp_path, capsys):
    mapping = setup(tmp_path, source="nowhere.csv")
    assert main(["dump_rdf", "-o", str(tmp_path / "o.nt"), str(mapping)]) == 2
    err = capsys.readouterr().err.strip()
    assert "nowhere.csv does not exist" in err and err.count("\n") == 0
    assert list(tmp_path.iterdir()) == [tmp_path / "d.csv", tmp_path / "m.ttl"] or not (tmp_path / "o.nt").exists()


def test_unknown_column(tmp_path, capsys):
    mapping = setup(tmp_path, column="nope")
    assert main(["dump_rdf", "-o", str(tmp_path / "o.nt"), str(mapping)]) == 2
    err = capsys.readouterr().err.strip()
    assert "'nope'" in err and "columns: id" in err and err.count("\n") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "m.ttl"]


def test_generate_mapping_missing_input(tmp_path, capsys):
    assert main(["generate_mapping", "-o", str(tmp_path / "m.ttl"), "-b", "http://ex.org/", "-rml",
                 str(tmp_path / "none.shp")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "m.ttl").exists()


def test_format_aliases_and_unknown_format(tmp_path, capsys):
    mapping = setup(tmp_path)
    assert main(["dump_rdf", "-o", str(tmp_path / "o.rdf"), "-f", "RDF/XML", str(mapping)]) == 0
    assert "<rdf:RDF" in (tmp_path / "o.rdf").read_text()
    assert main(["dump_rdf", "-o", str(tmp_path / "o.x"), "-f", "jsonld", str(mapping)]) == 2
    assert "ntriples, nquads, turtle, trig, rdfxml" in capsys.readouterr().err
    assert not (tmp_path / "o.x").exists()
