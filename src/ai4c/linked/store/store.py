"""GeoStore: an on-disk pyoxigraph store with GeoSPARQL/stSPARQL functions, entailment, query rewrite
and a spatial index that plans geometry selections and joins."""

from __future__ import annotations

import gc
import io
import re
import time
from pathlib import Path

import pyoxigraph as ox

from ai4c.core.errors import BadInputError, InputNotFoundError, InvalidParameterError
from ai4c.linked.store import bulk, changes, entailment, geof, geof11, loading, rdf_files, strdf
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
        self._plans: dict[tuple[str, int], str] = {}  # planned query texts, least recently used first
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
        self._graphs = self._entailed = None
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
        self._plans.clear()  # keyed by the versions of the index they were planned with
        self.derived = changes.Derived(self.store, self.index, entail=self.entail)

    def _finish_load(self, staged: loading.Staged) -> None:
        """The last part of a load: the spatial index, and the full recompute a schema change needs."""
        if staged.entries is None:
            self.index.invalidate()  # too many added geometries to hold: the next spatial query rebuilds it
        else:
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
        self._graphs = self._entailed = None
        if self.path is not None:
            self.store.flush()
            self._dirty_marker().unlink(missing_ok=True)

    # ---------------------------------------------------------------- querying
    def prepare(self, query: str) -> str:
        """The query after GeoSPARQL rewrites and spatial-index planning."""
        return self._plan(rewrite(query, topology=self.rewrite_topology, entail=self.entail))

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
            return self._evaluate(rewrite(query, topology=self.rewrite_topology, entail=self.entail))
        deadline = time.monotonic() + timeout
        set_deadline(deadline)
        try:
            results = self._evaluate(rewrite(query, topology=self.rewrite_topology, entail=self.entail))
            if isinstance(results, ox.QueryBoolean):
                raise_recorded(query)
                return results
        finally:
            set_deadline(None)
        return Timed(results, deadline, query)

    def query_resolved(self, query: str):
        """Run a query whose spatial parts are already resolved (e.g. R-tree hits given as a VALUES list):
        no GeoSPARQL rewriting or planning, whose regular expressions take seconds over a long query text."""
        return self._evaluate(query, planned=False)

    def _evaluate(self, rewritten: str, *, planned: bool = True):
        """Plan an already rewritten query through the spatial index (unless `planned` is False: a small
        join pyoxigraph evaluates faster itself) and evaluate it; a query without a spatial part (no
        GeoSPARQL or stSPARQL namespace in its text) goes to pyoxigraph as it is."""
        pop_errors()
        extensions = {}
        if is_spatial(rewritten):
            rewritten = self._plan(rewritten) if planned else rewritten
            extensions = {"custom_functions": self.functions, "custom_aggregate_functions": self.aggregates}
        try:
            return self.store.query(rewritten, **self.dataset(rewritten), **extensions)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def _plan(self, rewritten: str) -> str:
        """`plan` of a rewritten query, cached until the spatial index changes (endpoints repeat queries)."""
        key = (rewritten, self.index.version)
        planned = self._plans.pop(key, None)
        if planned is None:
            planned = plan(rewritten, self.index)
            if len(self._plans) >= PLAN_CACHE:
                del self._plans[next(iter(self._plans))]  # the least recently used
        if len(planned) <= PLAN_CACHE_CHARS:  # not the huge VALUES tables of big joins
            self._plans[key] = planned
        return planned

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
        rewritten = rewrite(query, topology=self.rewrite_topology, entail=self.entail)  # once, for the bulk and the regular path
        body = self._bulk(rewritten, result_format) if is_spatial(rewritten) else None
        if isinstance(body, bytes):
            return body, fmt.media_type
        out = io.BytesIO()
        failure: Exception | None = None
        results = self._evaluate(rewritten, planned=body is not bulk.DIRECT)
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
            self.store.update(rewrite(update, topology=self.rewrite_topology, entail=self.entail), custom_functions=self.functions,
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


def rewrite(query: str, *, topology: bool = True, entail: bool = True) -> str:
    """The query rewrites (rewrite.py), then, with entailment, the GeoSPARQL data answered at query time
    (query_time.py)."""
    query = rewrite_text(query, topology=topology)
    return rewrite_query_time(query) if entail else query


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
