"""Shared check for the Sentinel-1 commands' bad-input behaviour: one line, exit status 2, nothing written."""

from __future__ import annotations

from pathlib import Path


def assert_bad_input(main, capsys, out: Path, *args) -> str:
    """Run a command's `main` with `args` and `--output_path out`; return the one-line error."""
    code = main([*map(str, args), "--output_path", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert not out.exists()
    return err
