"""Bulk answers of spatial-join queries: a basic graph pattern plus one FILTER(geof:sfX(?a, ?b)).

Injecting 100 000 index pairs as a VALUES table costs pyoxigraph seconds to parse and join. For the
common join shape (`SELECT ?x ?y WHERE { triple patterns . FILTER(relation(?a, ?b)) }`) the pairs come
from the R-tree (vectorised GEOS predicate), every other triple pattern is fetched from pyoxigraph as
one table (serialised in Rust), and the tables are hash-joined with pandas: no per-row Python work.
Any other query shape returns None and runs through the planner as before.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyoxigraph as ox

from ai4c.linked.store.planner import _FILTER, _NAME, _expand, _parse_constant, relation_of
from ai4c.linked.store.rewrite import prefixes
from ai4c.linked.store.spatial_index import SpatialIndex

_SELECT = re.compile(r"^\s*SELECT\s+(DISTINCT\s+)?((?:\?\w+\s+)*\?\w+)\s*WHERE\s*\{(.*)\}\s*"
                     r"(?:LIMIT\s+(\d+))?\s*$", re.I | re.S)
_TERM = rf"(\?\w+|{_NAME}|a)"
_CONSTANT_LITERAL = re.compile(r'"[^"\\{}\n]*"(?:\^\^(?:<[^>\s]*>|[A-Za-z][\w-]*:[\w-]*)|@[A-Za-z][\w-]*)?')
_PATTERN = re.compile(rf"^{_TERM}\s+{_TERM}\s+(\?\w+|{_NAME}|__lit\d+__)$")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_ROWS = 20_000_000


BULK_SELECTION_MIN = 20_000  # selections with fewer R-tree hits go through the planner
DIRECT_PAIRS = 10_000  # joins of at most so many geometry pairs: pyoxigraph alone is faster than tables
DIRECT = object()  # `answer`'s verdict for those: evaluate the query as it is


def answer(query: str, index: SpatialIndex, fetch: Callable[[str], bytes], fmt: str) -> bytes | object | None:
    """Serialised results (tsv, csv, json or xml) of a bulk-answerable join query, DIRECT for a join of few
    candidate pairs (pyoxigraph evaluates it faster than tables are built), else None."""
    if fmt not in _FORMATS:
        return None
    shape = _shape(query)
    if shape is None:
        return None
    variables, distinct, limit, patterns, relation, a, b, pref = shape
    geometry = {}  # geometry-literal variable -> (subject term, predicate IRI) of its pattern
    for var in (v for v in (a, b) if v.startswith("?")):
        bound = [p for p in patterns if p[2] == var and p[1] != "a"]
        if len(bound) != 1 or sum(var in p for p in patterns) != 1 or not bound[0][0].startswith("?"):
            return None
        geometry[var] = bound[0]
    if len(geometry) == 1 and _selection_size(index, relation, (a, b), geometry, pref) < BULK_SELECTION_MIN:
        return None  # few hits: the planner's VALUES table evaluated by pyoxigraph is faster (no pandas)
    if len(geometry) == 2 and _pairs_at_most(index, [_iri(geometry[v][1], pref) for v in (a, b)]) <= DIRECT_PAIRS:
        return DIRECT
    needed = {*variables, *(p[0] for p in geometry.values())}  # outputs and join keys: the rest is not decoded
    components = [_fetch_bgp(group, pref, fetch, needed) for group in _components(
        [p for p in patterns if p not in geometry.values()])]
    if any(c is None for c in components):
        return None
    allowed = [_allowed(components, geometry[v][0][1:]) for v in geometry]
    if len(geometry) == 2:
        table = _pairs(index, relation, geometry[a], geometry[b], a, b, pref, allowed)
    else:
        table = _selection(index, relation, (a, b), geometry, pref, allowed[0])
    if table is None:
        return None
    while components:  # join next a component sharing a variable with the table (no cartesian products)
        component = next((c for c in components if not len(c.columns) or set(c.columns) & set(table.columns)),
                         None)
        if component is None:
            return None
        components = [c for c in components if c is not component]
        table = table if len(component) else table.iloc[0:0]
        if len(component.columns):
            table = table.merge(component, on=[c for c in component.columns if c in table.columns])
    if any(v[1:] not in table.columns for v in variables):
        return None
    result = table[[v[1:] for v in variables]] if variables else table
    if distinct:
        result = result.drop_duplicates()
    if limit is not None:
        result = result.head(int(limit))
    return _serialise(result, fmt)


@functools.lru_cache(maxsize=256)
def _shape(query: str):
    """(variables, distinct, limit, triple patterns, relation, ?a, ?b, prefixes) or None."""
    body_start = re.search(r"\bSELECT\b", query, re.I)
    if body_start is None or re.search(r"\b(GROUP|ORDER|OFFSET|HAVING|VALUES|BIND|FROM)\b", query, re.I):
        return None
    match = _SELECT.match(query[body_start.start():])
    if match is None:
        return None
    pref = prefixes(query)
    filters = list(_FILTER.finditer(match.group(3)))
    if len(filters) != 1:
        return None
    found = filters[0]
    relation = relation_of(_expand(found.group(1), pref))
    a, b = found.group(2), found.group(3)
    if relation is None or not (a.startswith("?") or b.startswith("?")) or a == b:
        return None
    rest = match.group(3)[:found.start()] + " . " + match.group(3)[found.end():]
    literals: list[str] = []
    rest = _CONSTANT_LITERAL.sub(lambda m: literals.append(m.group(0)) or f" __lit{len(literals) - 1}__ ", rest)
    if "FILTER" in rest.upper() or any(ch in re.sub(r"<[^>\s]*>", "", rest) for ch in '{}()";,\'#'):
        return None
    patterns = []
    for text in (t.strip() for t in re.split(r"\s\.(?=\s|$)|\.\s*$", rest.strip() + " ")):
        if not text:
            continue
        parts = _PATTERN.match(text)
        if parts is None:
            return None
        subject, predicate, obj = parts.groups()
        if obj.startswith("__lit"):
            obj = literals[int(obj[5:-2])]
        patterns.append((subject, predicate, obj))
    variables = match.group(2).split()
    return variables, bool(match.group(1)), match.group(4), patterns, relation, a, b, pref


def _pairs(index, relation, bound_a, bound_b, a, b, pref, allowed) -> pd.DataFrame | None:
    """The geometry-pattern pairs satisfying the relation, from the R-tree, among the geometries
    whose subjects the other patterns allow (`allowed`: a set per side, or None for any)."""
    subj_a, subj_b = bound_a[0], bound_b[0]
    pred_a, pred_b = _iri(bound_a[1], pref), _iri(bound_b[1], pref)
    if pred_a is None or pred_b is None:
        return None
    data = index.data()
    subjects, literals = data.subject_array, data.literal_array
    sides = []
    for predicate, subset in zip((pred_a, pred_b), allowed, strict=True):
        candidates = index.candidates(predicate)
        if subset is not None:
            candidates = candidates[np.fromiter((s in subset for s in subjects[candidates]), dtype=bool,
                                                count=len(candidates))]
        sides.append(candidates)
    left, right = index.join(relation, pred_a, pred_b, *sides)
    if len(left) > MAX_ROWS:
        return None
    columns = {subj_a[1:]: subjects[left], a[1:]: literals[left]}
    if subj_b[1:] in columns:  # the same subject variable on both sides: keep the pairs that agree
        keep = columns[subj_b[1:]] == subjects[right]
        columns = {k: v[keep] for k, v in columns.items()}
        left, right = left[keep], right[keep]
    columns.update({subj_b[1:]: subjects[right], b[1:]: literals[right]})
    return pd.DataFrame(columns)


def _pairs_at_most(index: SpatialIndex, predicates: list[str | None]) -> int:
    """An upper bound of the pairs a join tests: the product of its sides' geometry counts."""
    if None in predicates:
        return DIRECT_PAIRS + 1
    left, right = (len(index.candidates(p)) for p in predicates)
    return left * right


def _selection_size(index, relation, args, geometry, pref) -> int:
    """How many geometries a selection's constant picks from the R-tree (0 when it cannot be planned)."""
    var = next(iter(geometry))
    predicate = _iri(geometry[var][1], pref)
    constant = _parse_constant(args[1] if args[0] == var else args[0], pref)
    if predicate is None or constant is None:
        return 0
    return len(index.select(relation, constant, predicate, args[0] == var))


def _selection(index, relation, args, geometry, pref, allowed) -> pd.DataFrame | None:
    """The geometries (of the pattern binding the variable argument) in `relation` with the constant."""
    var = next(iter(geometry))
    subject, predicate = geometry[var][0], _iri(geometry[var][1], pref)
    constant = _parse_constant(args[1] if args[0] == var else args[0], pref)
    if predicate is None or constant is None:
        return None
    data = index.data()
    hits = index.select(relation, constant, predicate, args[0] == var)
    subjects, literals = data.subject_array, data.literal_array
    if allowed is not None:
        hits = hits[np.fromiter((s in allowed for s in subjects[hits]), dtype=bool, count=len(hits))]
    return pd.DataFrame({subject[1:]: subjects[hits], var[1:]: literals[hits]})


def _components(patterns: list[tuple[str, str, str]]) -> list[list[tuple[str, str, str]]]:
    """The patterns grouped into sets connected by shared variables."""
    groups: list[tuple[set, list]] = []
    for pattern in patterns:
        names = {t for t in pattern if t.startswith("?")}
        linked = [g for g in groups if g[0] & names]
        merged = (names.union(*(g[0] for g in linked)), [q for g in linked for q in g[1]] + [pattern])
        groups = [g for g in groups if not any(g is x for x in linked)] + [merged]
    return [g[1] for g in groups]


def _fetch_bgp(patterns: list[tuple[str, str, str]], pref: dict[str, str], fetch,
               needed: set[str] | None = None) -> pd.DataFrame | None:
    """The solutions of a connected group of triple patterns (one pyoxigraph query) as a table, with the
    columns of its variables in `needed` (all when none is: a group's rows then count)."""
    where = bgp_text(patterns, pref)
    if where is None:
        return None
    variables = list(dict.fromkeys(t for p in patterns for t in p if t.startswith("?")))
    variables = [v for v in variables if needed is None or v in needed] or variables
    head = " ".join(variables) if variables else "*"
    body = fetch(f"SELECT {head} WHERE {{ {where} }}")
    rows = [line.split("\t") for line in body.decode("utf-8").split("\n")[1:] if line]
    if not variables:
        return pd.DataFrame(index=range(len(rows)))
    return pd.DataFrame(rows, columns=[v[1:] for v in variables]) if rows else \
        pd.DataFrame({v[1:]: pd.Series(dtype=object) for v in variables})


def bgp_text(patterns: list[tuple[str, str, str]], pref: dict[str, str]) -> str | None:
    """The triple patterns as SPARQL text without prefixes (None: a constant this reader cannot expand)."""
    lines = []
    for pattern in patterns:
        terms = [t if t.startswith("?") else _constant(t, pref) for t in pattern]
        if None in terms:
            return None
        lines.append(" ".join(terms) + " .")
    return " ".join(lines)


def _allowed(components: list[pd.DataFrame], column: str) -> set | None:
    """The values a component allows for `column` (None: no component constrains it)."""
    for component in components:
        if column in component.columns:
            return set(component[column].tolist())
    return None


def _constant(text: str, pref: dict[str, str]) -> str | None:
    """A constant term in N-Triples syntax: an IRI or a literal (prefixed datatype expanded)."""
    if not text.startswith('"'):
        iri = _iri(text, pref)
        return None if iri is None else f"<{iri}>"
    body, marker, datatype = text.rpartition('"^^')
    if not marker or datatype.startswith("<"):
        return text
    iri = _iri(datatype, pref)
    return None if iri is None else f'{body}"^^<{iri}>'


def _iri(text: str, pref: dict[str, str]) -> str | None:
    """The IRI of `a`, `<iri>` or a prefixed name with a declared prefix (else None)."""
    if text == "a":
        return _RDF_TYPE
    if text.startswith("<"):
        return text[1:-1]
    prefix, _, local = text.partition(":")
    return pref[prefix] + local if prefix in pref else None


def _tsv(result: pd.DataFrame) -> bytes:
    """The table as SPARQL TSV results (its cells are already TSV terms, as pyoxigraph wrote them)."""
    out = io.StringIO()
    out.write("\t".join(f"?{c}" for c in result.columns) + "\n")
    if len(result):
        out.write("\n".join("\t".join(row) for row in result.itertuples(index=False, name=None)) + "\n")
    return out.getvalue().encode("utf-8")


def _serialise(result: pd.DataFrame, fmt: str) -> bytes:
    """The table in a result format: TSV as is, the others converted from it by pyoxigraph (in Rust)."""
    tsv = _tsv(result)
    if fmt == "tsv":
        return tsv
    out = io.BytesIO()
    ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(out, _FORMATS[fmt])
    return out.getvalue()


_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
            "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}


def tsv_fetcher(store: ox.Store, dataset: Callable[[str], dict]) -> Callable[[str], bytes]:
    """A function running a plain SPARQL query on `store` over `dataset(query)` (its default graph)
    and returning its TSV results."""
    def fetch(query: str) -> bytes:
        out = io.BytesIO()
        store.query(query, **dataset(query)).serialize(out, ox.QueryResultsFormat.TSV)
        return out.getvalue()
    return fetch
