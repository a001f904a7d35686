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
    """Spellings of namespace+local that this query uses (the full IRI, each bound prefix), escaped."""
    spellings = [f"<{namespace}{local}>"]
    spellings += [f"{p}:{local}" for p, ns in prefixes(query).items() if ns == namespace]
    return [re.escape(s) for s in spellings if s in query]


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
    for local in (a for a in OVERLOADED_AGGREGATES if a in query):
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
    for relation in (r for r in RELATIONS if r in query):  # (every spelling holds the local name)
        for spelling in _names_for(query, GEO, relation):
            pattern = re.compile(rf"({_TERM})\s+{spelling}\s+({_TERM})\s*(\.|(?=\}}))")
            query = pattern.sub(lambda m, r=relation: _expand(m, r, next(counter)), query)
    return query


def _expand(match: re.Match, relation: str, n: int) -> str:
    subject, obj = match.group(1), match.group(2)
    variables = [t for t in dict.fromkeys((subject, obj)) if t.startswith(("?", "$"))]
    projection = " ".join(variables) if variables else f"(1 AS ?_k{n})"
    prop = f"<{GEO}{relation}>"
    serial = f"(<{GEO}asWKT>|<{GEO}asGML>|<{GEO}asGeoJSON>|<{GEO}asKML>|<{GEO}asDGGS>)"
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



_TOKEN = re.compile(r"""\s*(<[^<>"{}|^`\\\s]*>|"(?:[^"\\]|\\.)*"(?:\^\^(?:<[^>]*>|[\w.-]*:[\w.:%-]*(?<!\.))|@[\w-]+)?"""
                    r"""|[?$]\w+|_:[\w.-]*\w|[A-Za-z][\w.-]*(?<!\.):[\w.:%-]*(?<!\.)|:[\w.:%-]*(?<!\.)"""
                    r"""|[+-]?\d[\w.+-]*(?<!\.)|\w+|#[^\n]*|\^\^|[{}()\[\].;,^/|*+?!=<>&@-]|\S)""", re.S)
_STRINGS = re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"'''
                      r"""|'(?:[^'\\\n]|\\.)*'""")
_SKIP_EXPRESSION = {"FILTER", "BIND", "HAVING"}
_GROUP_WORDS = {"OPTIONAL", "MINUS", "UNION", "WHERE", "NOT", "EXISTS", "LATERAL"}
_MODIFIERS = {"GROUP", "ORDER", "LIMIT", "OFFSET"}


def may_match(query: str, predicates: frozenset[str]) -> bool:
    """Whether a query may match a triple whose predicate is one of `predicates` (IRIs): it names one
    anywhere (rdf:type also as `a`), has a variable predicate or a negated property set, or is a
    DESCRIBE. Conservative: what it cannot follow answers True (the caller then evaluates over more
    graphs, which stays correct)."""
    return _may_match(query, predicates)


@functools.lru_cache(maxsize=512)
def _may_match(query: str, predicates: frozenset[str]) -> bool:
    tokens = [t for t, _, _ in token_spans(query)]
    pref = prefixes(query)
    iris = []
    for token in tokens:
        if token.upper() in ("BASE", "DESCRIBE"):
            return True
        if (iri := resolve(token, pref)) is not None:
            iris.append(iri)
        elif ":" in token and not token.startswith(("?", "$", "_:", '"')):
            return True  # a prefix this reader does not know
    if predicates & set(iris):
        return True
    return _walk(tokens, predicates)


def token_spans(query: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of a query text, comments dropped; a string literal's token has the characters
    between its quotes masked (never read as SPARQL), its span is the literal's in `query`."""
    masked = _STRINGS.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', query)
    return [(m.group(1), m.start(1), m.end(1)) for m in _TOKEN.finditer(masked) if not m.group(1).startswith("#")]


def resolve(token: str, pref: dict[str, str]) -> str | None:
    """The IRI a token spells (<full>, or prefixed with a prefix of `pref`), None for anything else."""
    if len(token) > 1 and token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, colon, local = token.partition(":")
    if colon and prefix in pref and not token.startswith(("?", "$", "_:", '"')):
        return pref[prefix] + local
    return None


def _walk(tokens: list[str], predicates: frozenset[str]) -> bool:
    """Follow the triple patterns' positions (subject, predicate, object) through the query's groups:
    True at a variable or `a` in predicate position, a negated property set, or anything unexpected."""
    start = tokens.index("{") if "{" in tokens else len(tokens)
    state, depth, i, stack = "S", 0, start, []
    while i < len(tokens):
        token, upper = tokens[i], tokens[i].upper()
        i += 1
        if token == "{":
            depth, state = depth + 1, "S"
        elif token == "}":
            depth, state = depth - 1, "S"
            if depth == 0:  # the end of WHERE (or of a CONSTRUCT template): modifiers follow
                i = tokens.index("{", i) if "{" in tokens[i:] else len(tokens)
        elif token == ".":
            state = "S"
        elif token == ";":
            state = "P"
        elif token == ",":
            state = "O"
        elif upper in _SKIP_EXPRESSION and state in ("S", "E"):
            i = _skip_expression(tokens, i)
            state = "S"
        elif upper == "VALUES":
            i = _skip_block(tokens, i)
            state = "S"
        elif upper in ("GRAPH", "SERVICE"):
            i += 2 if i < len(tokens) and tokens[i].upper() == "SILENT" else 1
        elif upper == "SELECT":
            while i < len(tokens) and tokens[i].upper() != "WHERE" and tokens[i] != "{":
                i += 1
        elif upper in _GROUP_WORDS:
            state = "S"
        elif upper in _MODIFIERS:  # the end of a sub-select: GROUP BY, ORDER BY, LIMIT ... up to its '}'
            while i < len(tokens) and tokens[i] != "}":
                i += 1
        elif token == "[" and state in ("S", "O"):
            stack.append(state)
            state = "P"
        elif token == "]" and stack:
            state = "P" if stack.pop() == "S" else "E"
        elif token == "(" and state in ("S", "O"):
            i = _skip_balanced(tokens, i - 1)
            state = "P" if state == "S" else "E"
        elif state == "P":
            end = _path_end(tokens, i - 1)
            if end is None or any(t.startswith(("?", "$")) and len(t) > 1 or t == "!" or t == "a"
                                  for t in tokens[i - 1:end]):
                return True
            i, state = end, "O"
        elif _is_term(token) and state in ("S", "O"):
            state = "P" if state == "S" else "E"
        else:
            return True
    return False


def _is_term(token: str) -> bool:
    return token[0] in "<\"?$_:+-0123456789" or ":" in token or token.upper() in ("TRUE", "FALSE", "A")


def _path_end(tokens: list[str], i: int) -> int | None:
    """The index after a property path starting at `i` (None when it cannot be followed)."""
    expect_element = True
    while i < len(tokens):
        token = tokens[i]
        if expect_element:
            if token in ("^", "!"):
                i += 1
                continue
            if token == "(":
                i = _skip_balanced(tokens, i)
                if i > len(tokens):
                    return None
            elif _is_term(token) or token == "a":
                i += 1
            else:
                return None
            expect_element = False
        elif token in ("*", "+", "?"):
            i += 1
        elif token in ("/", "|"):
            i += 1
            expect_element = True
        else:
            return i
    return None


def _skip_balanced(tokens: list[str], i: int) -> int:
    """The index after the parenthesis group opening at `i`."""
    depth = 0
    while i < len(tokens):
        depth += {"(": 1, ")": -1}.get(tokens[i], 0)
        i += 1
        if depth == 0:
            return i
    return len(tokens) + 1


def _skip_expression(tokens: list[str], i: int) -> int:
    """After FILTER/BIND/HAVING: skip its expression (a call or bracketed one; EXISTS groups are walked)."""
    while i < len(tokens) and tokens[i] != "(" and tokens[i].upper() not in ("NOT", "EXISTS"):
        i += 1  # a function name before its arguments
    if i < len(tokens) and tokens[i] == "(":
        return _skip_balanced(tokens, i)
    return i


def _skip_block(tokens: list[str], i: int) -> int:
    """After VALUES: skip its variables and data block."""
    while i < len(tokens) and tokens[i] != "{":
        i += 1
    while i < len(tokens) and tokens[i] != "}":
        i += 1
    return i + 1
