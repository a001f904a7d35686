"""Where outputs go: folders are created when missing, a trailing separator means a folder, and an output that
exists is replaced only when the user said so (`--overwrite`; Python callers replace by default)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ai4c.core.errors import OutputError

_OVERWRITE: ContextVar[bool] = ContextVar("ai4c_overwrite", default=True)


@contextmanager
def overwriting(allowed: bool) -> Iterator[None]:
    """Inside the block, writing onto an existing output is allowed or refused (the CLI's --overwrite)."""
    token = _OVERWRITE.set(allowed)
    try:
        yield
    finally:
        _OVERWRITE.reset(token)


def means_folder(output_path: Path | str) -> bool:
    """True for a path ending with a separator (`out/`) or an existing folder (a .zarr store is a file-like output)."""
    text = os.fspath(output_path)
    if text.endswith(("/", os.sep)) or (os.altsep and text.endswith(os.altsep)):
        return True
    path = Path(text)
    return path.is_dir() and path.suffix.lower() != ".zarr"


def output_folder(output_path: Path | str) -> Path:
    """The folder `output_path` names, created with its parents when missing; an existing file is an error."""
    folder = Path(output_path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; give a folder path (or remove the file)")
    blocker = _existing_ancestor(folder)
    if blocker is not None and not blocker.is_dir():
        raise OutputError(f"cannot create folder {folder}: {blocker} is a file; choose another output path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create folder {folder} ({err.strerror}); choose another output path") from err
    return folder


def _existing_ancestor(path: Path) -> Path | None:
    """The nearest part of `path` (itself or a parent) that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return None


def check_writable(path: Path | str) -> Path:
    """Fail early, before any computation, when `path` cannot be written: a missing folder is fine (it is
    created when writing), a file in the way, a read-only folder or an existing output without --overwrite are not."""
    path = Path(path)
    if path.is_dir() and path.suffix.lower() != ".zarr":
        raise OutputError(f"output path {path} is a folder; give a file name")
    if path.exists() and not _OVERWRITE.get():
        raise OutputError(f"output {path} already exists; give --overwrite to replace it or choose another path")
    ancestor = _existing_ancestor(path.parent if str(path.parent) else Path("."))
    if ancestor is None or not ancestor.is_dir():
        raise OutputError(f"cannot create the folder of {path}: {ancestor} is a file; choose another output path")
    if not os.access(ancestor, os.W_OK):
        raise OutputError(f"output folder {ancestor} is not writable; choose another output path")
    return path


@contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a path with `final`'s name inside a hidden scratch folder beside it; on success move it
    (and any sidecar files a driver wrote, e.g. ENVI's .hdr) onto the target, else remove everything."""
    final = check_writable(Path(final))
    output_folder(final.parent if str(final.parent) else ".")
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        yield scratch / final.name
        produced = sorted(scratch.iterdir(), key=lambda p: p.name == final.name)
        if not any(p.name == final.name for p in produced):
            raise OutputError(f"nothing was written to {final}")
        for item in produced:
            target = final.parent / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write a small text file (JSON, YAML, HTML) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
