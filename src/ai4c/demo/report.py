"""The demo report: sections of text, pictures and checks against the truth, written as index.html."""

from __future__ import annotations

import html
import importlib
import pkgutil
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ai4c.core.io import write_text_atomic


@dataclass
class Check:
    """One comparison with the truth: what, the measured value, the requirement, and whether it holds."""

    name: str
    value: str
    requirement: str
    passed: bool


@dataclass
class Section:
    """A report section: paragraphs, images (paths relative to the report) and checks."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def check(self, name: str, value: float, requirement: str, passed: bool, fmt: str = "{:.4g}") -> None:
        """Record a numeric check."""
        self.checks.append(Check(name, fmt.format(value), requirement, bool(passed)))


def discover_sections() -> list:
    """Section modules in ORDER."""
    import ai4c.demo.sections as package

    modules = [importlib.import_module(f"ai4c.demo.sections.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    return sorted(modules, key=lambda m: getattr(m, "ORDER", 100))


def run_sections(output: Path, only: list[str] | None = None) -> list[Section]:
    """Run every section (or those named), catching failures so the report shows them."""
    sections = []
    for module in discover_sections():
        name = module.__name__.rsplit(".", 1)[-1]
        if only and name not in only:
            continue
        workdir = output / name
        shutil.rmtree(workdir, ignore_errors=True)  # a fresh folder per run: `make demo` twice works
        workdir.mkdir(parents=True)
        start = time.perf_counter()
        try:
            section = module.run(workdir)
        except Exception:
            section = Section(getattr(module, "TITLE", name), error=traceback.format_exc())
        section.seconds = time.perf_counter() - start
        sections.append(section)
        status = "FAILED" if section.error or not all(c.passed for c in section.checks) else "ok"
        print(f"[demo] {section.title}: {status} ({section.seconds:.1f} s)", flush=True)
    return sections


def render_html(sections: list[Section], output: Path) -> str:
    """The report page."""
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>ai4c demo</title><style>",
             "body{font-family:sans-serif;max-width:1100px;margin:auto}img{max-width:48%;margin:4px;"
             "border:1px solid #ccc}.ok{color:#070}.bad{color:#b00}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 8px}</style></head><body><h1>ai4c demo report</h1>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)} <small>({section.seconds:.1f} s)</small></h2>")
        parts.extend(f"<p>{p}</p>" for p in section.paragraphs)
        if section.checks:
            parts.append("<table><tr><th>check</th><th>value</th><th>requirement</th><th></th></tr>")
            for c in section.checks:
                cls, mark = ("ok", "pass") if c.passed else ("bad", "FAIL")
                parts.append(f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.value)}</td>"
                             f"<td>{html.escape(c.requirement)}</td><td class='{cls}'>{mark}</td></tr>")
            parts.append("</table>")
        for src, caption in section.images:
            parts.append(f"<figure style='display:inline-block;width:48%'><img style='max-width:100%' "
                         f"src='{html.escape(src)}'><figcaption>{html.escape(caption)}</figcaption></figure>")
        if section.error:
            parts.append(f"<pre class='bad'>{html.escape(section.error)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(sections: list[Section], output: Path) -> Path:
    """Write index.html into `output`."""
    return write_text_atomic(output / "index.html", render_html(sections, output))
