"""Serialising quads: N-Triples/N-Quads line by line (bounded memory), Turtle/TriG via pyoxigraph."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Dataset, DefaultGraph, Quad, RdfFormat, serialize

from ai4c.core.errors import BadInputError, check_choice, first_line
from ai4c.core.outputs import atomic_path
from ai4c.linked.geo import vocab as v

FORMATS = ("ntriples", "nquads", "turtle", "trig", "rdfxml")
ALIASES = {"n-triples": "ntriples", "nt": "ntriples", "n-quads": "nquads", "nq": "nquads", "ttl": "turtle",
           "rdf/xml": "rdfxml", "xml": "rdfxml", "rdf": "rdfxml"}


def normalise_format(fmt: str) -> str:
    """ntriples | nquads | turtle | trig | rdfxml from any usual spelling (N-TRIPLES, TTL, RDF/XML, ...)."""
    key = str(fmt).strip().lower()
    return check_choice("format", ALIASES.get(key, key), FORMATS)
DEDUP_LIMIT = 1_000_000  # remembered lines for duplicate removal; older ones are forgotten


def line_of(statement: tuple, with_graph: bool) -> str:
    """One N-Quads (or N-Triples) line of a (subject, predicate, object, graph) tuple."""
    s, p, o, g = statement[:4]
    if with_graph and not isinstance(g, DefaultGraph):
        return f"{s} {p} {o} {g} .\n"
    return f"{s} {p} {o} .\n"


class Deduplicator:
    """Duplicate removal with bounded memory: a line is dropped when it equals one of the last lines kept,
    remembered as hashes up to DEDUP_LIMIT of them (the memory is then cleared)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def fresh(self, lines: list[str]) -> list[str]:
        """The lines not seen before, in order; a block of new distinct lines takes one set update."""
        keys = list(map(hash, lines))
        seen, before = self.seen, len(self.seen)
        if before + len(keys) <= DEDUP_LIMIT and seen.isdisjoint(keys):
            seen.update(keys)
            if len(seen) == before + len(keys):
                return lines
            seen.difference_update(keys)  # repeats inside the block: undo, go line by line
        kept = []
        for line, key in zip(lines, keys, strict=True):
            if key in seen:
                continue
            if len(seen) >= DEDUP_LIMIT:
                seen.clear()
            seen.add(key)
            kept.append(line)
        return kept


def write_blocks(blocks: Iterable[list[str]], handle) -> int:
    """Stream blocks of lines, duplicates dropped (Deduplicator); returns the number of lines written."""
    dedup = Deduplicator()
    count = 0
    for block in blocks:
        kept = dedup.fresh(block)
        handle.write("".join(kept))
        count += len(kept)
    return count


def write_lines(statements: Iterable[tuple], handle, with_graph: bool) -> int:
    """Stream statements as lines, dropping duplicates among the last DEDUP_LIMIT lines; returns the count."""
    return write_blocks(([line_of(statement, with_graph)] for statement in statements), handle)


class GzipLines:
    """A text sink that gzips (level 1: fast) on a background thread, so compressing overlaps making lines
    (zlib works without the GIL)."""

    def __init__(self, path: Path) -> None:
        import gzip
        import queue
        import threading

        self.raw = gzip.open(path, "wb", compresslevel=1)
        self.chunks: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def write(self, text: str) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put(text.encode("utf-8"))

    def _drain(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:
                try:
                    self.raw.write(chunk)
                except BaseException as exc:  # a full disk: reported by the next write or by close
                    self.error = exc

    def close(self) -> None:
        self.chunks.put(None)
        self.thread.join()
        self.raw.close()
        if self.error is not None:
            raise self.error

    def __enter__(self) -> GzipLines:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_lines(path: Path, gzipped: bool):
    """A text handle for N-Triples/N-Quads lines: plain, or gzip for a .gz output."""
    if gzipped:
        return GzipLines(path)
    return open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)


def write_line_file(blocks: Iterable[list[str]], output: Path | str) -> int:
    """Write blocks of N-Triples/N-Quads lines atomically to `output` (gzip-compressed when it ends in .gz)."""
    with atomic_path(output) as tmp, open_lines(tmp, str(output).endswith(".gz")) as handle:
        return write_blocks(blocks, handle)


def write_quads(statements: Iterable[tuple], output: Path | str, fmt: str = "ntriples") -> int:
    """Write (s, p, o, g[, targets]) statements atomically to `output` in `fmt`; nothing is left behind on failure."""
    fmt = normalise_format(fmt)
    with atomic_path(output) as tmp:
        if fmt in ("ntriples", "nquads"):
            with open_lines(tmp, str(output).endswith(".gz")) as handle:
                return write_lines(statements, handle, with_graph=fmt == "nquads")
        try:
            dataset = Dataset(Quad(s, p, o, g if fmt == "trig" else DefaultGraph())
                              for s, p, o, g, *_ in statements)
        except TypeError as exc:  # an RML-star quoted triple in subject position
            raise BadInputError(f"the mapping makes quoted triples (RML-star) that {fmt} cannot hold "
                                f"({first_line(exc)}); write N-Triples or N-Quads") from exc
        prefixes = {"geo": v.GEO, "xsd": v.XSD,
                    "rdf": v.RDF}
        if fmt == "trig":
            serialize(dataset, str(tmp), RdfFormat.TRIG, prefixes=prefixes)
        else:
            rdf_format = RdfFormat.TURTLE if fmt == "turtle" else RdfFormat.RDF_XML
            serialize((q.triple for q in dataset), str(tmp), rdf_format, prefixes=prefixes)
        return len(dataset)
