"""The RML test-cases runner (rml-test-cases layout) and a throw-away PostgreSQL server for its SQL cases."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

FILE_FORMATS = ("CSV", "JSON", "XML")
JDBC_PLACEHOLDER = "CONNECTIONDSN"


@dataclass
class CaseResult:
    """Outcome of one test case."""

    name: str
    fmt: str
    passed: bool
    detail: str = ""
    triples: int = 0


def cases(root: Path, formats: tuple[str, ...]) -> list[Path]:
    """Case folders of the given formats (suffix after the last '-')."""
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and p.name.rsplit("-", 1)[-1] in formats)


def canonical(path_or_bytes, fmt: RdfFormat = RdfFormat.N_QUADS) -> set[str]:
    """A dataset as a set of N-Quads lines after blank-node canonicalisation (isomorphism test)."""
    kwargs = {"path": str(path_or_bytes)} if isinstance(path_or_bytes, Path) else {"input": path_or_bytes}
    dataset = Dataset(parse(format=fmt, **kwargs))
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def errors_expected(root: Path) -> set[str]:
    """Cases whose metadata.csv row says an error is expected (some still ship an output.nq)."""
    import csv

    meta = Path(root).parent / "metadata.csv"
    if not meta.exists():
        return set()
    with open(meta, newline="", encoding="utf-8") as handle:
        return {row["RML id"] for row in csv.DictReader(handle) if row.get("error expected?") == "true"}


LEGACY_PREFIXES = ("<http://www.w3.org/ns/r2rml#>", "<http://semweb.mmlab.be/ns/rml#>",
                   "<http://semweb.mmlab.be/ns/ql#>")


def to_rml_core(text: str) -> str:
    """Rewrite a legacy RML mapping into the W3C RML-Core/RML-IO vocabulary (http://w3id.org/rml/),
    file sources becoming rml:RelativePathSource descriptions."""
    for prefix in LEGACY_PREFIXES:
        text = text.replace(prefix, "<http://w3id.org/rml/>")
    return re.sub(r'rml:source\s+"([^"]*)"',
                  r'rml:source [ a rml:RelativePathSource ; rml:root rml:MappingDirectory ; rml:path "\1" ]', text)


def run_case(folder: Path, workdir: Path, jdbc: str | None = None, error_ok: bool = False,
             core: bool = False) -> CaseResult:
    """Run one case: its output must be isomorphic to output.nq, or the run must fail when there is none
    (or when the suite's metadata says an error is expected). `core`: in the RML-Core vocabulary."""
    from ai4c.core.errors import Ai4cError
    from ai4c.linked.mapping import dump_rdf

    fmt = folder.name.rsplit("-", 1)[-1]
    mapping = folder / "mapping.ttl"
    if fmt not in FILE_FORMATS:
        if jdbc is None:
            return CaseResult(folder.name, fmt, False, "no database")
        mapping = workdir / f"{folder.name}.ttl"
        mapping.write_text((folder / "mapping.ttl").read_text().replace(JDBC_PLACEHOLDER, jdbc))
    if core:
        copy = workdir / f"{folder.name}-core"
        shutil.copytree(folder, copy, dirs_exist_ok=True)
        (copy / "mapping.ttl").write_text(to_rml_core(mapping.read_text()))
        mapping = copy / "mapping.ttl"
    output = workdir / f"{folder.name}.nq"
    expected = folder / "output.nq"
    try:
        count = dump_rdf(mapping, output, "nquads")
    except Ai4cError as exc:
        if expected.exists() and not error_ok:
            return CaseResult(folder.name, fmt, False, f"unexpected error: {exc}")
        return CaseResult(folder.name, fmt, True, f"expected error: {exc}")
    except Exception as exc:  # an internal failure never counts as the expected error
        return CaseResult(folder.name, fmt, False, f"internal {type(exc).__name__}: {exc}")
    if not expected.exists():
        return CaseResult(folder.name, fmt, False, "expected an error, got output", count)
    got, want = canonical(output), canonical(expected)
    if got == want:
        return CaseResult(folder.name, fmt, True, "", count)
    return CaseResult(folder.name, fmt, False,
                      f"missing {sorted(want - got)[:3]} extra {sorted(got - want)[:3]}", count)


def load_sql(dsn: str, script: Path) -> None:
    """Reset the public schema and run a case's resource.sql."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        if script.exists():
            conn.execute(script.read_text())


def run_all(root: Path, formats: tuple[str, ...], workdir: Path, dsn: str | None = None,
            core: bool = False) -> list[CaseResult]:
    """Run every case of the formats; SQL cases load their resource.sql into `dsn` first."""
    results = []
    jdbc = dsn.replace("postgresql://", "jdbc:postgresql://", 1) if dsn else None
    error_cases = errors_expected(root)
    for folder in cases(root, formats):
        fmt = folder.name.rsplit("-", 1)[-1]
        if fmt not in FILE_FORMATS and dsn:
            try:
                load_sql(dsn, folder / "resource.sql")
            except Exception as exc:
                results.append(CaseResult(folder.name, fmt, False, f"resource.sql failed: {exc}"))
                continue
        results.append(run_case(folder, workdir, jdbc, folder.name in error_cases, core))
    return results


def scores(results: list[CaseResult]) -> dict[str, tuple[int, int]]:
    """(passed, total) per format and overall."""
    out: dict[str, tuple[int, int]] = {}
    for r in results:
        p, t = out.get(r.fmt, (0, 0))
        out[r.fmt] = (p + r.passed, t + 1)
    out["all"] = (sum(p for p, _ in out.values()), sum(t for _, t in out.values()))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin holding initdb, or one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a throw-away PostgreSQL on 127.0.0.1 (as user postgres when we are root); yield its URL.

    Raises RuntimeError with the reason when it cannot start.
    """
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install -y postgresql)")
    as_user: dict = {}
    folder = Path(tempfile.mkdtemp(prefix="ai4c-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses root: run it as the unprivileged 'postgres' user
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError("running as root and there is no 'postgres' user to run the server") from exc
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    data, port = folder / "data", _free_port()
    process = None
    try:
        try:
            subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                            "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120, cwd=folder,
                           **as_user)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace').strip()[:300]}") from exc
        process = subprocess.Popen([str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                                    "-h", "127.0.0.1", "-k", str(folder), "-F"], cwd=folder,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user)
        dsn = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _wait_ready(dsn, process)
        yield dsn
    finally:
        if process is not None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: end sessions, no waiting
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(dsn: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"postgres exited with status {process.returncode}")
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise RuntimeError("postgres did not accept connections within 30 s")
