"""GeoStore: an on-disk pyoxigraph store with GeoSPARQL/stSPARQL functions, entailment, query rewrite
and a spatial index that plans geometry selections and joins."""

from __future__ import annotations

import gc
import io
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from ai4c.core.errors import BadInputError, InputNotFoundError, InvalidParameterError
from ai4c.linked.store import bulk, changes, entailment, geof, geof11, loading, rdf_files, semijoin, strdf
from ai4c.linked.store.planner import plan
from ai4c.linked.store.query_time import rewrite_query_time
from ai4c.linked.store.results import QueryError, QueryTimeoutError, Timed, raise_recorded, write_results
from ai4c.linked.store.rewrite import may_match
from ai4c.linked.store.rewrite import rewrite as rewrite_text
from ai4c.linked.store.spatial_index import SpatialIndex
from ai4c.linked.store.udf import pop_errors, set_deadline

PLAN_CACHE, PLAN_CACHE_CHARS = 256, 100_000  # planned queries kept per store, and their largest size
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                  "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}


@dataclass(frozen=True)
class Prepared:
    """How a query runs: its rewritten text, the text pyoxigraph evaluates (planned) and its options
    (dataset, functions); `bulk`: ask the bulk join path first (at every run: it reads the data)."""

    rewritten: str
    text: str
    options: dict
    spatial: bool = False
    bulk: bool = False

    def planned(self, text: str) -> Prepared:
        """The same query evaluated as `text` (its planned form)."""
        return replace(self, text=text, bulk=False)

    def for_bulk(self) -> Prepared:
        """The same query, for the bulk join path first."""
        return replace(self, bulk=True)


class StoreNotFoundError(InputNotFoundError):
    """A folder that holds no store, opened for querying or updating."""


def no_store(path: Path) -> StoreNotFoundError:
    """The error for a store folder without a store (only `ai4c store load` creates one)."""
    return StoreNotFoundError(f"no store at {path}; create one with ai4c store load")


class GeoStore:
    """A GeoSPARQL store in `path` (in memory when None)."""

    def __init__(self, path: Path | str | None = None, *, entail: bool = True,
                 rewrite_topology: bool = True, read_only: bool = False, create: bool = True,
                 union_default_graph: bool = True) -> None:
        """`create=False`: refuse a folder that holds no store yet (StoreNotFoundError);
        `union_default_graph=False`: a query's default graph is the store's default graph alone."""
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        if self.path is not None and not create and not (self.path / "oxigraph").is_dir():
            raise no_store(self.path)
        if self.path is not None and read_only:
            if (self.path / loading.MARKER).exists():
                raise BadInputError(f"store {str(self.path)!r} holds an interrupted load; open it once "
                                    "read-write (e.g. `ai4c store query`) to undo it")
            self.store = _open_read_only(self.path)
        elif self.path is not None:
            (self.path / "oxigraph").mkdir(parents=True, exist_ok=True)
            loading.recover(self.path)  # a load killed half-way: its checkpoint (the old content) goes back
            self.store = ox.Store(str(self.path / "oxigraph"))
        else:
            self.store = ox.Store()
        self.entail = entail
        self.rewrite_topology = rewrite_topology
        self.union_default_graph = union_default_graph
        self._graphs: list | None = None  # the default graph's parts (cached until the next change)
        self._entailed: frozenset[str] | None = None  # predicates of the entailment graph's triples
        self._prepared: dict[tuple, Prepared] = {}  # how queries run, least recently used first
        self._generation = 0  # counts the changes of the store's content (prepared queries depend on it)
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
            self.refresh()  # a previous process died during a change: recompute the derived data
        elif entail and not read_only and not entailment.is_up_to_date(self.store):
            self.refresh()  # a new store (the ontology), or one changed with entailment off

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
        """Load one file, all of it or (after a syntax error, or a kill at the next opening) none of it,
        streamed and bulk-written with the derived data of its new quads (loading.py); returns the number
        of quads added (reloading known triples adds none and writes nothing; a quad a file repeats
        may count twice). Geometry literals that are
        not geometries are stored as they are and listed in `last_change`."""
        source = Path(path)
        if not source.is_file():
            raise InputNotFoundError(f"RDF file {str(source)!r} does not exist; give an existing file")
        if self.read_only:
            raise BadInputError(f"store {str(self.path)!r} is open read-only; open it read-write to change it")
        fmt = rdf_files.format_of(source, rdf_format)
        report = self.last_change = changes.ChangeReport()
        self.derived.begin()
        with loading.staging_folder(self.path) as folder:
            staged = loading.stage_file(self.store, source, fmt, graph, folder, self.derived.schema,
                                        self.index.exists(), report)
            failure = self._commit(staged) if staged.added else None
        if failure is not None:
            self._undo_interrupted_load()
            if isinstance(failure, SyntaxError):  # found by the bulk loader in a file loaded as it is
                raise loading.malformed(source, fmt, failure) from None
            raise failure
        report.added = staged.added
        self._forget()
        return report.added

    def _commit(self, staged: loading.Staged) -> BaseException | None:
        """Write a staged load; returns the error of a write that failed half-way, without its traceback
        (whose frames would keep the database open)."""
        try:
            loading.commit(self.store, self.path, staged, lambda: self._finish_load(staged))
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller once the store is restored
            return exc.with_traceback(None)
        return None

    def _undo_interrupted_load(self) -> None:
        """After a write that failed half-way (e.g. a full disk): reopen the store from the checkpoint
        taken before it, as the next opening would after a kill."""
        if self.path is None:
            return  # an in-memory store has no checkpoint
        self.close()  # pyoxigraph releases the database with its last reference
        gc.collect()
        loading.recover(self.path)
        self.store = ox.Store(str(self.path / "oxigraph"))
        self.index = SpatialIndex(self.store, self.path)
        self._forget()
        self.derived = changes.Derived(self.store, self.index, entail=self.entail)

    def _finish_load(self, staged: loading.Staged) -> None:
        """The last part of a load: the spatial index, and the full recompute a schema change needs."""
        self.index.apply(staged.entries, changes.GeometryEntries())
        self.derived.full = staged.schema_changed
        self.derived.end()

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
        self._forget()
        if self.path is not None:
            self.store.flush()
            self._dirty_marker().unlink(missing_ok=True)

    # ---------------------------------------------------------------- querying
    def _forget(self) -> None:
        """After a change of the content: what was derived from it for queries is stale."""
        self._graphs = self._entailed = None
        self._generation += 1
        self._prepared.clear()

    def _rewrite(self, text: str) -> str:
        """A query's or update's text rewrites, the one place for all: rewrite.py's (the topology rewrite
        when on), then, with entailment, the GeoSPARQL data answered at query time (query_time.py)."""
        text = rewrite_text(text, topology=self.rewrite_topology)
        return rewrite_query_time(text) if self.entail else text

    def prepare(self, query: str) -> str:
        """The query after GeoSPARQL rewrites and spatial-index planning."""
        return self._prepare(query, bulk=False).text

    def default_graphs(self) -> list:
        """The graphs a query's default graph merges: all of them, minus entailment when it is off (only the
        default graph when the store was made with union_default_graph=False)."""
        if not self.union_default_graph:
            return [ox.DefaultGraph()]
        if self._graphs is None:
            skip = ox.NamedNode(entailment.GRAPH)
            self._graphs = [ox.DefaultGraph(), *(g for g in self.store.named_graphs()
                                                  if self.entail or g != skip)]
        return self._graphs

    def dataset(self, query: str) -> dict:
        """The default graph of a query: the graphs its FROM clauses name (pyoxigraph reads them), else
        the union of `default_graphs()`, less the entailment graph when the query cannot match its triples
        (no entailed predicate, `a`, variable predicate...): a union of fewer graphs evaluates faster."""
        if declares_dataset(query):
            return {}
        if self.entail and may_match(query, self._entailed_predicates()):
            return {"default_graph": self.default_graphs()}
        skip = ox.NamedNode(entailment.GRAPH)
        graphs = [g for g in self.default_graphs() if g != skip]
        return {} if len(graphs) == 1 else {"default_graph": graphs}

    def _entailed_predicates(self) -> frozenset[str]:
        if self._entailed is None:
            self._entailed = frozenset(p.value for p in entailment.Schema(self.store).entailable())
        return self._entailed

    def query(self, query: str, *, timeout: float | None = None):
        """Run a SPARQL query; returns pyoxigraph results (solutions, boolean or triples). With
        `timeout` (seconds), evaluation past the deadline stops with QueryTimeoutError (solutions and
        triples are evaluated while iterated: the deadline holds for the iteration too)."""
        if not timeout:
            return self._run(self._prepare(query, bulk=False))
        deadline = time.monotonic() + timeout
        set_deadline(deadline)
        try:
            results = self._run(self._prepare(query, bulk=False))
            if isinstance(results, ox.QueryBoolean):
                raise_recorded(query)
                return results
        finally:
            set_deadline(None)
        return Timed(results, deadline, query)

    def query_resolved(self, query: str):
        """Run a query whose spatial parts are already resolved (e.g. R-tree hits given as a VALUES list):
        no GeoSPARQL rewriting or planning, whose regular expressions take seconds over a long query text."""
        return self._run(self._unplanned(query))

    def _prepare(self, query: str, *, bulk: bool) -> Prepared:
        """How `query` runs (rewritten, planned, its dataset and functions), remembered until the store
        or its spatial index changes: endpoints and dashboards repeat queries, and a small query must
        not pay for rewriting and planning again. `bulk`: the serialising path, which tries the bulk
        join answers first."""
        key = self._key(query, bulk)
        prepared = self._prepared.pop(key, None)
        if prepared is None:
            rewritten = self._rewrite(query)
            prepared = self._unplanned(rewritten)
            joined = self._semijoin(rewritten) if prepared.spatial else None
            if joined is not None:
                prepared = prepared.planned(joined)
            elif prepared.spatial and not bulk:
                prepared = prepared.planned(plan(rewritten, self.index))
            elif prepared.spatial:
                prepared = prepared.for_bulk()
        self._remember(key, prepared)
        return prepared

    def _key(self, query: str, bulk: bool) -> tuple:
        """What a prepared query depends on: its text, its path, the index and the content it was planned with."""
        return query, bulk, self.index.version, self._generation

    def _remember(self, key: tuple, prepared: Prepared) -> None:
        if len(prepared.text) > PLAN_CACHE_CHARS:  # not the huge VALUES tables of big joins
            return
        if len(self._prepared) >= PLAN_CACHE:
            self._prepared.pop(next(iter(self._prepared)), None)  # the least recently used
        self._prepared[key] = prepared

    def _unplanned(self, text: str) -> Prepared:
        """`text` run as it is, over its dataset, with the store's functions when it is spatial (only the
        ones its text may name: pyoxigraph converts every function it is given, at every query)."""
        if not is_spatial(text):
            return Prepared(text, text, self.dataset(text))
        functions, aggregates = self.functions, self.aggregates
        if len(text) <= PLAN_CACHE_CHARS:  # (a long text is searched once per function: give all)
            functions = {k: v for k, v in functions.items() if _local_name(k.value) in text}
            aggregates = {k: v for k, v in aggregates.items() if _local_name(k.value) in text}
        return Prepared(text, text, {**self.dataset(text), "custom_functions": functions,
                                     "custom_aggregate_functions": aggregates}, spatial=True)

    def _run(self, prepared: Prepared):
        """Evaluate a prepared query with pyoxigraph (solutions and triples are evaluated while iterated)."""
        pop_errors()
        try:
            return self.store.query(prepared.text, **prepared.options)
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
        prepared = self._prepare(query, bulk=True)
        if prepared.bulk:
            body = self._bulk(prepared.rewritten, result_format)
            if isinstance(body, bytes):
                return body, fmt.media_type
            prepared = self._settle(query, prepared, direct=body is bulk.DIRECT)
        out = io.BytesIO()
        failure: Exception | None = None
        results = self._run(prepared)
        try:
            media = write_results(results, out, fmt, deadline)
        except QueryTimeoutError as exc:
            failure = QueryTimeoutError(str(exc))  # a fresh error: the old traceback holds the results
        except OSError as exc:
            failure = QueryError(f"query failed: {exc}")
        del results  # pyoxigraph results must be released in the thread that made them
        if failure is not None:
            pop_errors()
            raise failure
        raise_recorded(query)
        return out.getvalue(), media

    def _settle(self, query: str, prepared: Prepared, *, direct: bool) -> Prepared:
        """A spatial query the bulk path did not answer: run as it is (`direct`: a small join, which
        pyoxigraph evaluates faster itself) or planned; remembered, so the bulk path is not asked again
        (its verdict depends on the query and the index only)."""
        settled = prepared.planned(prepared.rewritten if direct else plan(prepared.rewritten, self.index))
        self._remember(self._key(query, True), settled)
        return settled

    def _semijoin(self, rewritten: str) -> str | None:
        """A join planned from its selective sides (semijoin.py), or None."""
        try:
            return semijoin.plan(rewritten, self.index, bulk.tsv_fetcher(self.store, self.dataset))
        except (SyntaxError, ValueError, KeyError, OSError):
            return None  # the other plans report the problem

    def _bulk(self, rewritten: str, result_format: str) -> bytes | object | None:
        """Results of a (rewritten) spatial-join query computed in bulk from the R-tree (None: not that
        shape; bulk.DIRECT: a small join, for pyoxigraph to evaluate as it is)."""
        try:
            fetch = bulk.tsv_fetcher(self.store, self.dataset)
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
            self.store.update(self._rewrite(update), custom_functions=self.functions,
                              custom_aggregate_functions=self.aggregates)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL update syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"update failed: {exc}") from exc
        raise_recorded(update)
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


_SPATIAL_NAMESPACES = ("http://www.opengis.net/", strdf.STRDF)


_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?(?:<|[A-Za-z][\w-]*:|:)", re.I)


def declares_dataset(query: str) -> bool:
    """Whether a query names its dataset with FROM / FROM NAMED (outside string literals and IRIs)."""
    return _FROM.search(re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', query)) is not None


def _local_name(iri: str) -> str:
    """The part of an IRI after its namespace (all of it when it has no '/' or '#')."""
    return re.split(r"[/#]", iri)[-1] or iri


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
