"""GeoSPARQL data answered at query time instead of being stored for every feature and geometry.

* The Geometry extension's computed properties (geo:dimension, coordinateDimension, spatialDimension,
  isEmpty, isSimple): a triple pattern `S geo:dimension O` becomes the stated triples UNION the value
  of the namesake function (geof:dimension ...) over S's serialisations where the data state none.
* `S a geo:SpatialObject` also matches features and geometries, and `S a ?class` also gives
  geo:SpatialObject for them (the store does not write that membership for nodes entailed to be a
  geo:Feature or geo:Geometry: entailment.py).
* `S geo:hasSerialization O` also matches the built-in serialisations (asWKT, asGML, ...), whose
  hasSerialization super-property triple is not written either.

A load therefore writes two entailed quads per feature with a geometry instead of ten. The rewrite
works on the query text (tokens from rewrite.py); a pattern it cannot follow (a path, an object list
for a computed property, a blank-node subject, an update or a CONSTRUCT template) is left as it is and
matches only what is stored.
"""

from __future__ import annotations

import functools
import re

from ai4c.linked.geo.vocab import GEO, RDF_TYPE
from ai4c.linked.store.geof import GEOF
from ai4c.linked.store.rewrite import prefixes, resolve, token_spans

PROPERTIES = ("dimension", "coordinateDimension", "spatialDimension", "isEmpty", "isSimple")
SERIALISATIONS = ("asWKT", "asGML", "asGeoJSON", "asKML", "asDGGS", "hasSerialization")
SPATIAL_OBJECT, SUBCLASSES = GEO + "SpatialObject", (GEO + "Feature", GEO + "Geometry")
HAS_SERIALIZATION = GEO + "hasSerialization"
_NAMES = (*PROPERTIES, "SpatialObject", "hasSerialization")
_TYPE_WORDS = re.compile(r"\ba\b|type")  # `a ?class` / `rdf:type ?class` patterns
_TYPE_PATH = f"(<{RDF_TYPE}>)"  # a one-step path: not rewritten again
_SERIAL_PATH = "(" + "|".join(f"<{GEO}{s}>" for s in SERIALISATIONS) + ")"
MAX_REWRITES = 64  # patterns rewritten per query (each rewrite re-reads the query text)
_IRIS = {GEO + p: p for p in PROPERTIES}
_BOUNDARY = {".", "{", "}", ")"}  # tokens a statement (its subject) may follow
_KEYWORDS = {"FILTER", "BIND", "OPTIONAL", "MINUS", "VALUES", "GRAPH", "SERVICE"}
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
                     r"(INSERT|DELETE|WITH|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", re.I)
_CONSTRUCT = re.compile(r"\bCONSTRUCT\b", re.I)


@functools.lru_cache(maxsize=512)
def rewrite_query_time(query: str) -> str:
    """The query with the patterns above rewritten; unchanged when it names none of them."""
    if not (any(name in query for name in _NAMES) or _TYPE_WORDS.search(query)) or _UPDATE.match(query):
        return query
    for n in range(MAX_REWRITES):
        found = _next_pattern(query)
        if found is None:
            break
        start, end, replacement = found
        query = query[:start] + replacement(n) + query[end:]
    return query


def _tokens(query: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of the query text as written (string literals too), comments dropped."""
    return [(query[start:end], start, end) for _, start, end in token_spans(query)]


def _next_pattern(query: str):
    """(start, end, replacement(n)) of the first rewritable pattern, else None."""
    tokens = _tokens(query)
    words = [t[0] for t in tokens]
    pref = prefixes(query)
    for i in range(max(_where_start(words), 1), len(tokens) - 2):
        iri = "a" if words[i] == "a" else resolve(words[i], pref)
        if iri is None or not _in_predicate_position(words, i):
            continue
        if iri == HAS_SERIALIZATION:  # a path in place of the property: object lists and the rest stay
            return tokens[i][1], tokens[i][2], lambda n: _SERIAL_PATH
        if iri in ("a", RDF_TYPE):
            if resolve(words[i + 1], pref) == SPATIAL_OBJECT:
                make = _spatial_object_group
            elif words[i + 1].startswith(("?", "$")):
                make = _types_group
            else:
                continue
        elif iri in _IRIS:
            make = functools.partial(_property_group, _IRIS[iri])
        else:
            continue
        found = _statement_edit(tokens, words, i)
        if found is not None:
            start, end, lead, subject, tail = found
            return start, end, functools.partial(_edit, make, lead, subject, words[i + 1], tail)
    return None


def _edit(make, lead: str, subject: str, obj: str, tail: str, n: int) -> str:
    return f"{lead}{make(subject, obj, n)}{tail}"


def _in_predicate_position(words: list[str], i: int) -> bool:
    """Whether the token at `i` follows a `;` or a statement's subject."""
    return words[i - 1] == ";" or (i >= 2 and _simple_term(words[i - 1]) and not words[i - 1].startswith('"')
                                   and words[i - 2] in _BOUNDARY)


def _statement_edit(tokens, words: list[str], i: int):
    """For the pattern whose predicate is at `i`: (start, end, text before, subject, text after) of the
    span its group replaces (the statement split around it), None when it cannot be followed."""
    if not _simple_term(words[i + 1]) or not _ends_statement(words[i + 2]):
        return None
    if words[i - 1] == ";":
        subject, start, lead = _statement_subject(words, i - 1), tokens[i - 1][1], " . "
    else:
        subject, start, lead = i - 1, tokens[i - 1][1], ""
    if subject is None:
        return None
    end, tail = tokens[i + 1][2], ""
    if words[i + 2] == ";":  # the statement goes on with the same subject (or a trailing `;` ends it)
        after = words[i + 3] if i + 3 < len(words) else "}"
        if after == ";":
            return None
        end = tokens[i + 2][2]
        tail = " " if after in (".", "}") else f" {words[subject]} "
    return start, end, lead, words[subject], tail


def _ends_statement(token: str) -> bool:
    """Whether a token after an object ends its statement (or, `;`, goes on with the same subject)."""
    return token in (".", ";", "}", "{") or token.upper() in _KEYWORDS


def _where_start(words: list[str]) -> int:
    """The token index from which patterns are rewritten: after a CONSTRUCT's template (its WHERE)."""
    if not any(_CONSTRUCT.fullmatch(w) for w in words):
        return 0
    for i, word in enumerate(words):
        if word.upper() == "WHERE" and i + 1 < len(words) and words[i + 1] == "{" and "}" in words[:i]:
            return i + 1
    return len(words)  # CONSTRUCT WHERE { ... }: the pattern is the template too


def _statement_subject(words: list[str], i: int) -> int | None:
    """The index of the subject of the statement whose `;` is at `i`, when the statement up to there is
    simple terms, `a`, `;` and `,` only (else None: not followed)."""
    j = i - 1
    while j >= 0 and words[j] not in (".", "{", "}"):
        if not (_simple_term(words[j]) or words[j] in (";", ",", "a")):
            return None
        j -= 1
    subject = j + 1
    return subject if subject < i and _simple_term(words[subject]) and not words[subject].startswith('"') else None


def _simple_term(token: str) -> bool:
    """A variable, IRI, prefixed name, blank-node label or literal (one token)."""
    if token.upper() in ("TRUE", "FALSE"):
        return True
    if token[0] in "?$<\"+-0123456789":
        return len(token) > 1 or token[0].isdigit()
    return token.startswith("_:") or (":" in token and not token.startswith("^"))


def _distinct(terms: tuple[str, ...], body: str, n: int) -> str:
    """`body` as a sub-select of its distinct bindings of the variables among `terms`."""
    variables = [t for t in dict.fromkeys(terms) if t.startswith(("?", "$"))]
    projection = " ".join(variables) if variables else f"(1 AS ?_gk{n})"
    return f"{{ SELECT DISTINCT {projection} WHERE {{ {body} }} }}"


def _property_group(prop: str, subject: str, obj: str, n: int) -> str:
    """The replacement of `subject geo:prop obj`: stated values UNION the namesake function over the
    subject's serialisations (where none is stated), distinct (one value for two serialisations)."""
    iri = f"(<{GEO}{prop}>)"  # a one-step path: not rewritten again
    value = obj if obj.startswith(("?", "$")) else f"?_gv{n}"
    check = "" if value == obj else f" FILTER(sameTerm(?_gv{n}, {obj}))"
    return _distinct((subject, obj), f"{{ {subject} {iri} {obj} . }} UNION {{ {subject} {_SERIAL_PATH} ?_gl{n} . "
                     f"FILTER NOT EXISTS {{ {subject} {iri} ?_gx{n} }} BIND(<{GEOF}{prop}>(?_gl{n}) AS {value}) "
                     f"FILTER(bound({value})){check} }}", n)


def _spatial_object_group(subject: str, obj: str, n: int) -> str:
    """The replacement of `subject a geo:SpatialObject`: the stated (or entailed) members, and features
    and geometries (no answer twice: Feature and Geometry are disjoint)."""
    return f"{{ {{ {subject} {_TYPE_PATH} {obj} }} UNION {_members(subject)} }}"


def _types_group(subject: str, obj: str, n: int) -> str:
    """The replacement of `subject a ?class`: the stored classes, and geo:SpatialObject for features and
    geometries."""
    return f"{{ {{ {subject} {_TYPE_PATH} {obj} }} UNION {{ {_members(subject)} BIND(<{SPATIAL_OBJECT}> AS {obj}) }} }}"


def _members(subject: str) -> str:
    """A group matching the subject when it is a feature or a geometry not stated a geo:SpatialObject."""
    either = " UNION ".join(f"{{ {subject} {_TYPE_PATH} <{c}> }}" for c in SUBCLASSES)
    return f"{{ {{ {either} }} FILTER NOT EXISTS {{ {subject} {_TYPE_PATH} <{SPATIAL_OBJECT}> }} }}"
