"""The W3C KG-Construct RML module test cases (rml-io, rml-cc, rml-fnml, rml-lv, rml-star): each case run
in a copy of its folder (paths may be relative to the working directory), its output compared as an
isomorphic dataset with the expected default.nq / output.nq / output.nt; a case without one expects an
error. Logical-target outputs (dump*.nq) must exist and match too."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from ai4c.linked.conformance.rml import CaseResult, canonical

MODULES = ("rml-io", "rml-cc", "rml-fnml", "rml-lv", "rml-star")
EXPECTED = ("default.nq", "output.nq", "output.nt")


def module_cases(root: Path, module: str) -> list[Path]:
    """Case folders of a module (rml-star keeps them under valid/ and invalid/)."""
    base = Path(root) / module / "test-cases"
    folders = [p.parent for p in base.rglob("mapping.ttl")]
    return sorted(folders, key=lambda p: p.name)


def run_module_case(folder: Path, workdir: Path) -> CaseResult:
    """Run one case in a scratch copy of its folder, with that copy as the working directory."""
    from ai4c.core.errors import Ai4cError
    from ai4c.linked.mapping import dump_rdf

    copy = workdir / folder.name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy)
    expected = next((copy / name for name in EXPECTED if (copy / name).exists()), None)
    targets = sorted(p.name for p in copy.glob("dump*"))
    output = workdir / f"{folder.name}.out.nq"
    try:
        with contextlib.chdir(copy):
            count = dump_rdf(copy / "mapping.ttl", output, "nquads")
    except Ai4cError as exc:
        return CaseResult(folder.name, "", expected is None, f"error: {exc}")
    except Exception as exc:  # an internal failure never counts as the expected error
        return CaseResult(folder.name, "", False, f"internal {type(exc).__name__}: {exc}")
    if expected is None:
        return CaseResult(folder.name, "", False, "expected an error, got output", count)
    if targets:
        return CaseResult(folder.name, "", False, f"logical targets not written: {', '.join(targets)}", count)
    fmt = None
    if expected.suffix == ".nt":
        from pyoxigraph import RdfFormat

        fmt = RdfFormat.N_TRIPLES
    got, want = canonical(output), (canonical(expected, fmt) if fmt else canonical(expected))
    ok = got == want
    return CaseResult(folder.name, "", ok, "" if ok else f"missing {sorted(want - got)[:2]} extra "
                                                        f"{sorted(got - want)[:2]}", count)


def run_modules(root: Path, workdir: Path) -> dict[str, list[CaseResult]]:
    """Every case of every module present under `root`."""
    out = {}
    for module in MODULES:
        if (Path(root) / module).is_dir():
            scratch = workdir / module
            scratch.mkdir(parents=True, exist_ok=True)
            out[module] = [run_module_case(folder, scratch) for folder in module_cases(root, module)]
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
