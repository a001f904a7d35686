"""Loading files at scale, all or nothing.

The whole file is parsed first, in chunks, to staging N-Quads: its quads the store lacks, then what they
derive (RDFS entailment and geometry properties: the delta of each rule for these quads alone). A
syntax error therefore leaves the store untouched. The staged quads then go in through pyoxigraph's
bulk loader. Before that, a checkpoint of the store (RocksDB hard links: cheap) and a marker file are
written: a process killed during the bulk load leaves the marker, and the next opening puts the
checkpoint back (the old content); once the marker is gone the new content is complete. Memory stays
bounded by the chunk size, plus the added geometries, parsed once here for the spatial index (which
holds them afterwards anyway; building it from the store at the first query instead took 115 s and
3.6 GB for 2.5 M geometries).

An N-Triples file for a store without data (`stage_direct`) is only read as text for what it derives and
its geometries, then bulk-loaded as it is (by byte ranges); its syntax errors surface during the write
and are undone like a failed write.

Each bulk load adds its own sorted files to RocksDB, overlapping the earlier ones, and every look-up then
reads all of them (queries 1.3-1.5x slower than after one bulk load). A load of several parts into a
store without data is therefore compacted once, before its commit point (~15 % of the load's time); a
load into a store with data is not (compacting would cost in proportion to the whole store).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ai4c.core.errors import BadInputError
from ai4c.core.iterables import batched
from ai4c.linked.geo.vocab import GEOMETRY_DATATYPES, RDF_TYPE
from ai4c.linked.store import entailment, rdf_files, spatial_index
from ai4c.linked.store.changes import warn_unparsed
from ai4c.linked.store.spatial_index import CACHE, DELTA_CACHE, GeometryEntries, parse_quads

CHUNK = 100_000
PART_QUADS = 250_000  # quads per staging file (each bulk-loaded on its own)
STAGING = "load-staging"
CHECKPOINT = "load-checkpoint"
MARKER = "load-in-progress"
_ENTAILED = f" <{entailment.GRAPH}> .\n"
_TYPE, _TYPE_TEXT = ox.NamedNode(RDF_TYPE), f"<{RDF_TYPE}>"
_SCHEMA_TEXT = frozenset(f"<{p}>" for p in entailment.SCHEMA_PREDICATES)
_LINE = re.compile(r"\bline (\d+)")
_SIMPLE_LINE = re.compile(r"^([^\s#]\S*) (\S+) (\S.*) \.$", re.M)
_GEOMETRY_SUFFIXES = tuple(f"^^<{d}>" for d in GEOMETRY_DATATYPES)


@dataclass
class Staged:
    """A parsed file waiting to be written: its new quads and their consequences, on disk."""

    data: list[Path]  # staging files of the new quads
    derived: list[Path]  # staging files of their consequences
    added: int = 0
    blank_nodes: bool = False  # then written through bulk_extend (bulk_load would rename them)
    kinds: set = field(default_factory=set)  # kinds of the derived triples (entailment.kind)
    stale: list = field(default_factory=list)  # entailed copies of triples the file asserts
    entries: GeometryEntries = field(default_factory=GeometryEntries)  # added geometries, for the spatial index
    schema_changed: bool = False  # the file adds schema axioms: the entailment graph is recomputed
    geometry_keys: set = field(default_factory=set)  # (subject, predicate, literal) of `entries`
    source: Path | None = None  # an N-Triples file bulk-loaded as it is (`stage_direct`)
    source_parts: list = field(default_factory=list)  # its (start, end, first line, lines) byte ranges
    graph: str | None = None  # the named graph it goes into (None: the default graph)
    fresh: bool = False  # the store held no data before (then a load of several parts is compacted)

    def keep(self, entries: GeometryEntries) -> None:
        """Add a chunk's geometries to `entries` (once each)."""
        _extend(self.entries, entries, self.geometry_keys)


def recover(folder: Path) -> bool:
    """Before opening a store folder: undo a load that a killed process left half-done (the checkpoint
    taken before it goes back in place); True when it did."""
    marker, checkpoint, live = folder / MARKER, folder / CHECKPOINT, folder / "oxigraph"
    shutil.rmtree(folder / STAGING, ignore_errors=True)
    if not marker.exists():
        shutil.rmtree(checkpoint, ignore_errors=True)  # a load killed before it wrote anything
        return False
    trash = folder / "oxigraph-interrupted"
    if checkpoint.exists():  # (absent: a recovery killed after putting it back; only the marker is left)
        if live.exists():
            shutil.rmtree(trash, ignore_errors=True)
            os.replace(live, trash)
        os.replace(checkpoint, live)
    for name in (CACHE, DELTA_CACHE):  # the index may hold the undone load's geometries
        (folder / name).unlink(missing_ok=True)
    marker.unlink()
    shutil.rmtree(trash, ignore_errors=True)
    return True


def stage(store: ox.Store, quads: Iterable[ox.Quad], into: Path, schema: entailment.Schema | None,
          keep_entries: bool, report) -> Staged:
    """Parse `quads` to staging files in `into`; `schema` None: no entailment. Unparsed geometry
    literals are warned about and listed in `report` (they are stored as they are)."""
    data, derived = _Parts(into / "data"), _Parts(into / "derived")
    fresh = not holds_data(store)  # a new store: no quad can be known yet, no look-ups
    staged = Staged(data=data.paths, derived=derived.paths, fresh=fresh)
    with data, derived:
        for chunk in batched(quads, CHUNK):
            new = list(dict.fromkeys(chunk)) if fresh else [q for q in dict.fromkeys(chunk) if q not in store]
            if not new:
                continue
            staged.added += len(new)
            text = ox.serialize(new, format=ox.RdfFormat.N_QUADS)
            staged.blank_nodes = staged.blank_nodes or text.startswith(b"_:") or b" _:" in text
            data.write(text, len(new))
            entries = parse_quads(new)
            warn_unparsed(entries, report)
            if keep_entries:
                staged.keep(entries)
            if schema is None or staged.schema_changed:
                continue
            if entailment.touches_schema(new):
                staged.schema_changed = True
                continue
            if not fresh:
                staged.stale += entailment.stale_copies(store, schema, new)
            _write_derived(derived, staged, schema, new)
    return staged


def stage_file(store: ox.Store, source: Path, fmt: ox.RdfFormat, graph: str | None, into: Path,
               schema: entailment.Schema | None, keep_entries: bool, report) -> Staged:
    """Stage a file: `stage_direct` for N-Triples into a store without data, else `stage` (its quads
    parsed); a syntax error found here raises `malformed`'s error (nothing was written)."""
    try:
        staged = None
        if fmt == ox.RdfFormat.N_TRIPLES and not holds_data(store):
            staged = stage_direct(source, graph, into, schema, keep_entries, report)
        return staged or stage(store, rdf_files.quads(source, fmt, graph), into, schema, keep_entries, report)
    except SyntaxError as exc:
        raise malformed(source, fmt, exc) from exc


def malformed(source: Path, fmt: ox.RdfFormat, exc: SyntaxError) -> BadInputError:
    """The error of a file with a syntax error (the store keeps its old content)."""
    return BadInputError(f"{source.name}: malformed {fmt.name}: {exc}; nothing of this file was loaded, fix the "
                         "file and load it again")


def stage_direct(source: Path, graph: str | None, into: Path, schema: entailment.Schema | None,
                 keep_entries: bool, report) -> Staged | None:
    """An N-Triples file for a store without data: read as text (no Python object per triple) for what it
    derives and its geometries, then bulk-loaded as it is (pyoxigraph validates it then). None when the
    file needs `stage` (blank nodes, schema axioms, a line this reader does not follow)."""
    derived = _Parts(into / "direct-derived")
    staged = Staged(data=[], derived=derived.paths, source=source, graph=graph, fresh=True)
    rules = _TextRules(schema) if schema is not None else None
    unparsed = GeometryEntries()
    start = read = 0  # bytes and lines read
    with derived, source.open("rb") as handle:
        for chunk in batched(handle, CHUNK):
            try:
                triples = _split_lines(b"".join(chunk).decode("utf-8"))
            except UnicodeDecodeError:
                triples = None
            groups = _group(triples) if triples is not None else None
            if groups is None:
                return None
            staged.source_parts = _grow_parts(staged.source_parts, start, sum(map(len, chunk)), read)
            start, read = start + sum(map(len, chunk)), read + len(chunk)
            staged.added += len(triples)
            entries = spatial_index.parse_text_triples(_geometry_literals(groups))
            unparsed.unparsed += entries.unparsed
            if keep_entries:
                staged.keep(entries)
            if rules is not None:
                try:
                    lines = rules.lines(groups, staged.kinds)
                except ValueError:  # an IRI pyoxigraph refuses: the general path names the line
                    return None
                derived.write("".join(lines).encode("utf-8"), len(lines))
    warn_unparsed(unparsed, report)
    return staged


def _grow_parts(parts: list, start: int, size: int, first_line: int) -> list:
    """The source's (start, end, first line) byte ranges of about PART_QUADS lines with the next chunk
    (`size` bytes at `start`) added."""
    if parts and parts[-1][3] < PART_QUADS:
        begin, _, line, count = parts[-1]
        return [*parts[:-1], (begin, start + size, line, count + CHUNK)]
    return [*parts, (start, start + size, first_line + 1, CHUNK)]


def _split_lines(text: str) -> list[tuple[str, str, str]] | None:
    """(subject, predicate, object) texts of N-Triples lines, None at a blank node, a schema axiom or a
    line that is not `S <P> O .` (the general path then reads the file). Lines written `S P O .` with
    single spaces (as serialisers write them) are split by one regular expression, others one by one."""
    if "_:" in text:
        return None
    triples = _SIMPLE_LINE.findall(text)
    if len(triples) != text.count("\n") + (not text.endswith("\n")):
        triples = _split_one_by_one(text)
    return triples


def _group(triples: list[tuple[str, str, str]]) -> dict[tuple, list] | None:
    """The triples by rule key: (predicate, class) for rdf:type, (predicate, object is a literal)
    otherwise; None when a predicate is a schema axiom's or not an IRI (the general path then)."""
    groups: dict[tuple, list] = {}
    for triple in triples:
        p, o = triple[1], triple[2]
        key = (p, o) if p == _TYPE_TEXT else (p, o[0] == '"')
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
        group.append(triple)
    predicates = {key[0] for key in groups}
    return None if any(p in _SCHEMA_TEXT or p[0] != "<" or p[-1] != ">" for p in predicates) else groups


def _geometry_literals(groups: dict[tuple, list]) -> list[tuple[str, str, str]]:
    """The triples whose object is a geometry literal."""
    return [t for key, group in groups.items() if key[1] is True for t in group if t[2].endswith(_GEOMETRY_SUFFIXES)]


def _split_one_by_one(text: str) -> list[tuple[str, str, str]] | None:
    """`_split_lines` for any spacing, blank lines and comment lines."""
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or line[0] == "#":
            continue
        parts = line[:-1].split(None, 2)
        if line[-1] != "." or len(parts) != 3:
            return None
        out.append((parts[0], parts[1], parts[2].rstrip()))
    return out


class _TextRules:
    """The schema's rules over N-Triples texts: per predicate (and class, for rdf:type) the N-Quads line
    endings (for the subject), middles (super-properties) and endings (for the object) it derives."""

    def __init__(self, schema: entailment.Schema) -> None:
        self.schema, self.cache = schema, {}

    def lines(self, groups: dict[tuple, list], kinds: set) -> set[str]:
        """The entailment-graph N-Quads lines the triples (`_group`ed) derive; their kinds are added to
        `kinds`."""
        out: set[str] = set()
        for key, group in groups.items():
            rule = self.cache.get(key)
            if rule is None:
                rule = self.cache[key] = self._rule(*group[0], kinds)
            of_subject, middles, of_object = rule
            for tail in of_subject:
                out.update([t[0] + tail for t in group])
            for middle in middles:
                out.update([f"{t[0]} {middle} {t[2]}{_ENTAILED}" for t in group])
            if key[1] is not True:  # objects that are not literals
                for tail in of_object:
                    out.update([t[2] + tail for t in group])
        return out

    def _rule(self, s: str, p: str, o: str, kinds: set) -> tuple:
        literal = o[0] == '"'
        predicate = ox.NamedNode(p[1:-1])
        obj = ox.NamedNode(o[1:-1]) if p == _TYPE_TEXT and o[0] == "<" else ox.Literal("") if literal \
            else ox.NamedNode("urn:ai4c:any")
        supers, subject_types, object_types = self.schema.rule(predicate, obj)
        kinds |= {(q,) for q in supers} | {(_TYPE, c) for c in (*subject_types, *object_types)}
        return (tuple(f" {_TYPE_TEXT} {c}{_ENTAILED}" for c in subject_types), tuple(str(q) for q in supers),
                tuple(f" {_TYPE_TEXT} {c}{_ENTAILED}" for c in object_types))


def _write_derived(out: _Parts, staged: Staged, schema: entailment.Schema, quads: list[ox.Quad]) -> None:
    """Append the consequences of new quads to the derived staging files."""
    lines, kinds = schema.text_consequences(quads, _ENTAILED)
    staged.kinds |= kinds
    out.write("".join(lines).encode("utf-8"), len(lines))


def commit(store: ox.Store, folder: Path | None, staged: Staged, finish: Callable[[], None]) -> None:
    """Write the staged quads, then `finish()` (the spatial index, a full recompute after a schema change),
    all or (after a kill, at the next opening) none of it."""
    with _checkpoint(store, folder):
        for quad in staged.stale:
            store.remove(quad)
        if staged.source is not None:
            _bulk_source(store, staged, in_memory=folder is None)
        for path in staged.data:
            _bulk(store, path, staged.blank_nodes)
        _write_consequences(store, staged)
        if staged.fresh and len(staged.source_parts) + len(staged.data) + len(staged.derived) > 1:
            _compact(store)
        finish()


def _compact(store: ox.Store) -> None:
    """Merge the sorted files of a new store's bulk-loaded parts into one layout (module docstring)."""
    store.optimize()


def _write_consequences(store: ox.Store, staged: Staged) -> None:
    """Bulk-load the staged consequences, less those the data (now loaded) asserts itself."""
    if staged.schema_changed or not staged.kinds:
        return
    asserted = entailment.asserted_kinds(store, staged.kinds)
    for path in staged.derived:
        if asserted or staged.blank_nodes:
            parsed = ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
            store.bulk_extend(q for q in parsed if entailment.kind(q.predicate, q.object) not in asserted
                              or not entailment.stated(store, q))
        else:
            _bulk(store, path, False)


def _bulk_source(store: ox.Store, staged: Staged, *, in_memory: bool) -> None:
    """Bulk-load a `stage_direct` file as it is, in parts of about PART_QUADS lines (pyoxigraph's bulk
    loader holds what it loads in memory); a syntax error in it, in memory (no checkpoint), empties the
    store's data again (it had none: `stage_direct` is for stores without data)."""
    target = ox.NamedNode(staged.graph) if staged.graph else None
    for begin, end, first_line, _ in staged.source_parts:
        message = None
        try:
            with staged.source.open("rb") as handle:
                store.bulk_load(_Range(handle, begin, end), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        except SyntaxError as exc:  # its line numbers count from the part's first line
            message = _LINE.sub(lambda m, n=first_line: f"line {int(m.group(1)) + n - 1}", str(exc))
        if message is not None:  # raised outside the handler: no traceback keeps the store open
            if in_memory:
                store.clear_graph(ox.DefaultGraph())
                for name in [g for g in store.named_graphs() if g != ox.NamedNode(entailment.GRAPH)]:
                    store.remove_graph(name)
            raise SyntaxError(message)


class _Range(io.RawIOBase):
    """Bytes [begin, end) of an open file, as a readable file."""

    def __init__(self, handle, begin: int, end: int) -> None:
        super().__init__()
        handle.seek(begin)
        self.handle, self.left = handle, end - begin

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)[:self.left]
        n = self.handle.readinto(view)
        self.left -= n
        return n


def _bulk(store: ox.Store, path: Path, blank_nodes: bool) -> None:
    """Bulk-load a staging file (already validated: lenient); through quads when blank nodes must keep
    their labels (pyoxigraph's loaders give them fresh ones)."""
    if blank_nodes:
        store.bulk_extend(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    else:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)


class _Parts:
    """Staging files of about PART_QUADS quads each: pyoxigraph's bulk loader holds what it loads in
    memory up to a large batch, so loading parts one by one bounds the memory of a load."""

    def __init__(self, stem: Path) -> None:
        self.stem, self.paths, self.count, self.handle = stem, [], 0, None

    def write(self, payload: bytes, quads: int) -> None:
        if not quads:
            return
        if self.handle is None or self.count >= PART_QUADS:
            self.close()
            self.paths.append(self.stem.with_name(f"{self.stem.name}-{len(self.paths):04d}.nq"))
            self.handle, self.count = self.paths[-1].open("wb"), 0
        self.handle.write(payload)
        self.count += quads

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def __enter__(self) -> _Parts:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def _checkpoint(store: ox.Store, folder: Path | None) -> Iterator[None]:
    """A checkpoint of the store and the marker that makes the next opening restore it, removed (marker
    first: the commit point) once the block completed."""
    if folder is None:  # in memory: nothing survives a kill anyway
        yield
        return
    checkpoint, marker = folder / CHECKPOINT, folder / MARKER
    shutil.rmtree(checkpoint, ignore_errors=True)
    store.flush()
    store.backup(str(checkpoint))
    _write_durably(marker, "a load is in progress; the next opening restores load-checkpoint\n")
    yield
    store.flush()
    marker.unlink()
    shutil.rmtree(checkpoint, ignore_errors=True)


def _write_durably(path: Path, text: str) -> None:
    with path.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def staging_folder(folder: Path | None) -> Iterator[Path]:
    """A fresh staging folder (inside the store folder: same disk), removed afterwards."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="ai4c-load-") as tmp:
            yield Path(tmp)
        return
    path = folder / STAGING
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def holds_data(store: ox.Store) -> bool:
    """Whether the store holds any quad outside the entailment graph."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        return True
    return any(g != ox.NamedNode(entailment.GRAPH) for g in store.named_graphs())


def _extend(into: GeometryEntries, more: GeometryEntries, seen: set) -> None:
    """Append entries not seen yet (a file may repeat a triple chunks apart; the index must not)."""
    keys = list(zip(more.subjects, more.predicates, more.literals, strict=True))
    names = ("subjects", "predicates", "literals", "geoms", "crss")
    fresh = set(keys)
    if len(fresh) == len(keys) and fresh.isdisjoint(seen):  # all new (the usual case): whole lists at once
        seen |= fresh
        for name in names:
            getattr(into, name).extend(getattr(more, name))
        return
    for i, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            for name in names:
                getattr(into, name).append(getattr(more, name)[i])
