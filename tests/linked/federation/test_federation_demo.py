"""The federation demo section runs end to end and its check against the raw coordinates holds."""

from __future__ import annotations


def test_demo_section(tmp_path):
    from ai4c.demo.sections import federation

    section = federation.run(tmp_path)
    assert section.error is None
    assert section.checks and all(check.passed for check in section.checks)
    assert "exclusive group" in section.paragraphs[1] or "pattern -&gt;" in section.paragraphs[1]
