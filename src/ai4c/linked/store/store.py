"""GeoStore: an on-disk pyoxigraph store with GeoSPARQL/stSPARQL functions, entailment, query rewrite
and a spatial index that plans geometry selections and joins."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pyoxigraph as ox

from ai4c.core.errors import BadInputError, InputNotFoundError, InvalidParameterError
from ai4c.linked.geo.geometry import UnknownCrsError
from ai4c.linked.store import bulk, changes, entailment, geof, geof11, strdf
from ai4c.linked.store.planner import plan
from ai4c.linked.store.rewrite import rewrite
from ai4c.linked.store.spatial_index import SpatialIndex
from ai4c.linked.store.udf import QueryCancelled, pop_errors, set_deadline

FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML,
           ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML, ".nq": ox.RdfFormat.N_QUADS,
           ".trig": ox.RdfFormat.TRIG, ".strdf": ox.RdfFormat.N_QUADS, ".n3": ox.RdfFormat.N3,
           ".jsonld": ox.RdfFormat.JSON_LD}
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                  "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
PERIOD_GRAPH = "urn:ai4c:valid-time:"
HAS_VALID_TIME = strdf.STRDF + "hasValidTime"
_STRDF_QUAD = re.compile(
    r'("(?:[^"\\]|\\.)*"\^\^<(?:http://strdf\.di\.uoa\.gr/ontology#(?:period|validTime)'
    r'|http://www\.w3\.org/2001/XMLSchema#dateTime)>)\s*\.\s*$')


class QueryError(BadInputError, ValueError):
    """A SPARQL query or update that cannot be parsed or evaluated (the message says where)."""


class QueryTimeoutError(BadInputError, TimeoutError):
    """A query that ran longer than its time limit."""


class StoreNotFoundError(InputNotFoundError):
    """A folder that holds no store, opened for querying or updating."""


def no_store(path: Path) -> StoreNotFoundError:
    """The error for a store folder without a store (only `ai4c store load` creates one)."""
    return StoreNotFoundError(f"no store at {path}; create one with ai4c store load")


class GeoStore:
    """A GeoSPARQL store in `path` (in memory when None)."""

    def __init__(self, path: Path | str | None = None, *, entail: bool = True,
                 rewrite_topology: bool = True, read_only: bool = False, create: bool = True) -> None:
        """`create=False`: refuse a folder that holds no store yet (StoreNotFoundError)."""
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        if self.path is not None and not create and not (self.path / "oxigraph").is_dir():
            raise no_store(self.path)
        if self.path is not None and read_only:
            self.store = _open_read_only(self.path)
        elif self.path is not None:
            (self.path / "oxigraph").mkdir(parents=True, exist_ok=True)
            self.store = ox.Store(str(self.path / "oxigraph"))
        else:
            self.store = ox.Store()
        self.entail = entail
        self.rewrite_topology = rewrite_topology
        self._graphs: list | None = None
        self.index = SpatialIndex(self.store, self.path, save_cache=not read_only)
        self.derived = changes.Derived(self.store, self.index, entail=entail)
        self.last_change = changes.ChangeReport()
        self.functions = {ox.NamedNode(k): v for k, v in
                          {**geof.functions(), **geof11.functions(), **strdf.functions()}.items()}
        self.aggregates = {ox.NamedNode(k): v for k, v in
                           {**geof.aggregates(), **geof11.aggregates(), **strdf.aggregates()}.items()}
        if self._dirty_marker() is not None and self._dirty_marker().exists():
            if read_only:
                raise BadInputError(f"store {str(self.path)!r} has stale derived data; open it once "
                                    "read-write (e.g. `ai4c store query`) to refresh it")
            self._recover()  # a previous process died during a change
        elif entail and not read_only and not entailment.is_up_to_date(self.store):
            self.refresh()  # a new store (the ontology), or one changed with entailment off

    def _recover(self) -> None:
        """Undo a load that a killed process left half-done, then recompute the derived data."""
        journal = self.path / changes.JOURNAL
        if journal.exists():
            changes.undo(self.store, journal)
        self.refresh()

    def _dirty_marker(self) -> Path | None:
        return self.path / "derived-data-stale" if self.path is not None else None

    def _mark_dirty(self) -> None:
        if self.read_only:
            raise BadInputError(f"store {str(self.path)!r} is open read-only; open it read-write to change it")
        marker = self._dirty_marker()
        if marker is not None:
            marker.write_text("derived data (entailment) must be recomputed\n")

    # ---------------------------------------------------------------- loading
    def load(self, path: Path | str, *, rdf_format: str | None = None, graph: str | None = None) -> int:
        """Load one file atomically (all of it or, after a failure or a kill, none of it), streamed in
        chunks; returns the number of quads added (reloading known triples adds none and costs little).
        Geometry literals that are not geometries are stored as they are and listed in `last_change`."""
        source = Path(path)
        if not source.is_file():
            raise InputNotFoundError(f"RDF file {str(source)!r} does not exist; give an existing file")
        fmt = _format_of(source, rdf_format)
        report = self.last_change = changes.ChangeReport()
        self._mark_dirty()
        self.derived.begin()
        try:
            report.added = changes.load_file(self.store, self.path, _quads(source, fmt, graph),
                                             lambda new: self.derived.added(new, report))
        except SyntaxError as exc:
            self._clean_after_failure()
            raise BadInputError(f"{source.name}: malformed {fmt.name}: {exc}; nothing of this file was "
                                "loaded, fix the file and load it again") from exc
        except BaseException:
            self._clean_after_failure()
            raise
        self.derived.end()
        self._changed()
        return report.added

    def _clean_after_failure(self) -> None:
        """After an undone change: derived data may hold consequences of the undone part; recompute."""
        self.refresh()

    def refresh(self) -> None:
        """Recompute all derived data (entailment graph, geometry properties, spatial index) from the
        whole store; changes keep them current without this."""
        self.derived.refresh()
        self._changed()

    def changed(self) -> None:
        """Compatibility name of `refresh` (recompute all derived data)."""
        self.refresh()

    def _changed(self) -> None:
        """After a change whose derived data are current: flush and clear the stale marker."""
        self._graphs = None
        if self.path is not None:
            self.store.flush()
            self._dirty_marker().unlink(missing_ok=True)

    # ---------------------------------------------------------------- querying
    def prepare(self, query: str) -> str:
        """The query after GeoSPARQL rewrites and spatial-index planning."""
        return plan(rewrite(query, topology=self.rewrite_topology), self.index)

    def default_graphs(self) -> list:
        """The graphs a query's default graph merges: all of them, minus entailment when it is off."""
        if self._graphs is None:
            skip = ox.NamedNode(entailment.GRAPH)
            self._graphs = [ox.DefaultGraph(), *(g for g in self.store.named_graphs()
                                                  if self.entail or g != skip)]
        return self._graphs

    def query(self, query: str, *, timeout: float | None = None):
        """Run a SPARQL query; returns pyoxigraph results (solutions, boolean or triples). With
        `timeout` (seconds), evaluation past the deadline stops with QueryTimeoutError (solutions and
        triples are evaluated while iterated: the deadline holds for the iteration too)."""
        if not timeout:
            return self._evaluate(rewrite(query, topology=self.rewrite_topology))
        deadline = time.monotonic() + timeout
        set_deadline(deadline)
        try:
            results = self._evaluate(rewrite(query, topology=self.rewrite_topology))
            if isinstance(results, ox.QueryBoolean):
                _raise_recorded(query)
                return results
        finally:
            set_deadline(None)
        return _Timed(results, deadline, query)

    def _evaluate(self, rewritten: str):
        """Plan an already rewritten query through the spatial index and evaluate it; a query without a
        spatial part (no GeoSPARQL or stSPARQL namespace in its text) goes to pyoxigraph as it is."""
        pop_errors()
        extensions = {}
        if is_spatial(rewritten):
            rewritten = plan(rewritten, self.index)
            extensions = {"custom_functions": self.functions, "custom_aggregate_functions": self.aggregates}
        try:
            return self.store.query(rewritten, default_graph=self.default_graphs(), **extensions)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def query_serialized(self, query: str, result_format: str = "json", *,
                         timeout: float | None = None) -> tuple[bytes, str]:
        """Run a query and serialise its results; returns (bytes, media type). With `timeout`
        (seconds), a query past its deadline stops and raises QueryTimeoutError."""
        deadline = time.monotonic() + timeout if timeout else None
        set_deadline(deadline)
        try:
            return self._serialize(query, result_format, deadline)
        finally:
            set_deadline(None)

    def _serialize(self, query: str, result_format: str, deadline: float | None) -> tuple[bytes, str]:
        fmt = RESULT_FORMATS.get(result_format)
        if fmt is None:
            raise InvalidParameterError(f"format={result_format!r} unknown; use one of {', '.join(RESULT_FORMATS)}")
        rewritten = rewrite(query, topology=self.rewrite_topology)  # once, for the bulk and the regular path
        body = self._bulk(rewritten, result_format) if is_spatial(rewritten) else None
        if body is not None:
            return body, fmt.media_type
        out = io.BytesIO()
        failure: Exception | None = None
        results = self._evaluate(rewritten)
        try:
            media = _write_results(results, out, fmt, deadline)
        except QueryTimeoutError as exc:
            failure = QueryTimeoutError(str(exc))  # a fresh error: the old traceback holds the results
        except OSError as exc:
            failure = QueryError(f"query failed: {exc}")
        del results  # pyoxigraph results must be released in the thread that made them
        if failure is not None:
            pop_errors()
            raise failure
        _raise_recorded(query)
        return out.getvalue(), media

    def _bulk(self, rewritten: str, result_format: str) -> bytes | None:
        """Results of a (rewritten) spatial-join query computed in bulk from the R-tree (None: not that shape)."""
        try:
            fetch = bulk.tsv_fetcher(self.store, self.default_graphs())
            return bulk.answer(rewritten, self.index, fetch, result_format)
        except (SyntaxError, ValueError, KeyError, OSError):
            return None  # the regular path reports the problem

    def update(self, update: str) -> None:
        """Run a SPARQL update (with GeoSPARQL functions) in one transaction, then bring derived data up
        to date: from its quads for INSERT DATA / DELETE DATA, by a full recompute for other forms."""
        self._mark_dirty()
        data = changes.data_update_quads(update)
        report = self.last_change = changes.ChangeReport()
        self.derived.begin()
        if data is not None:
            kind, quads = data
            present = [q for q in dict.fromkeys(quads) if q in self.store]
            delta = present if kind == "DELETE" else [q for q in dict.fromkeys(quads) if q not in self.store]
        try:
            self.store.update(rewrite(update, topology=self.rewrite_topology), custom_functions=self.functions,
                              custom_aggregate_functions=self.aggregates)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL update syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"update failed: {exc}") from exc
        _raise_recorded(update)
        if data is None:
            self.refresh()
            return
        if kind == "DELETE":
            report.removed = len(delta)
            self.derived.removed(delta)
        else:
            report.added = len(delta)
            self.derived.added(delta, report)
        self.derived.end()
        self._changed()

    def write_graph(self, graph: ox.NamedNode | ox.DefaultGraph, triples: list, *, replace: bool) -> None:
        """Replace or extend one graph with parsed triples (Graph Store Protocol PUT/POST) in one
        transaction, then bring derived data up to date from what was added and removed."""
        quads = list(dict.fromkeys(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples))
        wanted = set(quads)
        self._mark_dirty()
        report = self.last_change = changes.ChangeReport()
        self.derived.begin()
        removed = [q for q in self.store.quads_for_pattern(None, None, None, graph) if q not in wanted] \
            if replace else []
        added = [q for q in quads if q not in self.store]
        for quad in removed:
            self.store.remove(quad)
        self.store.extend(added)
        report.added, report.removed = len(added), len(removed)
        self.derived.removed(removed)
        self.derived.added(added, report)
        self.derived.end()
        self._changed()

    def dump_graph(self, graph: ox.NamedNode | ox.DefaultGraph) -> bytes:
        """One graph as N-Triples (Graph Store Protocol GET)."""
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in self.store.quads_for_pattern(None, None, None, graph)]
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""

    def warm(self) -> None:
        """Build the spatial index now (saving its cache) so that read-only openers find it ready."""
        self.index.data()

    def close(self) -> None:
        """Release the pyoxigraph store (RocksDB closes with it), e.g. before other processes open the
        folder; the object cannot be used afterwards."""
        self.store = self.index.store = self.derived.store = None

    def __enter__(self) -> GeoStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.store)


def _quads(source: Path, fmt: ox.RdfFormat, graph: str | None):
    """The quads of a file, parsed as they stream (stRDF valid-time quads are rewritten first)."""
    base = source.resolve().as_uri()
    if fmt == ox.RdfFormat.N_QUADS:
        quads = ox.parse(_strdf_to_nquads(source.read_text(encoding="utf-8")).encode(), format=fmt, base_iri=base)
    else:
        quads = ox.parse(path=str(source), format=fmt, base_iri=base)
    if not graph:
        return quads
    target = ox.NamedNode(graph)
    return (ox.Quad(q.subject, q.predicate, q.object, target) if q.graph_name == ox.DefaultGraph() else q
            for q in quads)


_SPATIAL_NAMESPACES = ("http://www.opengis.net/", strdf.STRDF)


def is_spatial(query: str) -> bool:
    """Whether a query may use GeoSPARQL/stSPARQL functions or relations (else no planning is needed)."""
    return any(namespace in query for namespace in _SPATIAL_NAMESPACES)


def _open_read_only(path: Path) -> ox.Store:
    """The pyoxigraph store of `path`, read-only (several processes may read it at once)."""
    folder = path / "oxigraph"
    if not folder.is_dir():
        raise no_store(path)
    try:
        return ox.Store.read_only(str(folder))
    except OSError as exc:
        raise BadInputError(f"cannot open store {str(path)!r} read-only: {exc}") from exc


def _write_results(results, out: io.BytesIO, fmt: ox.QueryResultsFormat, deadline: float | None) -> str:
    """Serialise solutions/boolean (in `fmt`) or triples (N-Triples); returns the media type."""
    if isinstance(results, ox.QueryTriples):
        results.serialize(out, ox.RdfFormat.N_TRIPLES)
        return "application/n-triples"
    if isinstance(results, ox.QuerySolutions) and deadline is not None:
        _serialize_rows(_Deadline(results, deadline), out, fmt)
    else:
        results.serialize(out, fmt)
    return fmt.media_type


class _Deadline:
    """Wraps query solutions and stops with QueryTimeoutError once the deadline has passed."""

    def __init__(self, source: ox.QuerySolutions, deadline: float) -> None:
        self.source, self.deadline = source, deadline
        self.variables = source.variables

    def __iter__(self):
        for row in self.source:
            if time.monotonic() > self.deadline:
                raise QueryTimeoutError("query timed out; narrow it or raise the timeout")
            yield row


class _Timed:
    """Query solutions or triples iterated under a deadline: GeoSPARQL functions stop at once past
    it and the iteration raises QueryTimeoutError (functions see the deadline only while iterating)."""

    def __init__(self, source, deadline: float, text: str) -> None:
        self.source, self.deadline, self.text = source, deadline, text

    def __getattr__(self, name: str):
        return getattr(self.source, name)  # variables, serialize, ...

    def __iter__(self):
        iterator = iter(self.source)
        while True:
            if time.monotonic() > self.deadline:
                pop_errors()
                raise QueryTimeoutError("query timed out; narrow it or raise the timeout")
            set_deadline(self.deadline)
            try:
                row = next(iterator)
            except StopIteration:
                _raise_recorded(self.text)
                return
            finally:
                set_deadline(None)
            yield row


def _serialize_rows(rows: _Deadline, out: io.BytesIO, fmt: ox.QueryResultsFormat) -> None:
    """Serialise rows through pyoxigraph by re-parsing a JSON buffer (keeps the deadline checks)."""
    import json

    variables = [v.value for v in rows.variables]
    bindings = [{v: _json_term(row[v]) for v in variables if row[v] is not None} for row in rows]
    payload = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}).encode()
    if fmt == ox.QueryResultsFormat.JSON:
        out.write(payload)
        return
    ox.parse_query_results(payload, ox.QueryResultsFormat.JSON).serialize(out, fmt)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        item = {"type": "literal", "value": term.value}
        if term.language:
            item["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            item["datatype"] = term.datatype.value
        return item
    return {"type": "literal", "value": str(term)}


def _raise_recorded(text: str) -> None:
    """Raise what the functions recorded while evaluating `text`: a timeout, or an unknown CRS that the
    query itself names (an unknown CRS of a stored literal makes that literal invalid: unbound, no error)."""
    errors = pop_errors()
    if any(isinstance(e, QueryCancelled) for e in errors):
        raise QueryTimeoutError("query timed out and was cancelled; narrow it or raise the timeout")
    errors = [e for e in errors if not isinstance(e, UnknownCrsError) or getattr(e, "iri", "") in text]
    if errors:
        raise errors[0]


def _format_of(source: Path, rdf_format: str | None) -> ox.RdfFormat:
    """The RDF format from an explicit name or the file extension."""
    if rdf_format:
        names = {"ntriples": ".nt", "turtle": ".ttl", "rdfxml": ".rdf", "nquads": ".nq", "trig": ".trig",
                 "strdf": ".strdf", "n3": ".n3", "jsonld": ".jsonld"}
        key = names.get(rdf_format.lower().replace("-", "").replace("/", ""))
        if key is None:
            raise InvalidParameterError(f"rdf_format={rdf_format!r} unknown; use one of {', '.join(names)}")
        return FORMATS[key]
    suffix = source.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidParameterError(f"cannot tell the RDF format of {source.name!r} from {suffix!r}; use one "
                                    f"of {', '.join(FORMATS)} or give --format")
    return FORMATS[suffix]


def period_graph(literal_text: str) -> str:
    """The named graph IRI that holds the triples valid during one strdf:period."""
    from urllib.parse import quote

    return PERIOD_GRAPH + quote(literal_text, safe="")


def _strdf_to_nquads(text: str) -> str:
    """stRDF quads (4th element a strdf:period literal) -> N-Quads in per-period graphs, plus
    `<graph> strdf:hasValidTime "period"` triples; line numbers are kept for error messages."""
    lines = text.split("\n")
    extra: list[str] = []
    for i, line in enumerate(lines):
        match = _STRDF_QUAD.search(line)
        if not match:
            continue
        literal = match.group(1)
        value = literal[1:literal.rindex('"^^')]
        graph = period_graph(value)
        lines[i] = line[:match.start()] + f"<{graph}> ."
        extra.append(f"<{graph}> <{HAS_VALID_TIME}> {literal} .")
    return "\n".join(lines + sorted(set(extra)))
