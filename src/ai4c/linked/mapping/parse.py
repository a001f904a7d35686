"""Read an R2RML / RML mapping (Turtle) into the dataclasses of `model`, validating as we go."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote, urlparse

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, RdfFormat, parse

from ai4c.core.errors import BadInputError, InputNotFoundError
from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.model import (
    FunctionCall,
    Join,
    LogicalSource,
    Mapping,
    PredicateObjectMap,
    RefObjectMap,
    Template,
    TermMap,
    TriplesMap,
)
from ai4c.linked.mapping.parse_cc import parse_gather
from ai4c.linked.mapping.parse_fnml import condition, function_term_map
from ai4c.linked.mapping.parse_io import term_targets
from ai4c.linked.mapping.parse_lv import is_view, join_condition, parse_view
from ai4c.linked.mapping.sparql_source import SPARQL_FORMULATIONS

LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
FORMULATIONS = {v.rr("CSV"): "csv", v.rr("TSV"): "csv", v.rr("JSONPath"): "json", v.rr("XPath"): "xml",
                v.rr("SQL"): "sql", v.rr("Shapefile"): "vector", v.rr("SHP"): "vector", v.rr("GeoJSON"): "vector"}
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".xml": "xml", ".gml": "vector", ".shp": "vector",
              ".geojson": "vector", ".gpkg": "vector", ".kml": "vector", ".fgb": "vector"}


class MappingError(BadInputError, ValueError):
    """A mapping document that is not valid R2RML/RML."""


class Graph:
    """The mapping's triples indexed by subject, with predicates folded to the canonical vocabulary."""

    def __init__(self, triples: list) -> None:
        self.index: dict = defaultdict(lambda: defaultdict(list))
        # a mapping in the W3C RML vocabulary gets its sources' natural datatypes (JSON numbers, booleans)
        self.core = any(t.predicate.value.startswith(v.RML_CORE) for t in triples)
        for t in triples:
            obj = NamedNode(v.canonical(t.object.value)) if isinstance(t.object, NamedNode) else t.object
            self.index[t.subject][v.canonical(t.predicate.value)].append(obj)

    def all(self, node, local: str) -> list:
        """Every object of (node, rr:local)."""
        return list(self.index.get(node, {}).get(v.rr(local), []))

    def get(self, node, local: str, required: bool = False):
        """The single object of (node, rr:local), None when absent; several values are an error."""
        values = self.all(node, local)
        if len(values) > 1:
            raise MappingError(f"{_name(node)} has {len(values)} rr/rml:{local} values; give exactly one")
        if not values and required:
            raise MappingError(f"{_name(node)} has no rr/rml:{local}; add one")
        return values[0] if values else None

    def iri(self, node, predicate: str) -> str | None:
        """The value of a non-mapping property (d2rq:, csvw:) as a string."""
        values = self.index.get(node, {}).get(predicate, [])
        return values[0].value if values else None

    def list(self, node) -> list:
        """The members of an RDF collection."""
        items = []
        while node is not None and not (isinstance(node, NamedNode) and node.value == v.RDF_NIL):
            items.append(self.index[node][v.RDF_FIRST][0])
            rest = self.index[node][v.RDF_REST]
            node = rest[0] if rest else None
        return items


def _name(node) -> str:
    return f"<{node.value}>" if isinstance(node, NamedNode) else f"[{node}]"


def read_triples(path: Path, base_iri: str | None = None) -> list:
    """Parse the mapping file; a syntax error names the file, line and column."""
    if not path.is_file():
        raise InputNotFoundError(f"mapping file {path} does not exist; give the path of a Turtle mapping")
    base = base_iri or path.resolve().as_uri()
    try:
        return list(parse(path=str(path), format=RdfFormat.TURTLE, base_iri=base))
    except SyntaxError as exc:
        raise MappingError(f"{path}: line {exc.lineno}, column {exc.offset}: malformed Turtle: "
                           f"{exc.msg}; fix the mapping syntax") from exc
    except (ValueError, OSError) as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc}; fix the mapping syntax") from exc


def parse_template(text: str) -> Template:
    """Split `a{b}c` into parts and references; backslash escapes braces and itself."""
    parts, refs, buf, ref, in_ref, i = [], [], [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            (ref if in_ref else buf).append(text[i + 1])
            i += 2
            continue
        if ch == "{" and not in_ref:
            in_ref = True
        elif ch == "}" and in_ref:
            parts.append("".join(buf))
            refs.append("".join(ref))
            buf, ref, in_ref = [], [], False
        elif ch in "{}":
            raise MappingError(f"template {text!r} has an unbalanced {ch!r}; escape literal braces as \\{ch}")
        else:
            (ref if in_ref else buf).append(ch)
        i += 1
    if in_ref:
        raise MappingError(f"template {text!r} has an unclosed '{{'; close the reference with '}}'")
    parts.append("".join(buf))
    return Template(text, parts, refs)


class Parser:
    """Builds the Mapping from the folded triples."""

    def __init__(self, graph: Graph, folder: Path, source_override: str | None) -> None:
        self.g, self.folder, self.override = graph, folder, source_override
        self.targets: dict = {}  # RML-IO logical targets met so far, by id
        self.views: dict = {}  # RML-LV logical views parsed so far, by id
        self.view_stack: list[str] = []  # views being parsed (cycle detection)

    def term_map(self, node, position: str) -> TermMap:
        """One term map node (position: subject, predicate, object or graph)."""
        g = self.g
        constant, reference = g.get(node, "constant"), g.get(node, "reference")
        template, function = g.get(node, "template"), g.iri(node, v.RRX + "function")
        term_type = g.get(node, "termType")
        tm = TermMap(kind="", term_type="", node=_name(node))
        if sum(x is not None for x in (constant, reference, template, function)) > 1:
            raise MappingError(f"term map {_name(node)} has several of constant/reference/template; keep one")
        if constant is not None:
            tm.kind, tm.constant = "constant", constant
        elif reference is not None:
            tm.kind, tm.reference = "reference", reference.value
        elif template is not None:
            tm.kind, tm.template = "template", parse_template(template.value)
        elif function is not None:
            args = g.index[node].get(v.RRX + "argumentMap", [])
            members = g.list(args[0]) if args else []
            tm.kind = "function"
            tm.function = FunctionCall(function.rsplit("/", 1)[-1].rsplit("#", 1)[-1],
                                       [self.term_map(a, "object") for a in members])
        elif function_term_map(self, node, tm):
            pass
        elif g.get(node, "quotedTriplesMap") is not None:  # RML-star
            tm.kind, tm.term_type = "quoted", "quoted"
            tm.quoted = self.ref_object(node, g.get(node, "quotedTriplesMap"))
            if position not in ("subject", "object"):
                raise MappingError(f"{position} map {tm.node} quotes a triples map; only subject and object "
                                   "maps may (rml:quotedTriplesMap)")
            tm.targets = term_targets(self, node)
            return tm
        elif g.get(node, "gather") is not None:  # RML-CC: an unnamed collection
            tm.kind = "gather"
        elif term_type is not None and term_type.value == v.rr("BlankNode"):
            tm.kind = "fresh"
        else:
            raise MappingError(f"{position} map {_name(node)} has no rr:constant, rml:reference or rr:template")
        self._typing(tm, node, position, term_type)
        tm.gather = parse_gather(self, node)
        if tm.gather is not None and term_type is None:  # a collection's head is a node, never a literal
            tm.term_type = "bnode" if tm.kind == "gather" else "iri"
        tm.condition = condition(self, node)
        tm.targets = term_targets(self, node).union(*(m.targets for m in (tm.language_map, tm.datatype_map) if m))
        return tm

    def _typing(self, tm: TermMap, node, position: str, term_type) -> None:
        """Language, datatype and term type with R2RML's defaults and checks."""
        g = self.g
        language, datatype = g.get(node, "language"), g.get(node, "datatype")
        lang_map, dt_map = g.get(node, "languageMap"), g.get(node, "datatypeMap")
        if language is not None:
            if not LANGUAGE.match(language.value):
                raise MappingError(f"rr:language {language.value!r} in {tm.node} is not a BCP 47 tag; use e.g. 'en'")
            tm.language = language.value.lower()
        tm.datatype = datatype.value if datatype is not None else None
        tm.language_map = self.term_map(lang_map, "object") if lang_map is not None else None
        tm.datatype_map = self.term_map(dt_map, "object") if dt_map is not None else None
        if term_type is not None:
            tm.term_type = {v.rr("IRI"): "iri", v.rr("UnsafeIRI"): "iri", v.rr("BlankNode"): "bnode",
                            v.rr("Literal"): "literal"}.get(term_type.value, "")
            tm.unsafe = term_type.value == v.rr("UnsafeIRI")
            if not tm.term_type:
                raise MappingError(f"rr:termType {term_type.value} in {tm.node} is unknown; use rr:IRI, "
                                   "rr:BlankNode or rr:Literal")
        elif tm.kind == "constant":
            tm.term_type = {NamedNode: "iri", BlankNode: "bnode", Literal: "literal"}[type(tm.constant)]
        elif position == "object" and (tm.kind in ("reference", "function", "fnml") or tm.language or tm.datatype
                                       or tm.language_map or tm.datatype_map):
            tm.term_type = "literal"
        else:
            tm.term_type = "iri"
        allowed = {"subject": ("iri", "bnode"), "predicate": ("iri",), "graph": ("iri", "bnode", "literal"),
                   "object": ("iri", "bnode", "literal")}[position]
        if tm.term_type not in allowed:
            raise MappingError(f"{position} map {tm.node} has term type {tm.term_type}; allowed: {', '.join(allowed)}")

    def shortcut_or_maps(self, node, local: str, position: str) -> list[TermMap]:
        """Term maps given as rr:xMap nodes or rr:x constant shortcuts."""
        maps = [self.term_map(n, position) for n in self.g.all(node, local + "Map")]
        return maps + self.constants(node, local, position)

    def constants(self, node, local: str, position: str) -> list[TermMap]:
        """Constant term maps given by the rr:subject/predicate/object/graph shortcuts."""
        maps = []
        for const in self.g.all(node, local):
            if isinstance(const, BlankNode) and const in self.g.index:  # a term map under the short name
                maps.append(self.term_map(const, position))
                continue
            kind = {NamedNode: "iri", BlankNode: "bnode", Literal: "literal"}[type(const)]
            if position == "graph" and const.value == v.rr("defaultGraph"):
                const = DefaultGraph()
            maps.append(TermMap(kind="constant", term_type=kind, constant=const, node=_name(node)))
        return maps

    def source(self, node) -> LogicalSource:
        """The logical source of a triples map."""
        return self.logical_source(self.g.get(node, "logicalSource", required=True))

    def join_condition(self, node) -> Join:
        """One rml:joinCondition (references or expression maps)."""
        return join_condition(self, node)

    def logical_source(self, ls) -> LogicalSource:
        """A logical source node (a file, a database, or an RML-LV logical view)."""
        g = self.g
        if is_view(g, ls):
            return parse_view(self, ls)
        src = g.get(ls, "source")
        formulation = g.get(ls, "referenceFormulation")
        iterator = g.get(ls, "iterator")
        table, query = g.get(ls, "tableName"), g.get(ls, "query")
        out = LogicalSource(kind=FORMULATIONS.get(formulation.value, "") if formulation is not None else "",
                            iterator=iterator.value if iterator is not None else None, natural=g.core)
        if formulation is not None and formulation.value in SPARQL_FORMULATIONS:  # RML-IO SPARQL results
            out.kind = "sparql"
            out.natural = not formulation.value.endswith(("CSV", "TSV"))  # CSV/TSV results: lexical forms
        if isinstance(formulation, BlankNode):  # RML-IO: [ a rml:XPathReferenceFormulation ; rml:namespace ... ]
            if v.rr("XPathReferenceFormulation") in [c.value for c in g.index[formulation].get(v.RDF_TYPE, [])]:
                out.kind = "xml"
            for ns in g.all(formulation, "namespace"):
                prefix, url = g.get(ns, "namespacePrefix"), g.get(ns, "namespaceURL")
                if prefix is not None and url is not None:
                    out.namespaces[prefix.value] = url.value
        if formulation is not None and formulation.value == v.rr("TSV"):
            out.delimiter = "\t"
        if out.kind == "csv":
            out.iterator = None  # GeoTriples writes an rml:iterator for CSV; it has no meaning there
        if table is not None or query is not None:
            out.kind = "sql"
            out.table = table.value if table is not None else None
            out.query = query.value if query is not None else None
        elif out.kind == "sql" and iterator is not None:  # RML-IO: the iterator names the table (or the query)
            is_query = iterator.value.lstrip().upper().startswith(("SELECT", "WITH"))  # SQL2008Query
            out.query, out.table = (iterator.value, None) if is_query else (None, iterator.value)
        if self.override:
            self._set_location(out, self.override)
        elif isinstance(src, Literal):
            self._set_location(out, src.value)
        elif src is not None:
            self._source_node(out, src)
        elif out.kind != "sql":
            raise MappingError(f"logical source {_name(ls)} has no rml:source; give the input file")
        if not out.kind:
            out.kind = EXTENSIONS.get(out.path.suffix.lower(), "") if out.path else ""
            if not out.kind:
                raise MappingError(f"logical source {_name(ls)} has no rml:referenceFormulation and an unknown "
                                   "file type; use ql:CSV, ql:JSONPath or ql:XPath")
        return out

    def _source_node(self, out: LogicalSource, src) -> None:
        """d2rq:Database, csvw:Table or RML-IO file source descriptions."""
        g = self.g
        dsn = g.iri(src, v.D2RQ + "jdbcDSN")
        if dsn is not None:
            out.kind, out.dsn = "sql", dsn
            out.user, out.password = g.iri(src, v.D2RQ + "username"), g.iri(src, v.D2RQ + "password")
            return
        url = g.iri(src, v.CSVW + "url") or (g.get(src, "path").value if g.get(src, "path") else None)
        if url is None and isinstance(src, NamedNode):
            url = src.value
        if url is None:
            raise MappingError(f"source {_name(src)} names no file (csvw:url or rml:path); add one")
        dialect = g.index[src].get(v.CSVW + "dialect")
        if dialect:
            out.delimiter = g.iri(dialect[0], v.CSVW + "delimiter") or ","
            out.encoding = g.iri(dialect[0], v.CSVW + "encoding") or "utf-8"
        encoding, compression = g.get(src, "encoding"), g.get(src, "compression")
        if encoding is not None:  # RML-IO: rml:UTF-8, rml:UTF-16 (or a literal name)
            out.encoding = encoding.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower()
        if compression is not None and compression.value != v.rr("none"):
            out.compression = compression.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower()
        nulls = g.index[src].get(v.CSVW + "null", []) + g.all(src, "null")
        out.null_values = tuple(n.value for n in nulls)
        root = g.get(src, "root")
        if root is not None and root.value == v.rr("CurrentWorkingDirectory"):
            out.path = Path.cwd() / url
        else:
            self._set_location(out, url)

    def _set_location(self, out: LogicalSource, location: str) -> None:
        """A file path (relative to the mapping's folder) or a postgresql:// database URL."""
        if location.startswith(("postgresql://", "postgres://", "jdbc:postgresql:")):
            from ai4c.linked.mapping.sql import table_of

            out.kind, out.dsn = "sql", location
            if table_of(location) and not out.query:
                out.table = table_of(location)
            return
        if location.startswith("file:"):
            location = unquote(urlparse(location).path)
        path = Path(location)
        out.path = path if path.is_absolute() else self.folder / path
        if out.kind == "" or out.kind == "sql":
            out.kind = EXTENSIONS.get(out.path.suffix.lower(), out.kind)

    def ref_object(self, node, parent) -> RefObjectMap:
        """A reference to another triples map's terms (its subjects, or its triples for RML-star), joined on
        the node's rml:joinCondition values."""
        joins = [self.join_condition(j) for j in self.g.all(node, "joinCondition")]
        return RefObjectMap(parent.value if isinstance(parent, NamedNode) else str(parent), joins)

    def pom(self, node) -> PredicateObjectMap:
        """One predicate-object map."""
        g = self.g
        predicates = self.shortcut_or_maps(node, "predicate", "predicate")
        objects, refs = [], []
        for om in g.all(node, "objectMap"):
            parent = g.get(om, "parentTriplesMap")
            if parent is None:
                objects.append(self.term_map(om, "object"))
                continue
            refs.append(self.ref_object(om, parent))
        objects += self.constants(node, "object", "object")
        if g.get(node, "quotedTriplesMap") is not None:
            raise MappingError(f"predicate-object map {_name(node)} has rml:quotedTriplesMap; put it in an "
                               "rml:objectMap (or the subject map)")
        if not predicates or not (objects or refs):
            raise MappingError(f"predicate-object map {_name(node)} needs a predicate and an object map")
        return PredicateObjectMap(predicates, objects, refs, self.shortcut_or_maps(node, "graph", "graph"))

    def triples_map(self, node) -> TriplesMap:
        """One triples map."""
        g = self.g
        subjects = self.shortcut_or_maps(node, "subject", "subject")
        if len(subjects) != 1:
            raise MappingError(f"triples map {_name(node)} has {len(subjects)} subject maps; give exactly one")
        subject_nodes = g.all(node, "subjectMap")
        classes, graphs = [], []
        if subject_nodes:
            classes = [c.value for c in g.all(subject_nodes[0], "class")]
            graphs = self.shortcut_or_maps(subject_nodes[0], "graph", "graph")
        types = {t.value for t in g.index[node].get(v.RDF_TYPE, [])}
        asserted = v.rr("NonAssertedTriplesMap") not in types
        if not asserted and v.rr("AssertedTriplesMap") in types:
            raise MappingError(f"triples map {_name(node)} is typed both rml:AssertedTriplesMap and "
                               "rml:NonAssertedTriplesMap; keep one")
        poms = [self.pom(p) for p in g.all(node, "predicateObjectMap")]
        key = node.value if isinstance(node, NamedNode) else str(node)
        return TriplesMap(key, self.source(node), subjects[0], classes, graphs, poms, asserted)


def _default_database(maps: dict[str, TriplesMap]) -> None:
    """R2RML logical tables name no database: they use the mapping's one (when it names exactly one)."""
    databases = {(m.source.dsn, m.source.user, m.source.password) for m in maps.values()
                 if m.source.kind == "sql" and m.source.dsn}
    if len(databases) != 1:
        return
    dsn, user, password = databases.pop()
    for tmap in maps.values():
        if tmap.source.kind == "sql" and not tmap.source.dsn:
            tmap.source.dsn, tmap.source.user, tmap.source.password = dsn, user, password


def parse_mapping(path: Path | str, *, source: str | None = None, base_iri: str | None = None) -> Mapping:
    """Parse and validate a mapping file; `source` replaces every logical source's input (GeoTriples -sh)."""
    path = Path(path)
    if source and "://" not in source and not source.startswith("jdbc:"):
        source = str(Path(source).resolve())  # -sh paths are relative to the working folder
    graph = Graph(read_triples(path, base_iri))
    parser = Parser(graph, path.resolve().parent, source)
    nodes = [s for s, props in graph.index.items()
             if v.rr("logicalSource") in props
             or NamedNode(v.rr("TriplesMap")) in props.get(v.RDF_TYPE, [])]
    nodes = [n for n in nodes if v.rr("logicalSource") in graph.index[n] or graph.all(n, "subjectMap")
             or graph.all(n, "predicateObjectMap")]
    for view in [s for s in graph.index if is_view(graph, s)]:  # every view is checked, used or not
        parser.logical_source(view)
    if not nodes:
        raise MappingError(f"{path} holds no triples map (no rml:logicalSource / rr:logicalTable); "
                           "is this an R2RML/RML mapping?")
    maps = {}
    for node in nodes:
        tmap = parser.triples_map(node)
        maps[tmap.id] = tmap
    _default_database(maps)
    for tmap in maps.values():
        for pom in tmap.poms:
            quoted = [tm.quoted for tm in [tmap.subject, *pom.objects] if tm.quoted is not None]
            for ref in pom.ref_objects + quoted:
                if ref.parent not in maps:
                    raise MappingError(f"rr:parentTriplesMap / rml:quotedTriplesMap {ref.parent} is not a "
                                       f"triples map of {path}")
    return Mapping(path, maps, parser.targets)
