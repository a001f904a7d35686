"""Execute a parsed mapping: stream records, build terms, yield quads (no whole-dataset state)."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad

from ai4c.core.log import warn
from ai4c.linked.mapping import functions as geometry_functions
from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.collections import NIL, structure
from ai4c.linked.mapping.columnar import plan
from ai4c.linked.mapping.fnml_library import LIBRARY
from ai4c.linked.mapping.model import Mapping, RefObjectMap, TermMap, TriplesMap
from ai4c.linked.mapping.source_base import Source
from ai4c.linked.mapping.sources import open_source
from ai4c.linked.mapping.star import QuotedTriple
from ai4c.linked.mapping.term_maker import TermMaker, blank_node, lexical
from ai4c.linked.mapping.writer import line_of

RDF_TYPE = NamedNode(v.RDF_TYPE)
DEFAULT = DefaultGraph()
NO_TARGET: frozenset[str] = frozenset()
DEFAULTS = [(DEFAULT, NO_TARGET)]
BASE = re.compile(r"^\s*(?:@base|BASE)\s*<([^>]*)>", re.MULTILINE | re.IGNORECASE)
DEFAULT_BASE = "http://example.com/"
FUNCTION_KINDS = ("function", "fnml")
ROW_ID = "GeoTriplesID"  # GeoTriples' row number (1-based), a reference every source answers


def mapping_base(path: Path) -> str:
    """The @base the mapping declares (R2RML's base IRI for relative IRIs), else http://example.com/."""
    match = BASE.search(Path(path).read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else DEFAULT_BASE


def references_of(tm: TermMap | None) -> set[str]:
    """Every reference a term map reads."""
    if tm is None:
        return set()
    refs = set()
    if tm.kind == "reference":
        refs.add(tm.reference)
    elif tm.kind == "template":
        refs.update(tm.template.references)
    elif tm.kind == "function":
        for arg in tm.function.arguments:
            refs |= references_of(arg)
    elif tm.kind == "fnml":
        for _, arg in tm.execution.inputs:
            refs |= references_of(arg)
    refs |= references_of(tm.condition)
    return refs | references_of(tm.language_map) | references_of(tm.datatype_map)


def map_references(tmap: TriplesMap, mapping: Mapping) -> set[str]:
    """References a triples map reads from its own source (for the unknown-reference check)."""
    graphs = tmap.subject_graphs + [g for pom in tmap.poms for g in pom.graphs]
    maps = [tmap.subject] + [g for g in graphs if g.term_type != "literal"]  # literal graphs are never read
    refs: set[str] = set()
    for pom in tmap.poms:
        maps += pom.predicates + pom.objects
        for ref in pom.ref_objects:
            for j in ref.joins:
                refs |= {j.child} if j.child is not None else references_of(j.child_map)
            if not ref.joins:
                refs |= references_of(mapping.triples_maps[ref.parent].subject)
    for tm in maps:
        refs |= references_of(tm)
    return refs - {ROW_ID}


def _line_chunks(statements: Iterator[tuple], with_graph: bool, size: int = 4096) -> Iterator[list[str]]:
    """Lines of statements, `size` at a time."""
    while chunk := [line_of(st, with_graph) for st in itertools.islice(statements, size)]:
        yield chunk


class Executor:
    """Runs every triples map of a mapping in turn."""

    def __init__(self, mapping: Mapping, base_iri: str | None = None, srid: str | None = None) -> None:
        self.mapping = mapping
        self.srid = srid  # EPSG code of geometries whose source names no CRS (GeoTriples' -s)
        self.maker = TermMaker(base_iri or mapping_base(mapping.path))
        self.maker.evaluate = self.function_values  # language/datatype maps may be functions too
        self.join_index: dict[tuple, dict] = {}
        self.routed = bool(mapping.targets)  # RML-IO logical targets: triples carry their target ids
        self.pending: list[tuple] = []  # RML-CC collections made on the current record
        self.named: dict[tuple, list] = {}
        self.renamed: dict[tuple, BlankNode] = {}  # labelled collection heads used in a named graph  # RML-CC named collections: (head, graph) -> kind, members, targets
        self.warned: set[str] = set()

    def _warn(self, message: str) -> None:
        """Log a data problem once."""
        if message not in self.warned:
            self.warned.add(message)
            warn(message)

    def quads(self) -> Iterator[Quad]:
        """All quads of the mapping as pyoxigraph Quads."""
        for s, p, o, g in self.statements():
            yield Quad(s, p, o, g)

    def statements(self) -> Iterator[tuple]:
        """All (subject, predicate, object, graph) tuples, map by map, record by record."""
        for s, p, o, g, _ in self.routed_statements():
            yield s, p, o, g

    def routed_statements(self) -> Iterator[tuple]:
        """(subject, predicate, object, graph, logical-target ids) tuples; no ids: the default output."""
        for tmap in self.mapping.triples_maps.values():
            if tmap.asserted:
                yield from self._run_map(tmap)
        yield from self._named_collections()

    def line_blocks(self, with_graph: bool) -> Iterator[list[str]]:
        """The N-Triples (N-Quads) lines of routed_statements in lists: plain CSV maps built a batch of rows at
        a time (columnar), the others statement by statement."""
        for tmap in self.mapping.triples_maps.values():
            if not tmap.asserted:
                continue
            columnar = None if self.routed else plan(tmap, self.mapping, self.maker.base)
            if columnar is not None:
                yield from columnar.blocks(map_references(tmap, self.mapping))
            else:
                yield from _line_chunks(self._run_map(tmap), with_graph)
        yield from _line_chunks(self._named_collections(), with_graph)

    def _run_map(self, tmap: TriplesMap) -> Iterator[tuple]:
        if any(g.term_type == "literal" for g in tmap.subject_graphs):
            self._warn(f"triples map <{tmap.id}> puts its subjects in a literal graph (not an IRI); "
                       "it yields no triples")
            return
        source = open_source(tmap.source)
        classes = [NamedNode(c) for c in tmap.classes]
        for record in source.records():
            yield from self._record(tmap, classes, source, self._lookup(source, record))
        source.check(map_references(tmap, self.mapping))

    @staticmethod
    def _lookup(source: Source, record):
        """The reference -> values function of one record (GeoTriplesID is the row number)."""
        count, find = source.count, source.lookup

        def lookup(ref: str) -> list:
            return [str(count)] if ref == ROW_ID else find(record, ref)

        lookup.record = record  # for raw (untextualised) values of function arguments
        lookup.source = source
        return lookup

    def _eval(self, tm: TermMap, source: Source, lookup) -> list:
        """Terms of a term map on a record, functions included."""
        if tm.condition is not None and not self._holds(tm.condition, lookup):
            return []
        if tm.gather is not None:
            return self._gather(tm, source, lookup)
        if tm.kind == "constant":
            return [tm.constant]
        if tm.kind in FUNCTION_KINDS:
            return self.maker.terms(tm, lookup, tm.kind == "fnml", values=self.function_values(tm, lookup))
        if tm.kind in ("quoted", "parent"):
            return self._referenced(tm.quoted, source, lookup, quoted=tm.kind == "quoted")
        return self.maker.terms(tm, lookup, source.natural)

    def _gather(self, tm: TermMap, source: Source, lookup) -> list:
        """Heads of the collections a gather map makes on a record; their triples wait in self.pending
        until the record's graphs are known."""
        gather = tm.gather
        values = [self._eval(m, source, lookup) for m in gather.maps]
        combos = itertools.product(*values) if gather.cartesian else [itertools.chain.from_iterable(values)]
        heads = []
        for combo in combos:
            members = list(combo)
            if not members and not gather.allow_empty:
                continue
            if not members and gather.kind == "List":
                heads.append(NIL)
                continue
            if tm.kind == "gather":
                head = BlankNode()
            else:
                names = [tm.constant] if tm.kind == "constant" else self.maker.terms(tm, lookup, source.natural)
                if not names:
                    continue
                head = names[0]
            self.pending.append((head, members, gather.kind, tm.kind != "gather", tm.targets))
            heads.append(head)
        return heads

    def _flush(self, graphs: list, targets: frozenset) -> Iterator[tuple]:
        """The triples of the collections made since the last flush, in the graphs of the triples using them;
        named collections (an IRI or labelled head) gather members across records until the end."""
        pending, self.pending = self.pending, []
        for head, members, kind, named, own_targets in pending:
            for graph, graph_targets in graphs:
                routes = targets | own_targets | graph_targets
                if named:
                    if isinstance(head, BlankNode) and graph != DEFAULT:  # a labelled node is one per graph
                        self.renamed[(head, graph)] = blank_node(f"{head.value} {graph}")
                    entry = self.named.setdefault((self.renamed.get((head, graph), head), graph), [kind, [], routes])
                    entry[1].extend(members)
                    continue
                for s, p, o in structure(head, members, kind):
                    yield s, p, o, graph, routes

    def _named_collections(self) -> Iterator[tuple]:
        """The named collections, once every record has added its members."""
        for (head, graph), (kind, members, routes) in self.named.items():
            for s, p, o in structure(head, members, kind):
                yield s, p, o, graph, routes
        self.named.clear()

    def _holds(self, condition: TermMap, lookup) -> bool:
        """Whether an rml:condition gives true on a record."""
        values = self.maker.strings(condition, lookup, False)
        return any(value is True or str(value).lower() == "true" for value in values)

    def function_values(self, tm: TermMap, lookup) -> list:
        """Values of a GeoTriples (rrx:function) or FNML term map on a record (the term maker's hook)."""
        source = lookup.source
        if tm.kind == "function":
            args = [self._raw(a, source, lookup) for a in tm.function.arguments]
            result = geometry_functions.call(tm.function.name, args[0] if args else [], source.crs or self.srid)
            return [] if result is None else [result]
        spec = LIBRARY[tm.execution.function]
        raw = spec.needs_crs  # geometry functions take the raw values (shapely geometries, GML elements)
        arguments = []
        for _, arg in tm.execution.inputs:
            values = self._raw(arg, source, lookup) if raw else [
                x if isinstance(x, str) else lexical(x) for x in self._input(arg, source, lookup)]
            if not values:
                return []  # a missing input: no value, no triple
            arguments.append(values)
        names = [p for p, _ in tm.execution.inputs]
        if raw:
            result = spec.call(arguments[0], source.crs or self.srid)
            return [] if result is None else [result]
        out = []
        for combo in itertools.product(*arguments):
            order = dict(zip(names, combo, strict=True))
            result = spec.call(*[order[p] for p in spec.parameters if p in order])
            if result is not None:
                out.append(result)
        return out

    def _input(self, tm: TermMap, source: Source, lookup) -> list:
        """Values of an FNML input term map (constants as their text)."""
        if tm.kind == "constant":
            return [tm.constant.value]
        if tm.kind in FUNCTION_KINDS:
            return self.function_values(tm, lookup)
        return self.maker.strings(tm, lookup, source.natural)

    def _raw(self, tm: TermMap, source: Source, lookup) -> list:
        """Raw values of a function argument (geometries stay geometries)."""
        if tm.kind == "reference":
            raw = getattr(source, "raw", None)
            return raw(lookup.record, tm.reference) if raw and tm.reference != ROW_ID else lookup(tm.reference)
        return self._input(tm, source, lookup)

    def _graphs(self, maps: list[TermMap], source: Source, lookup) -> list | None:
        """(graph, targets) pairs of a record; None when a graph map gives a non-IRI (an R2RML data error:
        no triples)."""
        graphs = []
        for tm in maps:
            if tm.term_type == "literal":  # can never name a graph: the map yields no triples
                self._warn(f"graph map {tm.node} is typed rr:Literal; its triples are dropped")
                return None
            for g in self._eval(tm, source, lookup):
                if not isinstance(g, NamedNode | DefaultGraph):
                    self.maker.skipped += 1
                    return None
                graphs.append((DEFAULT if isinstance(g, NamedNode) and g.value == v.rr("defaultGraph") else g,
                               tm.targets))
        return graphs

    def _pairs(self, maps: list[TermMap], source: Source, lookup) -> list[tuple]:
        """(term, targets) pairs of term maps on a record."""
        return [(term, tm.targets) for tm in maps for term in self._eval(tm, source, lookup)]

    def _record(self, tmap: TriplesMap, classes: list, source: Source, lookup) -> Iterator[tuple]:
        subjects = self._eval(tmap.subject, source, lookup)
        if not subjects:
            return
        subject_graphs = self._graphs(tmap.subject_graphs, source, lookup) if tmap.subject_graphs else []
        if subject_graphs is None:
            return
        st = tmap.subject.targets
        if self.pending:  # a gather map as subject
            yield from self._flush(subject_graphs or DEFAULTS, NO_TARGET)
        for subject in subjects:
            for graph, gt in subject_graphs or DEFAULTS:
                for cls in classes:
                    yield subject, RDF_TYPE, cls, graph, st | gt
        for pom in tmap.poms:
            predicates = self._pairs(pom.predicates, source, lookup)
            if not predicates:
                continue
            objects = self._pairs(pom.objects, source, lookup)
            for ref in pom.ref_objects:
                objects += [(o, NO_TARGET) for o in self._parents(ref, tmap, source, lookup)]
            if not objects:
                continue
            pom_graphs = self._graphs(pom.graphs, source, lookup) if pom.graphs else []
            if pom_graphs is None:
                self.pending.clear()
                continue
            graphs = subject_graphs + pom_graphs or DEFAULTS
            if self.pending:  # gather maps among the objects
                yield from self._flush(graphs, st)
            renamed, self.renamed = self.renamed, {}
            if not (self.routed or renamed) and len(subjects) == len(predicates) == len(graphs) == 1:
                s, p, g = subjects[0], predicates[0][0], graphs[0][0]  # the common case, no targets
                for o, _ in objects:
                    yield s, p, o, g, NO_TARGET
                continue
            for s, (p, pt), (o, ot), (g, gt) in itertools.product(subjects, predicates, objects, graphs):
                yield s, p, renamed.get((o, g), o) if renamed else o, g, st | pt | ot | gt

    def _parents(self, ref: RefObjectMap, tmap: TriplesMap, source: Source, lookup) -> list:
        """Subjects of the parent map joined with this record."""
        return self._referenced(ref, source, lookup, quoted=False)

    def _referenced(self, ref: RefObjectMap, source: Source, lookup, quoted: bool) -> list:
        """Terms of a referenced map joined with this record: its subjects, or (RML-star) its triples."""
        parent = self.mapping.triples_maps[ref.parent]
        if not ref.joins:
            if parent.source.key() == source.spec.key():  # the same record
                return self._terms_of(parent, source, lookup, quoted)
            return list(dict.fromkeys(itertools.chain.from_iterable(self._index(parent, (), quoted).values())))
        index = self._index(parent, tuple(ref.joins), quoted)
        child_values = [self._side(j.child, j.child_map, source, lookup) for j in ref.joins]
        out = []
        for key in itertools.product(*child_values):
            out.extend(index.get(key, ()))
        return list(dict.fromkeys(out))

    def _terms_of(self, parent: TriplesMap, source: Source, lookup, quoted: bool) -> list:
        """A map's subjects on a record, or its triples as quoted-triple terms."""
        if not quoted:
            return self._eval(parent.subject, source, lookup)
        classes = [NamedNode(c) for c in parent.classes]
        return list(dict.fromkeys(QuotedTriple(s, p, o) for s, p, o, _, _ in self._record(parent, classes, source,
                                                                                           lookup)))

    def _side(self, reference: str | None, tm: TermMap | None, source: Source, lookup) -> list[str]:
        """Join values of one side of a condition on a record (a reference, or an expression map)."""
        values = lookup(reference) if reference is not None else self.maker.strings(tm, lookup, source.natural)
        return [str(x) for x in values]

    def _index(self, parent: TriplesMap, joins: tuple, quoted: bool = False) -> dict:
        """Parent terms keyed by their join values, built once per (parent, join parents, quoted)."""
        key = (parent.id, tuple(j.parent_key() for j in joins), quoted)
        if key not in self.join_index:
            index: dict[tuple, list] = defaultdict(list)
            source = open_source(parent.source)
            for record in source.records():
                lookup = self._lookup(source, record)
                terms = self._terms_of(parent, source, lookup, quoted)
                values = [self._side(j.parent, j.parent_map, source, lookup) for j in joins]
                for combo in itertools.product(*values):
                    index[combo].extend(terms)
            columns = {j.parent for j in joins if j.parent is not None}
            columns |= set().union(*(references_of(j.parent_map) for j in joins))
            source.check((columns | references_of(parent.subject)) - {ROW_ID})
            self.join_index[key] = index
        return self.join_index[key]
