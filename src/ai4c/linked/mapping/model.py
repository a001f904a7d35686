"""The parsed form of a mapping: triples maps, logical sources and term maps (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode


@dataclass
class Template:
    """A string template: literal parts and references, alternating (`parts[0] ref[0] parts[1] ...`)."""

    text: str
    parts: list[str]
    references: list[str]


@dataclass
class FunctionCall:
    """A GeoTriples function (rrx:function) over argument term maps, e.g. asWKT(geometry)."""

    name: str
    arguments: list[TermMap]


@dataclass
class Execution:
    """An RML-FNML function execution: the function IRI, (parameter IRI, term map) inputs, the output asked."""

    function: str
    inputs: list[tuple[str, TermMap]]
    output: str


@dataclass
class Gather:
    """An RML-CC gather map: the term maps whose values become members, gathered as rdf:List, Bag, Seq or
    Alt, appended (default) or one collection per combination (rml:cartesianProduct)."""

    maps: list[TermMap]
    kind: str  # List | Bag | Seq | Alt
    cartesian: bool = False
    allow_empty: bool = False  # rml:allowEmptyListAndContainer


@dataclass
class TermMap:
    """How one RDF term is made from a record: constant, reference, template or function."""

    kind: str  # constant | reference | template | function (GeoTriples) | fnml | quoted | parent | gather | fresh
    term_type: str  # iri | bnode | literal | quoted
    constant: NamedNode | BlankNode | Literal | None = None
    reference: str | None = None
    template: Template | None = None
    function: FunctionCall | None = None
    language: str | None = None
    language_map: TermMap | None = None
    datatype: str | None = None
    datatype_map: TermMap | None = None
    unsafe: bool = False  # RML-Core rml:UnsafeIRI: template values are not percent-encoded
    node: str = ""  # the mapping node, for messages
    execution: Execution | None = None  # kind fnml
    quoted: RefObjectMap | None = None  # kind quoted (RML-star): another map's triples; kind parent: subjects
    gather: Gather | None = None  # RML-CC: the term is the head of a collection of these values
    condition: TermMap | None = None  # RML-FNML rml:condition: no term unless it gives true
    targets: frozenset[str] = frozenset()  # RML-IO logical targets of the triples this map takes part in


@dataclass
class Join:
    """One join condition: child and parent references (rml:child / rml:parent), or expression maps
    (rml:childMap / rml:parentMap: constant, template, function) where they are not plain references."""

    child: str | None
    parent: str | None
    child_map: TermMap | None = None
    parent_map: TermMap | None = None

    def parent_key(self):
        """A hashable identity of the parent side (for the join index)."""
        return self.parent if self.parent is not None else id(self.parent_map)


@dataclass
class RefObjectMap:
    """An object taken from another triples map's subjects, optionally joined on conditions."""

    parent: str  # id of the parent triples map
    joins: list[Join] = field(default_factory=list)


@dataclass
class PredicateObjectMap:
    """Predicates x objects (plain term maps or referencing object maps) in some graphs."""

    predicates: list[TermMap]
    objects: list[TermMap]
    ref_objects: list[RefObjectMap]
    graphs: list[TermMap]


@dataclass
class LogicalSource:
    """Where the records come from: a file (CSV/JSON/XML/vector) or a database table/query."""

    kind: str  # csv | json | xml | vector | sql
    path: Path | None = None
    iterator: str | None = None
    table: str | None = None
    query: str | None = None
    dsn: str | None = None
    user: str | None = None
    password: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    null_values: tuple[str, ...] = ()
    natural: bool = False  # JSON numbers and booleans as typed literals (RML-IO); legacy RML: strings
    compression: str | None = None  # RML-IO: gzip, zip, targz, tarxz (the file is unpacked before reading)
    namespaces: dict[str, str] = field(default_factory=dict)  # XPath prefixes (rml:namespace)
    view: LogicalView | None = None  # kind view (RML-LV)

    def key(self) -> tuple:
        """Identity of the source: two maps over the same key read the same records."""
        view = self.view.id if self.view else None
        return (self.kind, str(self.path), self.iterator, self.table, self.query, self.dsn, view)


@dataclass
class Field:
    """A field of a logical view: an expression (reference, constant, template) or an iterable (an iterator
    over the parent value), with nested fields; `formulation` changes the reference formulation below it."""

    name: str
    kind: str  # expression | iterable
    expression: TermMap | None = None
    iterator: str | None = None
    formulation: str | None = None  # csv | json | xml
    children: list[Field] = field(default_factory=list)


@dataclass
class ViewJoin:
    """A left or inner join of a logical view with a parent view, adding the parent's fields."""

    parent: LogicalSource
    inner: bool
    conditions: list[Join]
    fields: list[Field]


@dataclass
class LogicalView:
    """An RML-LV logical view: records of fields computed over another logical source or view."""

    id: str
    parent: LogicalSource
    fields: list[Field]
    joins: list[ViewJoin] = field(default_factory=list)


@dataclass
class TriplesMap:
    """One triples map: a logical source, a subject map with classes and graphs, and its POMs."""

    id: str
    source: LogicalSource
    subject: TermMap
    classes: list[str]
    subject_graphs: list[TermMap]
    poms: list[PredicateObjectMap]
    asserted: bool = True  # RML-star rml:NonAssertedTriplesMap: its triples are only quoted, never output


@dataclass
class LogicalTarget:
    """An RML-IO logical target: a file the triples of the term maps naming it are written to."""

    id: str
    path: Path
    serialization: str = "nquads"  # ntriples | nquads | turtle | trig | rdfxml | jsonld | n3 | rdfjson
    compression: str | None = None  # gzip | zip | targz | tarxz
    encoding: str = "utf-8"


@dataclass
class Mapping:
    """A whole mapping document."""

    path: Path
    triples_maps: dict[str, TriplesMap]
    targets: dict[str, LogicalTarget] = field(default_factory=dict)
