"""The RML test cases (rml-test-cases): CSV, JSON, XML and PostgreSQL; >= 95 % must pass.

A case passes when the output is isomorphic to output.nq (blank nodes included); a case without
output.nq, or whose metadata says an error is expected, passes when the run fails with an ai4c error.
The PostgreSQL cases run on a throw-away server (fixture `postgres_dsn`).
"""

from __future__ import annotations

from tests.conftest import shared
from tests.linked.rml_postgres import postgres_dsn  # noqa: F401

from ai4c.linked.conformance.rml import FILE_FORMATS, run_all, scores


def report(results, capsys, title: str = "") -> dict:
    """Print the per-format score to the terminal (even when pytest captures output)."""
    table = scores(results)
    with capsys.disabled():
        print(f"\nRML conformance{title}:")
        for fmt, (passed, total) in sorted(table.items()):
            print(f"  {fmt:10s} {passed:3d}/{total:3d} = {100 * passed / total:5.1f} %")
        for r in results:
            if not r.passed:
                print(f"  FAIL {r.name}: {r.detail[:160]}")
    return table


def test_file_cases(tmp_path, capsys):
    root = shared("linked", "rml-test-cases", "test-cases")
    table = report(run_all(root, FILE_FORMATS, tmp_path), capsys, " (CSV, JSON, XML)")
    passed, total = table["all"]
    assert total == 118
    assert passed / total >= 0.95
    assert passed > 95  # morph-kgc passes 95 of these


def test_all_four_formats_reach_95_percent(tmp_path, postgres_dsn, capsys):  # noqa: F811 (pytest fixture)
    root = shared("linked", "rml-test-cases", "test-cases")
    table = report(run_all(root, (*FILE_FORMATS, "PostgreSQL"), tmp_path, postgres_dsn), capsys,
                   " (CSV, JSON, XML, PostgreSQL)")
    passed, total = table["all"]
    assert total == 178
    assert passed / total >= 0.95
    assert table["PostgreSQL"][0] >= 54  # 55/60 measured; the rest conflict with PostgreSQL itself (docs)


def test_file_cases_in_the_w3c_rml_core_vocabulary(tmp_path, capsys):
    """The same CSV and XML cases rewritten to http://w3id.org/rml/ with RML-IO RelativePathSource sources
    give the same results. (JSON is left out: under RML-IO, JSON numbers and booleans are typed literals,
    which the legacy cases' expected outputs write as plain strings; the KG-Construct rml-io cases check it.)"""
    root = shared("linked", "rml-test-cases", "test-cases")
    formats = ("CSV", "XML")
    legacy = scores(run_all(root, formats, tmp_path))["all"]
    core = report(run_all(root, formats, tmp_path, core=True), capsys, " in RML-Core vocabulary")["all"]
    assert core == legacy
    assert core[0] / core[1] >= 0.95
