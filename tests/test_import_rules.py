"""The layer rules of docs/architecture.md, checked on the source's syntax tree (every import, also those
inside functions, and every `importlib.import_module("...")` of a literal name)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ai4c"
ABOVE_CORE = ("ai4c.pipelines", "ai4c.services", "ai4c.sar", "ai4c.optical", "ai4c.ml", "ai4c.linked",
              "ai4c.atmosphere", "ai4c.catalog", "ai4c.products", "ai4c.dem", "ai4c.cli", "ai4c.simulate")


def module_name(path: Path) -> str:
    """`ai4c.core.graph` for src/ai4c/core/graph.py."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path: Path) -> str:
    """The package a source file belongs to (what its relative imports start from)."""
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def imported_names(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = package or package_of(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def offenders(files, forbidden: tuple[str, ...], package: str | None = None) -> list[str]:
    """`file:line imports name` for every import of a forbidden package (or a module inside it)."""
    bad = []
    for path in files:
        for line, name in imported_names(path, package):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.name}:{line} imports {name}")
    return sorted(set(bad))


def test_core_imports_nothing_above_it():
    assert offenders(sorted((SRC / "core").rglob("*.py")), ABOVE_CORE) == []


def simulate_allowed(path: Path) -> bool:
    """The simulator itself, the demo and the `ai4c simulate ...` command modules may import ai4c.simulate."""
    rel = path.relative_to(SRC).parts
    return rel[0] in ("simulate", "demo") or (rel[0] == "cli" and rel[-1].startswith("simulate_"))


def test_production_code_never_imports_the_simulator():
    files = [p for p in sorted(SRC.rglob("*.py")) if not simulate_allowed(p)]
    assert offenders(files, ("ai4c.simulate",)) == []


def test_the_checks_see_what_they_should(tmp_path):
    """The walker finds top-level, nested, relative and importlib imports (so the rules above can fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text("import ai4c.sar.speckle\nfrom . import io\ndef f():\n    from ai4c.pipelines import s1_grd\n"
                     "    import importlib\n    importlib.import_module('ai4c.linked.store')\n")
    assert "ai4c.core.io" in [name for _, name in imported_names(probe, "ai4c.core")]
    assert offenders([probe], ABOVE_CORE, "ai4c.core") == [
        "probe.py:1 imports ai4c.sar.speckle", "probe.py:4 imports ai4c.pipelines",
        "probe.py:4 imports ai4c.pipelines.s1_grd", "probe.py:6 imports ai4c.linked.store"]
