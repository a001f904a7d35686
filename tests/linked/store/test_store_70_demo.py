"""The linked-data demo section runs end to end and its checks against the scene truth hold."""

from __future__ import annotations


def test_demo_section(tmp_path):
    from ai4c.demo.sections import linked

    workdir = tmp_path / "linked"
    workdir.mkdir()
    section = linked.run(workdir)
    assert section.error is None
    assert section.checks and all(check.passed for check in section.checks)
    assert (workdir / "scene.png").exists()
