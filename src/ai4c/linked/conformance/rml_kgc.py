"""The W3C KG-Construct RML module test cases (rml-io, rml-cc, rml-fnml, rml-lv, rml-star): each case run
in a copy of its folder (paths may be relative to the working directory), its output compared as an
isomorphic dataset with the expected default.nq / output.nq / output.nt; a case without one expects an
error. Logical-target outputs (dump*.nq) must exist and match too."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

from pyoxigraph import RdfFormat

from ai4c.linked.conformance.ntriples_star import canonical_star
from ai4c.linked.conformance.rml import CaseResult, canonical

MODULES = ("rml-io", "rml-cc", "rml-fnml", "rml-lv", "rml-star")
EXPECTED = ("default.nq", "output.nq", "output.nt")
# rml-cc's mappings declare no base IRI; its expected outputs resolve relative IRIs against the R2RML test
# suites' base, which the module's harness passes to the processor
MODULE_BASE = {"rml-cc": "http://example.com/base/"}
DSN_PLACEHOLDER = "$CONNECTIONDSN"  # rml-io's database cases: filled from the case's CSV when a server is given


def module_cases(root: Path, module: str) -> list[Path]:
    """Case folders of a module (rml-star keeps them under valid/ and invalid/)."""
    base = Path(root) / module / "test-cases"
    folders = [p.parent for p in base.rglob("mapping.ttl")]
    return sorted(folders, key=lambda p: p.name)


def read_output(path: Path) -> set[str]:
    """A written or expected output as canonical N-Quads lines, whatever its compression and syntax."""
    from pyoxigraph import RdfFormat

    from ai4c.linked.conformance.rdf_json import rdf_json_to_nquads

    name, data = path.name, path.read_bytes()
    if name.endswith(".gz") and not name.endswith(".tar.gz"):
        data, name = gzip.decompress(data), name[:-3]
    elif name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data, name = archive.read(archive.namelist()[0]), name[:-4]
    elif name.endswith((".tar.gz", ".tar.xz")):
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = next(m for m in archive.getmembers() if m.isfile())
            data, name = archive.extractfile(member).read(), name[:-7]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    suffix = name.rsplit(".", 1)[-1]
    if suffix == "rdfjson":
        data, suffix = rdf_json_to_nquads(data).encode("utf-8"), "nq"
    fmt = {"nq": RdfFormat.N_QUADS, "nt": RdfFormat.N_TRIPLES, "ttl": RdfFormat.TURTLE, "n3": RdfFormat.N3,
           "jsonld": RdfFormat.JSON_LD, "rdfxml": RdfFormat.RDF_XML}[suffix]
    return canonical(data, fmt)


def compare(got: Path, want: Path) -> str:
    """'' when the two outputs hold isomorphic datasets, else what differs."""
    if not got.exists():
        return f"{got.name} not written"
    try:
        a, b = read_output(got), read_output(want)
    except (SyntaxError, ValueError, OSError, KeyError) as exc:
        return f"{got.name}: cannot read ({exc})"
    return "" if a == b else f"{got.name}: missing {sorted(b - a)[:2]} extra {sorted(a - b)[:2]}"


def prepare_database(copy: Path, dsn: str) -> None:
    """Fill the database with the case's CSV tables (integer columns typed as such) and point the mapping's
    $CONNECTIONDSN / $USERNAME / $PASSWORD placeholders at it."""
    import csv

    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        for table in copy.glob("*.csv"):
            with open(table, newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))
            header, data = rows[0], rows[1:]
            kinds = ["integer" if all(r[i].lstrip("-").isdigit() for r in data) else "text"
                     for i in range(len(header))]
            columns = ", ".join(f'"{h}" {k}' for h, k in zip(header, kinds, strict=True))
            conn.execute(f'CREATE TABLE {table.stem} ({columns})')  # unquoted, as the mapping names it
            marks = ", ".join(["%s"] * len(header))
            for row in data:
                conn.execute(f'INSERT INTO {table.stem} VALUES ({marks})', row)
    mapping = copy / "mapping.ttl"
    text = mapping.read_text(encoding="utf-8").replace(DSN_PLACEHOLDER, dsn)
    mapping.write_text(text.replace('"$USERNAME"', '""').replace('"$PASSWORD"', '""'), encoding="utf-8")


def run_module_case(folder: Path, workdir: Path, base_iri: str | None = None, dsn: str | None = None) -> CaseResult:
    """Run one case in a scratch copy of its folder, with that copy as the working directory; the expected
    logical-target files (dump*) are set aside first and compared with what the run writes in their place."""
    from ai4c.core.errors import Ai4cError
    from ai4c.linked.mapping import dump_rdf

    copy = workdir / folder.name
    expected_dir = workdir / f"{folder.name}.expected"
    for old in (copy, expected_dir):
        shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(folder, copy)
    expected_dir.mkdir()
    expected = next((copy / name for name in EXPECTED if (copy / name).exists()), None)
    targets = sorted(p.name for p in copy.glob("dump*"))
    for name in targets:
        (copy / name).replace(expected_dir / name)
    output = workdir / f"{folder.name}.out.nq"
    mapping = copy / "mapping.ttl"
    if DSN_PLACEHOLDER in mapping.read_text(encoding="utf-8"):
        if dsn is None:
            return CaseResult(folder.name, "", False, "needs a PostgreSQL server (none given)")
        prepare_database(copy, dsn)
    try:
        with contextlib.chdir(copy):
            count = dump_rdf(mapping, output, "nquads", base_iri=base_iri)
    except Ai4cError as exc:
        return CaseResult(folder.name, "", expected is None, f"error: {exc}")
    except Exception as exc:  # an internal failure never counts as the expected error
        return CaseResult(folder.name, "", False, f"internal {type(exc).__name__}: {exc}")
    if expected is None:
        return CaseResult(folder.name, "", False, "expected an error, got output", count)
    problems = [compare_default(output, expected)]
    problems += [compare(copy / name, expected_dir / name) for name in targets]
    problems = [p for p in problems if p]
    return CaseResult(folder.name, "", not problems, "; ".join(problems), count)


def compare_default(got: Path, want: Path) -> str:
    """'' when the default output is isomorphic to the expected one (N-Triples-star included), else what
    differs."""
    got_text, want_text = got.read_text(encoding="utf-8"), want.read_text(encoding="utf-8")
    if "<<" in got_text or "<<" in want_text:
        a, b = canonical_star(got_text), canonical_star(want_text)
    else:
        a, b = canonical(got), canonical(want, RdfFormat.N_TRIPLES if want.suffix == ".nt" else RdfFormat.N_QUADS)
    return "" if a == b else f"missing {sorted(b - a)[:2]} extra {sorted(a - b)[:2]}"


def run_modules(root: Path, workdir: Path) -> dict[str, list[CaseResult]]:
    """Every case of every module present under `root`."""
    out = {}
    for module in MODULES:
        if (Path(root) / module).is_dir():
            scratch = workdir / module
            scratch.mkdir(parents=True, exist_ok=True)
            out[module] = [run_module_case(folder, scratch, MODULE_BASE.get(module))
                           for folder in module_cases(root, module)]
    return out


if __name__ == "__main__":  # python -m ai4c.linked.conformance.rml_kgc ROOT: print per-module scores
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        for name, results in run_modules(Path(sys.argv[1]), Path(scratch)).items():
            passed = sum(r.passed for r in results)
            print(f"{name}: {passed}/{len(results)}")
            if os.environ.get("VERBOSE"):
                for r in results:
                    print("   ", "ok " if r.passed else "FAIL", r.name, r.detail[:160])
