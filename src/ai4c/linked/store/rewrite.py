"""Query rewriting on the SPARQL text: GeoSPARQL's query rewrite extension (topological triple
patterns between features/geometries become function filters) and stSPARQL aggregate overloading."""

from __future__ import annotations

import functools
import itertools
import re

from ai4c.linked.geo.vocab import GEO
from ai4c.linked.store.entailment import GRAPH as ENTAILMENT_GRAPH
from ai4c.linked.store.geof import GEOF, RELATIONS
from ai4c.linked.store.strdf import AGGREGATE_SUFFIX, OVERLOADED_AGGREGATES, STRDF

_PREFIX = re.compile(r"PREFIX\s+([\w-]*):\s*<([^>]*)>", re.I)
_TERM = r"(?:\?\w+|\$\w+|<[^>\s]*>|[A-Za-z][\w-]*:[\w-]*|:[\w-]+)"


def prefixes(query: str) -> dict[str, str]:
    """The PREFIX declarations of a query."""
    return {m.group(1): m.group(2) for m in _PREFIX.finditer(query)}


def _names_for(query: str, namespace: str, local: str) -> list[str]:
    """Spellings of namespace+local in this query: the full IRI and each bound prefix."""
    spellings = [re.escape(f"<{namespace}{local}>")]
    spellings += [re.escape(f"{p}:{local}") for p, ns in prefixes(query).items() if ns == namespace]
    return spellings


def _call_arity(text: str, start: int) -> int:
    """Number of top-level arguments of the call whose '(' is at `start`."""
    depth, count, in_string = 0, 1, ""
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            in_string = "" if ch == in_string and text[i - 1] != "\\" else in_string
        elif ch in "\"'":
            in_string = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return count if text[start + 1:i].strip() else 0
        elif ch == "," and depth == 1:
            count += 1
    return count


def rewrite_aggregates(query: str) -> str:
    """strdf:union(?g) / intersection / extent with one argument -> their aggregate IRIs."""
    for local in OVERLOADED_AGGREGATES:
        for spelling in _names_for(query, STRDF, local):
            pattern = re.compile(spelling + r"\s*\(")
            pos = 0
            while match := pattern.search(query, pos):
                paren = match.end() - 1
                if _call_arity(query, paren) == 1:
                    replacement = f"<{STRDF}{local}{AGGREGATE_SUFFIX}>("
                    query = query[:match.start()] + replacement + query[paren + 1:]
                    pos = match.start() + len(replacement)
                else:
                    pos = match.end()
    return query


def ungroup_aggregated_geometries(query: str) -> str:
    """stSPARQL compatibility: a geometry variable aggregated by strdf:union/intersection/extent is
    not a grouping key (Strabon aggregates over it even when GROUP BY lists it)."""
    aggregated = set(re.findall(rf"<{re.escape(STRDF)}\w+{AGGREGATE_SUFFIX}>\(\s*(\?\w+)\s*\)", query))
    match = re.search(r"GROUP\s+BY((?:\s+\?\w+)+)", query, re.I)
    if not aggregated or match is None:
        return query
    keys = match.group(1).split()
    kept = [k for k in keys if k not in aggregated]
    if kept == keys or not kept:
        return query
    return query[:match.start(1)] + " " + " ".join(kept) + query[match.end(1):]


def rewrite_topology(query: str) -> str:
    """Each `S geo:sfX O` triple pattern -> materialised triples UNION the computed relation."""
    counter = itertools.count()
    for relation in RELATIONS:
        for spelling in _names_for(query, GEO, relation):
            pattern = re.compile(rf"({_TERM})\s+{spelling}\s+({_TERM})\s*(\.|(?=\}}))")
            query = pattern.sub(lambda m, r=relation: _expand(m, r, next(counter)), query)
    return query


def _expand(match: re.Match, relation: str, n: int) -> str:
    subject, obj = match.group(1), match.group(2)
    variables = [t for t in dict.fromkeys((subject, obj)) if t.startswith(("?", "$"))]
    projection = " ".join(variables) if variables else f"(1 AS ?_k{n})"
    prop = f"<{GEO}{relation}>"
    serial = f"(<{GEO}asWKT>|<{GEO}asGML>|<{GEO}asGeoJSON>|<{GEO}asKML>)"
    return (
        f"{{ SELECT DISTINCT {projection} WHERE {{ {{ {subject} {prop} {obj} . }} UNION {{ "
        f"{_default_geometry(subject, f'?_ga{n}')} ?_ga{n} {serial} ?_la{n} . "
        f"{_default_geometry(obj, f'?_gb{n}')} ?_gb{n} {serial} ?_lb{n} . "
        f"FILTER(<{GEOF}{relation}>(?_la{n}, ?_lb{n})) }} }} }} "
    )


def _default_geometry(term: str, geometry: str) -> str:
    """`term` itself (a geometry) or its default geometry as the data state it: the rewrite rules
    follow geo:hasDefaultGeometry links of the data, not ones entailed through sub-properties."""
    link = f"<{GEO}hasDefaultGeometry>"
    return (f"{term} ({link})? {geometry} . "
            f"FILTER NOT EXISTS {{ GRAPH <{ENTAILMENT_GRAPH}> {{ {term} {link} {geometry} }} }} ")


@functools.lru_cache(maxsize=512)
def rewrite(query: str, *, topology: bool = True) -> str:
    """All text rewrites, in order (the topology rewrite only when asked); cached, as endpoints repeat queries."""
    if "http://www.opengis.net/" not in query and STRDF not in query:
        return query  # no GeoSPARQL or stSPARQL term: nothing to rewrite
    query = ungroup_aggregated_geometries(rewrite_aggregates(query))
    return rewrite_topology(query) if topology else query
