"""RDF terms as N-Triples strings: the one hashable, query-ready form bindings travel in."""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef, Variable

from ai4c.linked.geo.vocab import XSD

_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)")


def escape(text: str) -> str:
    """Escape a lexical form for a double-quoted N-Triples/SPARQL literal."""
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))


def from_json(term: dict, bnode_prefix: str = "") -> str:
    """A SPARQL 1.1 JSON results term as an N-Triples string (blank nodes prefixed to keep sources apart)."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{bnode_prefix}{value}"
    if "xml:lang" in term:
        return f'"{escape(value)}"@{term["xml:lang"]}'
    datatype = term.get("datatype")
    if datatype and datatype != XSD + "string":
        return f'"{escape(value)}"^^<{datatype}>'
    return f'"{escape(value)}"'


_NUMBER_TYPES = ((re.compile(r"^[+-]?[0-9]+$"), "integer"), (re.compile(r"^[+-]?[0-9]*\.[0-9]+$"), "decimal"),
                 (re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+$"), "double"))
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def from_tsv(term: str, bnode_prefix: str = "") -> str | None:
    """A SPARQL 1.1 TSV results term (Turtle syntax: numbers and booleans may be bare) as the N-Triples string
    `from_json` gives for the same term; None when unbound (empty)."""
    if not term:
        return None
    first = term[0]
    if first == "<":
        return term
    if first == "_":
        return f"_:{bnode_prefix}{term[2:]}"
    if first == '"':
        end = term.rfind('"')
        lexical, rest = term[1:end], term[end + 1:]
        if "\\" in lexical:
            lexical = escape(_ESCAPE.sub(_unescape, lexical))
        if rest == f"^^<{XSD}string>":
            rest = ""
        return f'"{lexical}"{rest}'
    if term in ("true", "false"):
        return f'"{term}"^^<{XSD}boolean>'
    for pattern, kind in _NUMBER_TYPES:
        if pattern.match(term):
            return f'"{term}"^^<{XSD}{kind}>'
    raise ValueError(f"not a SPARQL TSV term: {term[:60]!r}")


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return chr(int(code[1:], 16)) if len(code) > 1 else _ESCAPED.get(code, code)


def from_rdflib(term) -> str:
    """An rdflib term (IRI, literal, variable, blank node as variable) as SPARQL text."""
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, BNode):
        return f"?_b{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        if term.language:
            return f'"{escape(str(term))}"@{term.language}'
        if term.datatype and str(term.datatype) != XSD + "string":
            return f'"{escape(str(term))}"^^<{term.datatype}>'
        return f'"{escape(str(term))}"'
    raise TypeError(f"unsupported term {term!r}")


def is_variable(text: str) -> bool:
    return text.startswith("?")


def is_iri(text: str) -> bool:
    return text.startswith("<")


def iri_value(text: str) -> str:
    return text[1:-1]


def authority(iri: str) -> str | None:
    """scheme://host of an IRI (the 'authority' prefix SEVOD-style summaries keep)."""
    match = _AUTHORITY.match(iri)
    return match.group(1) if match else None


def literal_parts(text: str) -> tuple[str, str | None]:
    """(lexical form, datatype IRI or None) of an N-Triples literal string."""
    end = text.rfind('"')
    lexical = text[1:end].replace('\\"', '"').replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")
    rest = text[end + 1:]
    return lexical, rest[3:-1] if rest.startswith("^^<") else None
