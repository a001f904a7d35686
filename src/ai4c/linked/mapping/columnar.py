"""Columnar execution of plain CSV triples maps: the N-Triples lines of a batch of rows built with C-level
string operations (str.format over columns, one regex scan per column) instead of term objects per row.

Only maps whose every term is a constant, an IRI-safe IRI template, or a literal reference/template with a
constant datatype or language run here; the lines are the record-by-record engine's, in the same order
(classes, then each predicate-object map), so duplicate removal and output are unchanged. Any other map
(functions, joins, graph maps, conditions, collections, non-UTF-8 files...) returns no plan and runs on
the engine."""

from __future__ import annotations

import contextlib
import csv
import gc
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from ai4c.core.errors import InvalidProductError
from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.model import Mapping, TermMap, TriplesMap
from ai4c.linked.mapping.sources import CsvSource
from ai4c.linked.mapping.term_maker import SCHEME, UNSAFE, iri_safe

BATCH_ROWS = 20_000  # CSV rows turned into lines at a time (memory stays flat)
ROW_ID = "GeoTriplesID"
SCHEME_CHARS = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f]')
SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
ESCAPES = {i: SHORT_ESCAPES.get(chr(i), f"\\u{i:04X}") for i in [*range(0x20), 0x22, 0x5C, 0x7F]}
IRI_SAMPLES = ("", "a", "%C3%A9-._~0")  # what iri_safe values look like: unreserved characters, %XX


def nt_escape(text: str) -> str:
    """A string as N-Triples literal content, escaped exactly as pyoxigraph writes it."""
    return text.translate(ESCAPES)


def _braces(text: str) -> str:
    """Constant text inside a str.format pattern."""
    return text.replace("{", "{{").replace("}", "}}")


@dataclass
class TermPattern:
    """One term as a str.format pattern over encoded columns: (column, 'iri' | 'literal') per `{}`."""

    pattern: str
    arguments: tuple[tuple[str, str], ...] = ()


def _literal_suffix(tm: TermMap) -> str | None:
    """What follows a literal's closing quote (@lang, ^^<datatype> or nothing), or None when the map's literals
    are not plain text with a constant tag (the engine decides then)."""
    try:
        if tm.language:
            sample = Literal("x", language=tm.language)
        elif tm.datatype and tm.datatype not in (v.XSD + "string", v.RDF + "langString"):
            sample = Literal("x", datatype=NamedNode(tm.datatype))
        elif tm.datatype:
            return "" if tm.datatype == v.XSD + "string" else None
        else:
            return ""
    except ValueError:
        return None
    return str(sample)[3:]


def _iri_prefix(first: str, base: str) -> str | None:
    """What goes before a template's first part: '' when it names its scheme, the base IRI when it can never
    (percent-encoded values bring no ':'), None when a value decides."""
    if SCHEME.match(first):
        return ""
    if first and not SCHEME_CHARS.fullmatch(first):
        return base
    return None


def _iri_template(tm: TermMap, base: str) -> TermPattern | None:
    """An IRI template whose IRIs are valid whatever the (percent-encoded) values are."""
    parts = tm.template.parts
    prefix = _iri_prefix(parts[0], base)
    if prefix is None:
        return None
    for sample in IRI_SAMPLES:
        try:
            NamedNode(prefix + sample.join(parts))
        except ValueError:  # a value in a port, a bracketed host...: only some values make an IRI
            return None
    pattern = "<" + "{}".join(_braces(part) for part in [prefix + parts[0], *parts[1:]]) + ">"
    return TermPattern(pattern, tuple((ref, "iri") for ref in tm.template.references))


def term_pattern(tm: TermMap, base: str) -> TermPattern | None:
    """The pattern of a term map, or None when it needs the engine."""
    if tm.condition is not None or tm.gather is not None or tm.language_map is not None \
            or tm.datatype_map is not None:
        return None
    if tm.kind == "constant":
        return TermPattern(_braces(str(tm.constant)))
    if tm.kind == "template" and tm.term_type == "iri" and not tm.unsafe:
        return _iri_template(tm, base)
    if tm.term_type != "literal" or tm.kind not in ("reference", "template"):
        return None
    suffix = _literal_suffix(tm)
    if suffix is None:
        return None
    if tm.kind == "reference":
        return TermPattern('"{}"' + _braces(suffix), ((tm.reference, "literal"),))
    parts = [_braces(nt_escape(part)) for part in tm.template.parts]
    return TermPattern('"' + "{}".join(parts) + '"' + _braces(suffix),
                       tuple((ref, "literal") for ref in tm.template.references))


@dataclass
class ColumnarPlan:
    """The line patterns of a triples map, in the engine's order, over its CSV source."""

    source: CsvSource
    lines: list[TermPattern]

    @property
    def row_numbers(self) -> bool:
        """Whether a line reads GeoTriplesID (the row number)."""
        return any(ref == ROW_ID for line in self.lines for ref, _ in line.arguments)

    def blocks(self, references: set[str]) -> Iterator[list[str]]:
        """Lists of N-Triples lines, one list per batch of rows; unknown references fail before any line
        (as the engine's check does)."""
        source = self.source
        with source.handle:
            source.check(references)
            while True:
                with gc_paused():  # millions of short-lived row lists: the collector would only slow them
                    rows = _next_rows(source)
                    if rows is None:
                        return
                    start, count = source.count, len(rows)
                    source.count += count
                    columns = dict(zip(source.fieldnames, zip(*rows, strict=True), strict=True))
                    del rows
                    if self.row_numbers:
                        columns[ROW_ID] = tuple(map(str, range(start + 1, start + count + 1)))
                    lines = self._lines(columns, count)
                yield lines

    def _lines(self, columns: dict[str, tuple], count: int) -> list[str]:
        """The lines of a batch, record by record, each record's lines in the plan's order."""
        encoded: dict[tuple[str, str], tuple] = {}
        made = []
        for line in self.lines:
            arguments = [encoded[a] if a in encoded else encoded.setdefault(a, _encode(columns[a[0]], a[1]))
                         for a in line.arguments]
            made.append(list(map(line.pattern.format, *arguments)) if arguments else [line.pattern] * count)
        nulls = self.source.spec.null_values
        if nulls:
            made = [_drop_nulls(lines, [columns[ref] for ref, _ in line.arguments], set(nulls))
                    for lines, line in zip(made, self.lines, strict=True)]
            return [x for x in itertools.chain.from_iterable(zip(*made, strict=True)) if x is not None]
        return made[0] if len(made) == 1 else list(itertools.chain.from_iterable(zip(*made, strict=True)))


def _drop_nulls(lines: list[str], arguments: list[tuple], nulls: set[str]) -> list[str | None]:
    """The lines with None where a value read is NULL (csvw:null): no term, no triple."""
    return [None if any(values[i] in nulls for values in arguments) else line for i, line in enumerate(lines)]


def _encode(values: tuple, how: str) -> tuple:
    """A column as IRI-safe text or as escaped literal content; one scan when nothing needs changing."""
    check, change = (UNSAFE, iri_safe) if how == "iri" else (NEEDS_ESCAPE, nt_escape)
    if check.search("".join(values)) is None:
        return values
    return tuple(map(change, values))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a block (turned back on only if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _next_rows(source: CsvSource) -> list[list[str]] | None:
    """The next batch of non-blank CSV rows, checked against the header's width (as the engine does); None at
    the end of the file."""
    width = len(source.fieldnames)
    while True:
        rows = list(itertools.islice(source.reader, BATCH_ROWS))
        if not rows:
            return None
        if [] in rows:  # csv.DictReader skips blank lines
            rows = [row for row in rows if row]
        if set(map(len, rows)) - {width}:
            bad = next(i for i, row in enumerate(rows) if len(row) != width)
            raise InvalidProductError(f"rml:source {source.spec.path}: row {source.count + bad + 1} has a "
                                      f"different number of fields than the header ({width}); fix the CSV file")
        if rows:
            return rows


def _open_csv(source: CsvSource) -> bool:
    """Open a source's file with the engine's dialect (BOM tolerated) and read its header; False (file closed)
    when the header has no column or a repeated one (the engine's dict rows decide those)."""
    source._require_file()
    encoding = "utf-8-sig" if source.spec.encoding.lower() in ("utf-8", "utf8") else source.spec.encoding
    source.handle = open(source.spec.path, newline="", encoding=encoding)
    delimiter = "\t" if source.spec.path.suffix.lower() == ".tsv" else source.spec.delimiter
    source.reader = csv.reader(source.handle, delimiter=delimiter)
    source.fieldnames = next(source.reader, [])
    source.header = set(source.fieldnames)
    if source.fieldnames and len(source.header) == len(source.fieldnames):
        return True
    source.handle.close()
    return False


def plan(tmap: TriplesMap, mapping: Mapping, base: str) -> ColumnarPlan | None:
    """The columnar plan of a triples map (its file opened, header read), or None when the engine must run it."""
    if tmap.source.kind != "csv" or tmap.subject_graphs or tmap.subject.term_type != "iri":
        return None
    subject = term_pattern(tmap.subject, base)
    if subject is None:
        return None
    lines = [_line(subject, TermPattern(f"<{v.RDF_TYPE}>"), TermPattern(_braces(f"<{c}>"))) for c in tmap.classes]
    for pom in tmap.poms:
        if pom.graphs or not pom.objects and not pom.ref_objects:
            return None
        predicates = [term_pattern(p, base) if p.kind == "constant" else None for p in pom.predicates]
        objects = [term_pattern(o, base) for o in pom.objects]
        for ref in pom.ref_objects:  # the parent's subject on the same record
            parent = mapping.triples_maps[ref.parent]
            same = not ref.joins and parent.source.key() == tmap.source.key()
            objects.append(term_pattern(parent.subject, base) if same and parent.subject.term_type == "iri" else None)
        if None in predicates or None in objects:
            return None
        lines += [_line(subject, p, o) for p in predicates for o in objects]
    source = CsvSource(tmap.source)
    return ColumnarPlan(source, lines) if _open_csv(source) else None


def _line(subject: TermPattern, predicate: TermPattern, obj: TermPattern) -> TermPattern:
    """The pattern of one N-Triples line."""
    return TermPattern(f"{subject.pattern} {predicate.pattern} {obj.pattern} .\n",
                       subject.arguments + predicate.arguments + obj.arguments)
