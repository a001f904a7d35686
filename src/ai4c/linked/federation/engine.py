"""The federation: parse with rdflib's algebra, fetch each basic graph pattern's solutions from the sources,
load their triples into an in-memory GeoStore and evaluate the whole query there (OPTIONAL, UNION, MINUS,
aggregates, ORDER, LIMIT and GeoSPARQL functions with the project's semantics)."""

from __future__ import annotations

import functools
import json
import re
import threading
from dataclasses import dataclass, field

from rdflib import BNode, URIRef, Variable
from rdflib.paths import Path
from rdflib.plugins.sparql.parserutils import CompValue

from ai4c.core.errors import BadInputError
from ai4c.linked.federation import planner
from ai4c.linked.federation.expr import conjuncts, to_sparql, variables
from ai4c.linked.federation.sources import EndpointSource, Source
from ai4c.linked.federation.terms import from_json, from_rdflib, is_variable

_SERVICE = re.compile(r"SERVICE\s+(SILENT\s+)?<([^>]*)>\s*\{", re.IGNORECASE)
_SERVICE_GRAPH = "urn:ai4c:service:"
_FROM_DEFAULT = re.compile(r"\bFROM\s+(?!NAMED\b)(?:<[^>]*>|[A-Za-z][\w.-]*:[^\s{]*|:[^\s{]*)\s*", re.IGNORECASE)
_MERGED_FROM = "<urn:ai4c:federation:from>"  # the local graph holding the FROM graphs' merged triples
_DESCRIBE = re.compile(r"DESCRIBE\s+.*?\s*(WHERE\s*)?(?=\{)", re.IGNORECASE | re.DOTALL)
_INSERT_BATCH = 20000
_PARSE_LOCK = threading.Lock()


class FederationError(BadInputError):
    """A query the federation cannot run (malformed SPARQL, unsupported construct, a failing source with --strict)."""


@dataclass
class Plan:
    """What a query did: per basic graph pattern its units (patterns, sources, estimates, actuals, requests)."""

    units: list[list[planner.Unit]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return bool(self.failures)

    def text(self) -> str:
        lines = []
        for number, units in enumerate(self.units, 1):
            lines.append(f"basic graph pattern {number}:")
            for order, unit in enumerate(units, 1):
                kind = "exclusive group" if len(unit.patterns) > 1 else "pattern"
                lines.append(f"  {order}. {kind} -> {', '.join(s.name for s in unit.sources) or '(no source)'}: "
                             f"estimated {unit.estimate:g}, actual {unit.actual}, requests {unit.requests}")
                lines += [f"       {' '.join(p)}" for p in unit.patterns]
                if unit.scope is not None:
                    lines.append(f"       in {'FROM' if unit.scope.hidden else 'GRAPH ' + unit.scope.graph}"
                                 + (f" ({', '.join(unit.scope.names)})" if unit.scope.names is not None else ""))
                lines += [f"       FILTER({f})" for f in unit.filters]
        lines.append("requests: " + ", ".join(f"{k}={v}" for k, v in self.requests.items()))
        lines.append("results transferred: " + ", ".join(f"{k}={v}" for k, v in self.results.items()))
        lines += [f"PARTIAL: {f}" for f in self.failures]
        return "\n".join(lines)


def parse(query: str):
    """rdflib's algebra of `query` (SERVICE clauses as GRAPH <urn:ai4c:service:N>, which rdflib parses reliably)
    and the SERVICE IRIs; a FederationError carrying the parser's message when malformed. rdflib's parser
    (pyparsing) is not thread-safe: parses run one at a time, and a repeated query text is parsed once."""
    with _PARSE_LOCK:
        return _parse_once(query)


@functools.lru_cache(maxsize=256)
def _parse_once(query: str):
    from rdflib.plugins.sparql import prepareQuery

    urls: list[str] = []

    def marker(match: re.Match) -> str:
        urls.append(match.group(2))
        return f"GRAPH <{_SERVICE_GRAPH}{len(urls) - 1}> {{"

    try:
        return prepareQuery(_SERVICE.sub(marker, query)).algebra, tuple(urls)
    except Exception as err:  # pyparsing.ParseException and rdflib's own errors
        raise FederationError(f"malformed SPARQL: {err}") from err


def _patterns(node, filters, found: list, services: list, graph: str | None = None) -> None:
    """Collect (triples, pushable filters, index of the BGP an OPTIONAL one extends, GRAPH term or None) of every
    BGP and every SERVICE clause below `node`."""
    if not isinstance(node, CompValue):
        return
    if node.name == "BGP":
        found.append((node.triples, filters, None, graph))
        return
    if node.name == "LeftJoin":  # the optional BGP is bound-joined with the required one's solutions
        _patterns(node.p1, filters, found, services, graph)
        left = len(found) - 1 if _is_bgp(node.p1) else None
        start = len(found)
        _patterns(node.p2, [], found, services, graph)
        if left is not None and getattr(node.p2, "name", None) == "BGP" and len(found) == start + 1:
            found[start] = (*found[start][:2], left, graph)
        _patterns(node.expr, [], found, services, graph)
        return
    if node.name == "Graph" and str(node.term).startswith(_SERVICE_GRAPH):
        inner: list = []
        _patterns(node.p, [], inner, [])
        services.append((int(str(node.term)[len(_SERVICE_GRAPH):]), [t for bgp, *_ in inner for t in bgp]))
        return
    if node.name == "Graph":
        _patterns(node.p, [], found, services, _term(node.term))
        return
    if node.name == "ServiceGraphPattern":
        raise FederationError("SERVICE IRIs must be written <...> over a federation")
    if node.name == "Filter":
        filters = filters + [(text, variables(e), e) for e in conjuncts(node.expr)
                             if (text := to_sparql(e)) is not None]
    for key, value in node.items():
        passes = ((node.name == "Filter" and key == "p") or (node.name == "Join" and key in ("p1", "p2"))
                  or (node.name == "LeftJoin" and key == "p1"))
        for child in value if isinstance(value, list) else [value]:
            _patterns(child, filters if passes else [], found, services, graph)


def _dataset(algebra) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(FROM graphs, FROM NAMED graphs) as N-Triples IRIs; None without a dataset clause."""
    clauses = algebra.get("datasetClause") or []
    if not clauses:
        return None
    return (tuple(f"<{c['default']}>" for c in clauses if "default" in c),
            tuple(f"<{c['named']}>" for c in clauses if "named" in c))


def _scope(graph: str | None, dataset) -> planner.Scope | None:
    """Where a BGP's triples are read at the sources: their default graphs (None), the FROM graphs merged,
    or a GRAPH's named graphs (those of FROM NAMED when given)."""
    if graph is None:
        return None if dataset is None else planner.Scope(planner.FROM_GRAPH, dataset[0], hidden=True)
    return planner.Scope(graph, None if dataset is None else dataset[1])


def _is_bgp(node) -> bool:
    return getattr(node, "name", None) == "BGP" or (getattr(node, "name", None) == "Filter"
                                                   and getattr(node.p, "name", None) == "BGP")


def _term(term) -> str:
    if isinstance(term, (URIRef, Variable, BNode)) or hasattr(term, "datatype"):
        return from_rdflib(term)
    raise FederationError(f"unsupported term {term!r} in a triple pattern")


def _path_iris(path) -> set[str]:
    if isinstance(path, URIRef):
        return {str(path)}
    found: set[str] = set()
    for attr in ("args", "path"):
        value = getattr(path, attr, None)
        for part in value if isinstance(value, (list, tuple)) else ([value] if value is not None else []):
            found |= _path_iris(part)
    if type(path).__name__ == "NegatedPath":
        raise FederationError("negated property paths are not supported over a federation")
    return found


class Federation:
    """SPARQL over many sources, with `planner.Options` (selection: stats | ask | naive)."""

    def __init__(self, sources: list[Source], *, selection: str = "stats", batch: int = 50, max_batch: int = 1600,
                 strict: bool = False, ask_cache: bool = False, client=None, timeout: float = 30.0,
                 local_timeout: float = 300.0) -> None:
        self.sources = sources
        self.options = planner.Options(selection, batch, strict, max_batch, {} if ask_cache else None)
        self.client = client
        self.timeout = timeout
        self.local_timeout = local_timeout

    def query(self, query: str, result_format: str = "json") -> tuple[bytes, str, Plan]:
        """Answer `query` over the federation; returns (serialised results, media type, plan)."""
        from ai4c.linked.store import GeoStore

        algebra, urls = parse(query)
        dataset = _dataset(algebra)
        found, services = [], []
        _patterns(algebra, [], found, services)
        for source in self.sources:
            source.reset_counters()
        plan = Plan()
        triples: set[str] = set()
        solutions: list[list[dict] | None] = []
        for bgp, filters, left, graph in found:
            seed = _seed(solutions[left], bgp, self.options) if left is not None else None
            found_triples, rows = self._bgp_triples(bgp, filters, plan, seed, _scope(graph, dataset))
            triples |= found_triples
            solutions.append(rows)
        for number, service_triples in services:
            triples |= self._service_triples(urls[number], service_triples, plan)
        local = GeoStore(entail=False, rewrite_topology=False, union_default_graph=False)
        _insert(local, triples)
        if algebra.name == "DescribeQuery":
            _insert(local, self._described_triples(algebra, query, local, plan))
        for source in self.sources:
            plan.requests[source.name] = source.requests
            plan.results[source.name] = source.results
        body, media = local.query_serialized(_local_dataset(_SERVICE.sub("{", query)), result_format,
                                             timeout=self.local_timeout)
        return body, media, plan

    def _described_triples(self, algebra, query: str, local, plan: Plan) -> set[str]:
        """For DESCRIBE: every source's triples whose subject is a described resource."""
        resources = {f"<{t}>" for t in algebra.PV if isinstance(t, URIRef)}
        names = [str(t) for t in algebra.PV if isinstance(t, Variable)]
        if names:
            select = _DESCRIBE.sub("SELECT DISTINCT " + " ".join("?" + n for n in names) + " WHERE",
                                   _SERVICE.sub("{", query), count=1)
            body, _ = local.query_serialized(select, "json")
            resources |= {from_json(term) for row in json.loads(body)["results"]["bindings"]
                          for term in row.values() if term["type"] == "uri"}
        unit = planner.Unit([("?_d", "?_p", "?_o")], list(self.sources))
        requests = [block for source in self.sources for block in planner.value_blocks(
            source, ["_d"], planner.matching_bindings(unit, source, ["_d"], [(r,) for r in sorted(resources)]),
            self.options)]
        rows = planner.fetch_many(unit, requests, plan.failures, self.options)
        unit.actual = len(rows)
        plan.units.append([unit])
        return _triples(unit.patterns, rows)

    def _bgp_triples(self, bgp, filters, plan: Plan, seed: list[dict] | None = None,
                     scope: planner.Scope | None = None) -> tuple[set[str], list | None]:
        """Triples (INSERT DATA lines) supporting every solution of one BGP (compatible with `seed` when given)
        in `scope`, fetched from the sources, and those solutions (None when the BGP holds property paths)."""
        patterns, paths = [], []
        for s, p, o in bgp:
            if isinstance(p, Path):
                paths.append((s, p, o))
            else:
                patterns.append((_term(s), _term(p), _term(o)))
        out: set[str] = set()
        for _, path, _ in paths:
            for iri in _path_iris(path):
                out |= self._instantiate([("?s", f"<{iri}>", "?o")], [], plan, None, scope)[0]
        rows = None
        if patterns:
            found, rows = self._instantiate(patterns, filters, plan, seed, scope)
            out |= found
        return out, (rows if not paths else None)

    def _instantiate(self, patterns: list[planner.Pattern], filters, plan: Plan, seed: list[dict] | None = None,
                     scope: planner.Scope | None = None) -> tuple[set[str], list[dict]]:
        spatial, temporal = planner.spatial_constraints(filters), planner.temporal_constraints(filters)
        chosen = [planner.select_sources(p, self.sources, spatial, self.options, temporal, scope) for p in patterns]
        if any(not sources for sources in chosen):
            plan.units.append([planner.Unit([p], s, scope=scope) for p, s in zip(patterns, chosen, strict=True)])
            return set(), []
        if seed is None and self.options.selection != "naive":
            seed = planner.equality_seed(filters, patterns)
        units = planner.order_units(planner.build_units(patterns, chosen, filters, self.options, scope),
                                    set(seed[0]) if seed else set())
        rows = planner.evaluate_units(units, self.options, plan.failures, seed)
        plan.units.append(units)
        return _triples(patterns, rows, scope), rows

    def _service_triples(self, url: str, triples: list, plan: Plan) -> set[str]:
        """Triples of a SERVICE clause's triple patterns, fetched from that endpoint alone."""
        if self.client is None:
            raise FederationError("SERVICE clauses need an HTTP client; none was given to the federation")
        if any(isinstance(p, Path) for _, p, _ in triples):
            raise FederationError("property paths inside SERVICE are not supported over a federation")
        patterns = [tuple(_term(t) for t in triple) for triple in triples]
        source = EndpointSource(name=url, url=url, client=self.client, timeout=self.timeout)
        unit = planner.Unit(patterns, [source])
        rows = planner.fetch_many(unit, [(source, None)], plan.failures, self.options)
        unit.actual = len(rows)
        plan.units.append([unit])
        plan.requests[url] = source.requests
        plan.results[url] = source.results
        return _triples(patterns, rows)


def _seed(rows: list[dict] | None, bgp, options: planner.Options) -> list[dict] | None:
    """Distinct bindings of the variables an optional BGP shares with its required one, when few enough
    (at most 20 VALUES blocks) and free of blank nodes; None: fetch the optional BGP whole."""
    if rows is None:
        return None
    names = {str(t) for triple in bgp for t in triple if isinstance(t, Variable)}
    shared = sorted(names & set(rows[0])) if rows else []
    if rows and not shared:
        return None
    distinct = {tuple(row.get(n) for n in shared) for row in rows}
    blocks = sum(1 for _ in planner.batch_sizes(len(distinct), options.batch, options.max_batch))
    if blocks > 20 or any(v is None or v.startswith("_:") for key in distinct for v in key):
        return None
    return [dict(zip(shared, key, strict=True)) for key in sorted(distinct)]


def _insert(store, triples: set[str]) -> None:
    lines = sorted(triples)
    for start in range(0, len(lines), _INSERT_BATCH):
        store.update("INSERT DATA { " + "\n".join(lines[start:start + _INSERT_BATCH]) + " }")


def _local_dataset(query: str) -> str:
    """The query for the local store: its FROM graphs replaced by the one local graph their merged triples are
    put in (FROM NAMED clauses kept: those graphs are copied under their own names)."""
    head, brace, body = query.partition("{")
    first = _FROM_DEFAULT.search(head)
    if first:
        head = head[:first.start()] + f"FROM {_MERGED_FROM} " + _FROM_DEFAULT.sub("", head[first.start():])
    return head + brace + body


def _triples(patterns: list[planner.Pattern], rows: list[dict], scope: planner.Scope | None = None) -> set[str]:
    """INSERT DATA lines of the triples behind `rows`: in the local default graph, in the named graph a
    GRAPH scope bound, or (FROM graphs) in the local graph that merges them."""
    named = scope is not None and not scope.hidden
    merged = scope is not None and scope.hidden
    out = set()
    for row in rows:
        graph = (row.get(scope.graph[1:]) if is_variable(scope.graph) else scope.graph) if named else None
        if named and (graph is None or not graph.startswith("<")):
            continue
        for pattern in patterns:
            terms = [row.get(t[1:]) if is_variable(t) else t for t in pattern]
            if None not in terms and not terms[1].startswith("_:") and not terms[0].startswith('"'):
                target = graph if named else _MERGED_FROM if merged else None
                out.add(f"GRAPH {target} {{ {' '.join(terms)} }}" if target else " ".join(terms) + " .")
    return out
