"""The Geometry extension's computed properties (geo:dimension, coordinateDimension, spatialDimension,
isEmpty, isSimple) answered at query time instead of being stored for every geometry.

A triple pattern `S geo:dimension O` in a query's WHERE clause becomes the asserted triples UNION the
value of the namesake function (geof:dimension ...) over S's serialisations, for geometries whose
data do not state the property themselves: a load then writes none of these five quads per geometry.
The rewrite works on the query text (tokens from rewrite.py); a pattern it cannot follow (a path, an
object list, a blank-node subject, an update or a CONSTRUCT template) is left as it is and then matches
only stated triples.
"""

from __future__ import annotations

import functools
import re

from ai4c.linked.geo.vocab import GEO
from ai4c.linked.store.geof import GEOF
from ai4c.linked.store.rewrite import _STRINGS, _TOKEN, prefixes

PROPERTIES = ("dimension", "coordinateDimension", "spatialDimension", "isEmpty", "isSimple")
SERIALISATIONS = ("asWKT", "asGML", "asGeoJSON", "asKML", "asDGGS", "hasSerialization")
MAX_REWRITES = 64  # patterns rewritten per query (each rewrite re-reads the query text)
_IRIS = {GEO + p: p for p in PROPERTIES}
_BOUNDARY = {".", "{", "}", ")"}  # tokens a statement (its subject) may follow
_KEYWORDS = {"FILTER", "BIND", "OPTIONAL", "MINUS", "VALUES", "GRAPH", "SERVICE"}
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
                     r"(INSERT|DELETE|WITH|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", re.I)
_CONSTRUCT = re.compile(r"\bCONSTRUCT\b", re.I)


@functools.lru_cache(maxsize=512)
def rewrite_geometry_properties(query: str) -> str:
    """Each `S geo:dimension O` (or one of the other four) triple pattern -> stated triples UNION the
    computed value; the query unchanged when it names none of them."""
    if not any(name in query for name in PROPERTIES) or _UPDATE.match(query):
        return query
    for n in range(MAX_REWRITES):
        found = _next_pattern(query)
        if found is None:
            break
        start, end, replacement = found
        query = query[:start] + replacement(n) + query[end:]
    return query


def _tokens(query: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of the query text, string literals blanked to the same length (so that
    positions hold) and comments dropped."""
    masked = _STRINGS.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', query)
    out = []
    for match in _TOKEN.finditer(masked):
        token = match.group(1)
        if not token.startswith("#"):
            out.append((query[match.start(1):match.end(1)], match.start(1), match.end(1)))
    return out


def _next_pattern(query: str):
    """(start, end, replacement(n)) of the first rewritable geometry-property pattern, else None."""
    tokens = _tokens(query)
    words = [t[0] for t in tokens]
    pref = prefixes(query)
    first = _where_start(words)
    for i in range(max(first, 1), len(tokens) - 2):
        prop = _IRIS.get(_resolve(words[i], pref))
        if prop is None or not _simple_term(words[i + 1]) or not _ends_statement(words[i + 2]):
            continue
        if words[i - 1] == ";":
            subject = _statement_subject(words, i - 1)
            start = tokens[i - 1][1]
            lead = " . "
        elif i >= 2 and _simple_term(words[i - 1]) and not words[i - 1].startswith('"') \
                and words[i - 2] in _BOUNDARY:
            subject, start, lead = i - 1, tokens[i - 1][1], ""
        else:
            continue
        if subject is None:
            continue
        s_text, o_text = words[subject], words[i + 1]
        end = tokens[i + 1][2]
        tail = ""
        if words[i + 2] == ";":  # the statement goes on with the same subject (or a trailing `;` ends it)
            after = words[i + 3] if i + 3 < len(words) else "}"
            if after == ";":
                continue
            end = tokens[i + 2][2]
            tail = " " if after in (".", "}") else f" {s_text} "
        return start, end, lambda n, p=prop, s=s_text, o=o_text, lead=lead, tail=tail: (
            f"{lead}{_group(p, s, o, n)}{tail}")
    return None


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
    simple terms, `;` and `,` only (else None: not followed)."""
    j = i - 1
    while j >= 0 and words[j] not in (".", "{", "}"):
        if not (_simple_term(words[j]) or words[j] in (";", ",")):
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


def _resolve(token: str, pref: dict[str, str]) -> str | None:
    """The IRI a token spells (full or prefixed), None for anything else."""
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, colon, local = token.partition(":")
    if colon and prefix in pref and not token.startswith(("?", "$", "_:", '"')):
        return pref[prefix] + local
    return None


def _group(prop: str, subject: str, obj: str, n: int) -> str:
    """The replacement of `subject geo:prop obj`: stated values UNION the namesake function over the
    subject's serialisations (where none is stated), distinct (one value for two serialisations)."""
    iri = f"(<{GEO}{prop}>)"  # a one-step path: not rewritten again
    serial = "(" + "|".join(f"<{GEO}{s}>" for s in SERIALISATIONS) + ")"
    variables = [t for t in dict.fromkeys((subject, obj)) if t.startswith(("?", "$"))]
    value = obj if obj.startswith(("?", "$")) else f"?_gv{n}"
    check = "" if value == obj else f" FILTER(sameTerm(?_gv{n}, {obj}))"
    projection = " ".join(variables) if variables else f"(1 AS ?_gk{n})"
    return (f"{{ SELECT DISTINCT {projection} WHERE {{ {{ {subject} {iri} {obj} . }} UNION {{ "
            f"{subject} {serial} ?_gl{n} . FILTER NOT EXISTS {{ {subject} {iri} ?_gx{n} }} "
            f"BIND(<{GEOF}{prop}>(?_gl{n}) AS {value}) FILTER(bound({value})){check} }} }} }}")
