"""The demo runner gives each section a fresh folder, so `make demo` can run again over its output."""

from __future__ import annotations

from ai4c.demo.report import run_sections


def test_sections_rerun_in_a_fresh_folder(tmp_path):
    stale = tmp_path / "linked" / "left-over-from-an-earlier-run.txt"
    stale.parent.mkdir()
    stale.write_text("old")
    for _ in range(2):
        (section,) = run_sections(tmp_path, ["linked"])
        assert section.error is None and all(check.passed for check in section.checks)
    assert not stale.exists()
