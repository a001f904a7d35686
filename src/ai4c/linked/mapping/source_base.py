"""The record-reader interface every logical source implements (CSV, JSON, XML, vector files, SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ai4c.core.errors import BadInputError, InputNotFoundError
from ai4c.linked.mapping.model import LogicalSource

BATCH = 2000  # records read per batch by the vector and SQL readers
COMPRESSIONS = ("gzip", "zip", "targz", "tarxz")


def unpack(path: Path, compression: str) -> Path:
    """The first file inside a compressed source (RML-IO rml:compression), unpacked into a temporary folder
    that lives as long as the process."""
    import gzip
    import shutil
    import tarfile
    import tempfile
    import zipfile

    if compression not in COMPRESSIONS:
        raise BadInputError(f"rml:compression {compression!r} is unknown; use one of {', '.join(COMPRESSIONS)}")
    name = path.name
    for suffix in (".tar.gz", ".tar.xz", ".tgz", ".gz", ".zip"):
        name = name.removesuffix(suffix)
    target = Path(tempfile.mkdtemp(prefix="ai4c-rml-")) / name
    try:
        if compression == "gzip":
            with gzip.open(path, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        elif compression == "zip":
            with zipfile.ZipFile(path) as archive:
                target.write_bytes(archive.read(archive.namelist()[0]))
        else:
            with tarfile.open(path, "r:gz" if compression == "targz" else "r:xz") as archive:
                member = next(m for m in archive.getmembers() if m.isfile())
                target.write_bytes(archive.extractfile(member).read())
    except (OSError, EOFError, StopIteration, zipfile.BadZipFile, tarfile.TarError, IndexError) as exc:
        raise BadInputError(f"{path}: cannot unpack it as rml:compression {compression} ({exc}); "
                            "fix the file or the mapping") from exc
    return target


class ReferenceError_(BadInputError, KeyError):
    """A reference (column, JSONPath, XPath) that the source does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


class Source:
    """Base reader: iterate records, look references up, check references against the schema."""

    natural = False  # True when values keep SQL types (natural RDF literals)
    crs: str | None = None  # EPSG code of geometries, for geometry functions

    def __init__(self, spec: LogicalSource) -> None:
        self.spec = spec
        self.seen: set[str] = set()
        self.count = 0

    def records(self) -> Iterator[Any]:
        raise NotImplementedError

    def lookup(self, record: Any, reference: str) -> list:
        raise NotImplementedError

    def check(self, references: set[str]) -> None:
        """Raise for a reference that never matched a record (JSON/XML, called after the run)."""
        missing = sorted(references - self.seen) if self.count else []
        if missing:
            raise ReferenceError_(f"reference {missing[0]!r} matches nothing in {self.describe()}; "
                                  "check the spelling of the rml:reference / template")

    def describe(self) -> str:
        return str(self.spec.path)

    def _require_file(self) -> None:
        if self.spec.path is None or not self.spec.path.is_file():
            raise InputNotFoundError(f"source file {self.spec.path} does not exist; fix rml:source "
                                     "(relative paths resolve against the mapping's folder) or pass -sh")
        if self.spec.compression:
            self.spec.path, self.spec.compression = unpack(self.spec.path, self.spec.compression), None
