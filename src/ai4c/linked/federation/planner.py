"""Source selection, exclusive groups, cardinality-ordered bound joins: the solutions of one basic graph pattern."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from ai4c.linked.federation.sources import Source, SourceError
from ai4c.linked.federation.summary import parse_wkt
from ai4c.linked.federation.terms import authority, iri_value, is_iri, is_variable
from ai4c.linked.geo.vocab import GEO, RDF_TYPE

Pattern = tuple[str, str, str]
_SPATIAL = re.compile(r"^(http://www\.opengis\.net/def/function/geosparql/(sf(?!Disjoint)|eh(?!Disjoint)|rcc8(?!dc))"
                      r"|http://strdf\.di\.uoa\.gr/ontology#(within|contains|intersects|overlaps|equals|covers|"
                      r"coveredBy|inside|touches|crosses|mbbIntersects|mbbWithin|mbbContains))")
_SPATIAL_FUNCTION = re.compile(r"<http://www\.opengis\.net/def/function/geosparql/|<http://strdf\.di\.uoa\.gr/")
_IRI = re.compile(r"<([^<>\s]*)>")
UNKNOWN_CARDINALITY = 1000.0


FROM_GRAPH = "?_from"


@dataclass(frozen=True)
class Scope:
    """The graph patterns are read from at a source: `graph` (a GRAPH IRI or variable; FROM_GRAPH for the
    FROM graphs, `hidden` from the solutions), restricted to the IRIs `names` when not None."""

    graph: str
    names: tuple[str, ...] | None = None
    hidden: bool = False

    def wrap(self, body: str, source: Source) -> str:
        """`body` inside GRAPH (with a VALUES block naming the allowed graphs), in the source's vocabulary."""
        values = ""
        if self.names is not None and is_variable(self.graph):
            values = f"VALUES {self.graph} {{ {' '.join(source.vocabulary.to_source(n) for n in self.names)} }} "
        return f"{values}GRAPH {source.vocabulary.to_source(self.graph)} {{ {body} }}"

    @property
    def empty(self) -> bool:
        """No graph can match (FROM NAMED lists none, or not this GRAPH IRI)."""
        return self.names is not None and (not self.names if is_variable(self.graph) else self.graph not in self.names)


@dataclass
class Unit:
    """Patterns sent together to the same sources (an exclusive group when one source holds them all)."""

    patterns: list[Pattern]
    sources: list[Source]
    filters: list[str] = field(default_factory=list)
    estimate: float = 0.0
    actual: int = 0
    requests: int = 0
    scope: Scope | None = None

    @property
    def variables(self) -> set[str]:
        """The variables of the unit's solutions (a GRAPH variable included, the FROM one not)."""
        names = {t[1:] for p in self.patterns for t in p if is_variable(t)}
        if self.scope is not None and not self.scope.hidden and is_variable(self.scope.graph):
            names.add(self.scope.graph[1:])
        return names


@dataclass
class Options:
    """How to select sources and batch bound joins; `asks` remembers ASK answers when not None."""

    selection: str = "stats"  # stats | ask | naive
    batch: int = 50
    strict: bool = False
    max_batch: int = 1600
    asks: dict | None = None


ASK_CACHE_SIZE = 100_000


def spatial_constraints(filters: list[tuple[str, set[str], object]]) -> dict[str, object]:
    """{variable: CRS84 geometry} from pushable spatial filters with one variable and one constant WKT."""
    from rdflib import Literal, Variable

    found = {}
    for _, _, expr in filters:
        if getattr(expr, "name", None) != "Function" or not _SPATIAL.match(str(expr.iri)) or len(expr.expr) != 2:
            continue
        a, b = expr.expr
        var, lit = (a, b) if isinstance(a, Variable) else (b, a)
        if isinstance(var, Variable) and isinstance(lit, Literal):
            geometry, _ = parse_wkt(str(lit))
            if geometry is not None:
                found[str(var)] = geometry
    return found


def equality_seed(filters: list[tuple[str, set[str], object]], patterns: list[Pattern]) -> list[dict] | None:
    """Solutions fixing the variables that pushable FILTER(?v = <iri>) / sameTerm(?v, <iri>) pin to one IRI
    (a bound join from one binding instead of a whole-extent fetch filtered at the source); [] when two
    constants contradict; None when no filter pins a variable of `patterns`."""
    from rdflib import URIRef, Variable

    names = {t[1:] for p in patterns for t in p if is_variable(t)}
    pinned: dict[str, set[str]] = {}
    for _, _, expr in filters:
        kind = getattr(expr, "name", None)
        if kind == "RelationalExpression" and expr.op == "=":
            a, b = expr.expr, expr.other
        elif kind == "Builtin_sameTerm":
            a, b = expr.arg1, expr.arg2
        else:
            continue
        var, iri = (a, b) if isinstance(a, Variable) else (b, a)
        if isinstance(var, Variable) and isinstance(iri, URIRef) and str(var) in names:
            pinned.setdefault(str(var), set()).add(f"<{iri}>")
    if not pinned:
        return None
    if any(len(values) > 1 for values in pinned.values()):
        return []
    return [{name: next(iter(values)) for name, values in pinned.items()}]


def temporal_constraints(filters: list[tuple[str, set[str], object]]) -> dict[str, list[tuple[str, object]]]:
    """{variable: [(operator, datetime)]} from pushable comparisons of a variable with an xsd:dateTime constant."""
    from rdflib import Literal, Variable
    from rdflib.namespace import XSD

    found: dict[str, list] = {}
    flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    for _, _, expr in filters:
        if getattr(expr, "name", None) != "RelationalExpression" or expr.op not in flipped:
            continue
        a, b, op = expr.expr, expr.other, expr.op
        if isinstance(b, Variable):
            a, b, op = b, a, flipped[op]
        if isinstance(a, Variable) and isinstance(b, Literal) and b.datatype == XSD.dateTime:
            found.setdefault(str(a), []).append((op, _datetime(str(b))))
    return found


def _datetime(text: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _time_excluded(extent: tuple[str, str] | None, constraints: list[tuple[str, object]]) -> bool:
    """True when no xsd:dateTime in [extent] can satisfy every constraint (None extent: the source has none)."""
    if extent is None:
        return True
    lo, hi = _datetime(extent[0]), _datetime(extent[1])
    try:
        for op, value in constraints:
            if value is None or lo is None or hi is None:
                return False
            if (op in (">", ">=") and (hi < value or (op == ">" and hi == value))) or \
               (op in ("<", "<=") and (lo > value or (op == "<" and lo == value))) or \
               (op == "=" and not lo <= value <= hi):
                return True
    except TypeError:  # naive against aware times: cannot decide
        return False
    return False


def map_pattern(pattern: Pattern, source: Source) -> Pattern:
    return tuple(source.vocabulary.to_source(t) for t in pattern)


def map_text(text: str, source: Source) -> str:
    return _IRI.sub(lambda m: source.vocabulary.to_source(m.group(0)), text)


def statistics_decide(pattern: Pattern, source: Source, spatial: dict, temporal: dict | None = None) -> bool | None:
    """True/False when the source's statistics decide whether it can match `pattern`, None when only ASK can."""
    summary = source.summary
    if summary is None:
        return None
    s, p, o = map_pattern(pattern, source)
    if not is_iri(p):
        if is_iri(s) and not any(authority(iri_value(s)) in st.subject_authorities for st in summary.predicates.values()):
            return False
        return None if (not is_variable(s) or not is_variable(o)) else summary.triples > 0
    stats = summary.predicates.get(iri_value(p))
    if stats is None:
        return False
    if iri_value(p) == RDF_TYPE and is_iri(o):
        return iri_value(o) in summary.classes
    if is_iri(s) and authority(iri_value(s)) not in stats.subject_authorities:
        return False
    if is_iri(o) and authority(iri_value(o)) not in stats.object_authorities:
        return False
    if iri_value(p) == GEO + "asWKT" and is_variable(o) and o[1:] in spatial and summary.extent is not None:
        x0, y0, x1, y1 = summary.extent
        g0, h0, g1, h1 = spatial[o[1:]].bounds
        if g1 < x0 or g0 > x1 or h1 < y0 or h0 > y1:
            return False
    if temporal and is_variable(o) and o[1:] in temporal and _time_excluded(summary.time_extent, temporal[o[1:]]):
        return False
    return None if (not is_variable(s) or not is_variable(o)) else True


def estimate(pattern: Pattern, source: Source) -> float:
    """Estimated matches of `pattern` in `source` from its statistics."""
    summary = source.summary
    if summary is None:
        return UNKNOWN_CARDINALITY
    s, p, o = map_pattern(pattern, source)
    if not is_iri(p):
        return float(summary.triples)
    stats = summary.predicates.get(iri_value(p))
    if stats is None:
        return 0.0
    if iri_value(p) == RDF_TYPE and is_iri(o):
        return float(summary.classes.get(iri_value(o), 0))
    value = float(stats.triples)
    if not is_variable(s):
        value /= max(stats.subjects, 1)
    if not is_variable(o):
        value /= max(stats.objects, 1)
    return value


def select_sources(pattern: Pattern, sources: list[Source], spatial: dict, options: Options,
                   temporal: dict | None = None, scope: Scope | None = None) -> list[Source]:
    """The sources that can match `pattern`: all (naive), ASK for each (ask), or statistics then ASK (stats);
    in a named-graph scope (which the statistics do not describe) ASK decides."""
    if scope is not None and scope.empty:
        return []
    if options.selection == "naive":
        return list(sources)
    chosen = []
    for source in sources:
        decided = (None if options.selection == "ask" or scope is not None
                   else statistics_decide(pattern, source, spatial, temporal))
        if decided is None:
            decided = _ask(source, pattern, options, scope)
        if decided:
            chosen.append(source)
    return chosen


def _ask(source: Source, pattern: Pattern, options: Options, scope: Scope | None = None) -> bool:
    """Whether `source` can match `pattern`, asked (or remembered from an earlier ASK when caching)."""
    body = " ".join(map_pattern(pattern, source))
    query = "ASK { " + (scope.wrap(body, source) if scope is not None else body) + " }"
    key = (source.name, query)
    if options.asks is not None and key in options.asks:
        return options.asks[key]
    try:
        answer = source.ask(query)
    except SourceError:
        if options.strict:
            raise
        return True  # let the fetch report the failure
    if options.asks is not None:
        if len(options.asks) >= ASK_CACHE_SIZE:
            options.asks.clear()
        options.asks[key] = answer
    return answer


def build_units(patterns: list[Pattern], chosen: list[list[Source]], filters, options: Options,
                scope: Scope | None = None) -> list[Unit]:
    """Exclusive groups (connected patterns whose only source is the same) and single-pattern units."""
    units: list[Unit] = []
    groups: dict[str, list[Pattern]] = {}
    for pattern, sources in zip(patterns, chosen, strict=True):
        if len(sources) == 1 and options.selection != "naive":
            groups.setdefault(sources[0].name, []).append(pattern)
        else:
            units.append(Unit([pattern], sources, scope=scope))
    by_name = {s[0].name: s[0] for s in chosen if len(s) == 1}
    for name, members in groups.items():
        for component in _components(members):
            units.append(Unit(component, [by_name[name]], scope=scope))
    for unit in units:
        unit.estimate = min(sum(estimate(p, s) for s in unit.sources) for p in unit.patterns)
        if options.selection != "naive":
            unit.filters = [text for text, names, _ in filters if names and names <= unit.variables
                            and (all(s.geosparql for s in unit.sources) or not _SPATIAL_FUNCTION.search(text))]
    return units


def _components(patterns: list[Pattern]) -> list[list[Pattern]]:
    """Patterns split into groups connected by shared variables."""
    remaining = list(patterns)
    out = []
    while remaining:
        group = [remaining.pop(0)]
        names = {t for t in group[0] if is_variable(t)}
        grew = True
        while grew:
            grew = False
            for pattern in list(remaining):
                if names & {t for t in pattern if is_variable(t)}:
                    group.append(pattern)
                    names |= {t for t in pattern if is_variable(t)}
                    remaining.remove(pattern)
                    grew = True
        out.append(group)
    return out


def order_units(units: list[Unit], bound: set[str] | None = None) -> list[Unit]:
    """Greedy join order: smallest estimate first (among those sharing a variable with `bound`, the variables
    already bound), then the smallest unit sharing a variable with those before."""
    remaining = sorted(units, key=lambda u: u.estimate)
    ordered: list[Unit] = []
    bound = set(bound or ())
    while remaining:
        connected = [u for u in remaining if u.variables & bound]
        pick = connected[0] if connected else remaining[0]
        remaining.remove(pick)
        ordered.append(pick)
        bound |= pick.variables
    return ordered


def unit_query(unit: Unit, source: Source, values: tuple[list[str], list[tuple[str, ...]]] | None = None) -> str:
    """The SELECT query sending `unit` to `source` (in its vocabulary), with a VALUES block for a bound join."""
    body = " . ".join(" ".join(map_pattern(p, source)) for p in unit.patterns)
    head = ""
    if values:
        names, rows = values
        head = ("VALUES (" + " ".join("?" + n for n in names) + ") { "
                + " ".join("(" + " ".join(source.vocabulary.to_source(t) for t in row) + ")" for row in rows) + " } ")
    filters = "".join(f" FILTER({map_text(f, source)})" for f in unit.filters)
    if unit.scope is not None:
        body = unit.scope.wrap(body, source)
        if unit.scope.hidden:  # the FROM graphs merged: a triple in two of them is one triple
            names = " ".join(sorted("?" + n for n in unit.variables)) or "*"
            return f"SELECT DISTINCT {names} WHERE {{ {head}{body} {filters} }}"
    return f"SELECT * WHERE {{ {head}{body} .{filters} }}"


def fetch(unit: Unit, source: Source, values=None, failures: list | None = None, options: Options = None) -> list[dict]:
    """Rows of `unit` from one source, mapped back to the federation's vocabulary."""
    try:
        rows = source.select(unit_query(unit, source, values))
    except SourceError as err:
        if options is not None and options.strict:
            raise
        if failures is not None:
            failures.append(str(err))
        return []
    back = source.vocabulary.to_federation
    wanted = unit.variables
    return [{k: back(v) for k, v in row.items() if k in wanted} for row in rows]


def fetch_many(unit: Unit, requests: list[tuple[Source, object]], failures: list, options: Options) -> list[dict]:
    """Rows of `unit` for each (source, VALUES block or None): the sources answer in parallel, each its requests
    in turn (blocks sent at once to one endpoint only compete there); counted as this thread's requests."""
    by_source: dict[int, list] = {}
    for request in requests:
        by_source.setdefault(id(request[0]), []).append(request)

    def one(group: list[tuple[Source, object]]) -> tuple[list[dict], int, int]:
        source = group[0][0]
        before = (source.requests, source.results)
        rows = [row for _, values in group for row in fetch(unit, source, values, failures, options)]
        return rows, source.requests - before[0], source.results - before[1]

    groups = list(by_source.values())
    answers = [one(g) for g in groups] if len(groups) < 2 else list(_pool().map(one, groups))
    out: list[dict] = []
    for group, (rows, sent, received) in zip(groups, answers, strict=True):
        if len(groups) > 1:
            group[0][0].add_counts(sent, received)
        unit.requests += sent
        out += rows
    return out


_POOL: list = []
_POOL_LOCK = threading.Lock()


def _pool():
    """The threads that send source requests concurrently (one pool per process)."""
    from concurrent.futures import ThreadPoolExecutor

    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=32, thread_name_prefix="ai4c-federation"))
        return _POOL[0]


def value_blocks(source: Source, names: list[str], bindings: list[tuple[str, ...]], options: Options) -> list:
    """(source, VALUES block) requests covering `bindings` of `names` in growing blocks."""
    out = []
    start = 0
    for size in batch_sizes(len(bindings), options.batch, source.max_batch(options)):
        out.append((source, (names, bindings[start:start + size])))
        start += size
    return out


def matching_bindings(unit: Unit, source: Source, names: list[str], bindings: list[tuple[str, ...]]) -> list[tuple]:
    """The `bindings` of `names` that `could_match` allows, deciding once per combination of IRI authorities
    (what the statistics know; full IRIs where a bound variable is the class of an rdf:type pattern)."""
    classes = {p[2][1:] for p in unit.patterns if p[1] == f"<{RDF_TYPE}>" and is_variable(p[2])}
    exact = [n in classes for n in names]
    decided: dict[tuple, bool] = {}
    out = []
    for row in bindings:
        key = tuple(v if keep or not is_iri(v) else authority(iri_value(v)) for v, keep in zip(row, exact, strict=True))
        if key not in decided:
            decided[key] = could_match(unit, source, dict(zip(names, row, strict=True)))
        if decided[key]:
            out.append(row)
    return out


def could_match(unit: Unit, source: Source, binding: dict[str, str]) -> bool:
    """False when the source's IRI authorities rule out every pattern of `unit` under `binding` (bound joins;
    the statistics describe default graphs only)."""
    if source.summary is None or unit.scope is not None:
        return True
    for pattern in unit.patterns:
        bound = tuple(binding.get(t[1:], t) if is_variable(t) else t for t in pattern)
        if bound != pattern and statistics_decide(bound, source, {}) is False:
            return False
    return True


def batch_sizes(bindings: int, first: int, largest: int):
    """VALUES block sizes covering `bindings`: `first`, then doubling up to `largest` (few requests for many
    bindings, small ones when a few suffice)."""
    size = min(first, largest)
    while bindings > 0:
        yield min(size, bindings)
        bindings -= size
        size = min(size * 2, largest)


def bound_join_cheaper(unit: Unit, bindings: int, options: Options) -> bool:
    """Whether VALUES blocks of `bindings` cost less than fetching the unit whole (requests weighed in rows)."""
    bound = sum(source.request_cost * _count(batch_sizes(bindings, options.batch, source.max_batch(options)))
                for source in unit.sources) + bindings
    return bound <= sum(source.request_cost for source in unit.sources) + unit.estimate


def _count(items) -> int:
    return sum(1 for _ in items)


def join(left: list[dict], right: list[dict], shared: list[str]) -> list[dict]:
    """Hash join of two row lists on `shared` variables (a cross product when none)."""
    index: dict[tuple, list[dict]] = {}
    for row in right:
        index.setdefault(tuple(row.get(n) for n in shared), []).append(row)
    out = []
    for row in left:
        for match in index.get(tuple(row.get(n) for n in shared), ()):
            out.append({**row, **match})
    return out


def evaluate_units(ordered: list[Unit], options: Options, failures: list, seed: list[dict] | None = None) -> list[dict]:
    """Solutions of the ordered units (compatible with `seed` rows when given): a unit sharing no bound variable
    is fetched whole, the others bound-joined in growing VALUES blocks when that costs less than fetching them
    whole."""
    rows: list[dict] = [{}] if seed is None else seed
    bound: set[str] = set(seed[0]) if seed else set()
    for unit in ordered:
        if not rows:
            break
        shared = sorted(unit.variables & bound)
        use_values = (shared and options.selection != "naive"
                      and not any(row.get(n, "").startswith("_:") for row in rows for n in shared))
        distinct = sorted({tuple(row[n] for n in shared) for row in rows}) if use_values else []
        if use_values and bound_join_cheaper(unit, len(distinct), options):
            requests = [block for source in unit.sources
                        for block in value_blocks(source, shared, matching_bindings(unit, source, shared, distinct),
                                                  options)]
        else:
            requests = [(source, None) for source in unit.sources]
        fetched = fetch_many(unit, requests, failures, options)
        unit.actual = len(fetched)
        rows = join(rows, fetched, shared)
        bound |= unit.variables
        if not rows:
            break
    return rows


