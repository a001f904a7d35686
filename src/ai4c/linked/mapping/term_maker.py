"""Turning source values into RDF terms: lexical forms, natural datatypes, IRI-safe templates, blank nodes."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from decimal import Decimal
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.model import TermMap

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# characters outside RFC 3987's iunreserved (ALPHA DIGIT - . _ ~ ucschar)
UNSAFE = re.compile("[^A-Za-z0-9\\-._~\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF"
                    "\U00010000-\U0001FFFD\U00020000-\U0002FFFD\U00030000-\U0003FFFD"
                    "\U00040000-\U000EFFFD]")
XSD_STRING = v.XSD + "string"


def _percent(match: re.Match) -> str:
    return "".join(f"%{b:02X}" for b in match.group(0).encode("utf-8"))


def iri_safe(text: str) -> str:
    """R2RML's IRI-safe form: percent-encode every character outside iunreserved (UTF-8 bytes)."""
    return UNSAFE.sub(_percent, text)


def double_lexical(value: float) -> str:
    """xsd:double canonical form: 80.25 -> 8.025E1."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "INF" if value > 0 else "-INF"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits)) or "0"
    exp = exponent + len(text) - 1
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{exp}"


def natural(value: Any) -> tuple[str, str | None]:
    """The natural RDF literal of an SQL value: (lexical form, datatype IRI or None for strings)."""
    if isinstance(value, bool):
        return ("true" if value else "false"), v.XSD + "boolean"
    if isinstance(value, int):
        return str(value), v.XSD + "integer"
    if isinstance(value, float):
        return double_lexical(value), v.XSD + "double"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text, v.XSD + "decimal"
    if isinstance(value, dt.datetime):
        return value.isoformat(), v.XSD + "dateTime"
    if isinstance(value, dt.date):
        return value.isoformat(), v.XSD + "date"
    if isinstance(value, dt.time):
        return value.isoformat(), v.XSD + "time"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex().upper(), v.XSD + "hexBinary"
    if hasattr(value, "wkt"):
        return value.wkt, v.GEO + "wktLiteral"
    return str(value), None


def cast_lexical(value: Any, text: str, datatype: str) -> str:
    """The canonical lexical form of a typed source value (a JSON number) under another numeric datatype:
    33 as xsd:double is 3.3E1."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if datatype in (v.XSD + "double", v.XSD + "float"):
            return double_lexical(float(value))
        if datatype == v.XSD + "integer" and float(value).is_integer():
            return str(int(value))
    return text


def lexical(value: Any) -> str:
    """The string form of any source value (used in templates and plain literals)."""
    if isinstance(value, str):
        return value
    return natural(value)[0]


def blank_node(label: str) -> BlankNode:
    """A blank node whose identity is `label`: equal labels give the same node across maps."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", label):
        return BlankNode(label)
    return BlankNode("b" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:24])


class TermMaker:
    """Builds RDF terms for term maps; invalid IRIs are counted and skipped (no triple)."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri
        self.skipped = 0
        self._fresh = itertools.count()
        self.evaluate = lambda tm, lookup: []  # function term maps' values; the executor sets it

    def iri(self, text: str) -> NamedNode | None:
        """An absolute IRI from a generated string, resolved against the base when relative."""
        if not SCHEME.match(text):
            text = self.base + text
        try:
            return NamedNode(text)
        except ValueError:
            self.skipped += 1
            return None

    def strings(self, tm: TermMap, lookup, natural_values: bool) -> list:
        """The raw values of a reference/template term map for one record (templates -> strings)."""
        if tm.kind == "reference":
            return lookup(tm.reference)
        if tm.kind in ("function", "fnml"):
            return self.evaluate(tm, lookup)
        if tm.kind == "constant":
            return [tm.constant.value]
        template = tm.template
        iri = tm.term_type == "iri" and not tm.unsafe
        pieces, single = [], True
        for ref in template.references:
            values = lookup(ref)
            if not values:
                return []
            single = single and len(values) == 1
            pieces.append(values)
        parts = template.parts
        if single:  # the common case: one value per reference
            text = [parts[0]]
            for values, part in zip(pieces, parts[1:], strict=True):
                value = values[0] if type(values[0]) is str else lexical(values[0])
                text.append(iri_safe(value) if iri else value)
                text.append(part)
            return ["".join(text)]
        encoded = [[iri_safe(lexical(x)) if iri else lexical(x) for x in values] for values in pieces]
        out = []
        for combo in itertools.product(*encoded):
            text = [parts[0]]
            for value, part in zip(combo, parts[1:], strict=True):
                text.append(value)
                text.append(part)
            out.append("".join(text))
        return out

    def terms(self, tm: TermMap, lookup, natural_values: bool = False, values: list | None = None) -> list:
        """Every term the map gives for a record (several for multi-valued references)."""
        if tm.kind == "constant":
            return [tm.constant]
        if tm.kind == "fresh":
            return [BlankNode()]
        if values is None:
            values = self.strings(tm, lookup, natural_values)
        out = []
        for value in values:
            term = self.make(tm, value, lookup, natural_values)
            if term is not None:
                out.append(term)
        return out

    def make(self, tm: TermMap, value: Any, lookup, natural_values: bool):
        """One term of the map's term type from one value."""
        if tm.term_type == "iri":
            text = lexical(value)
            return self.iri(text)
        if tm.term_type == "bnode":
            return blank_node(lexical(value))
        return self.literal(tm, value, lookup, natural_values)

    def literal(self, tm: TermMap, value: Any, lookup, natural_values: bool) -> Literal | None:
        """A literal with the map's language or datatype, else the value's natural datatype."""
        language = tm.language
        if tm.language_map is not None:
            langs = self.strings(tm.language_map, lookup, False) if tm.language_map.kind != "constant" \
                else [tm.language_map.constant.value]
            language = langs[0] if langs else None
        if language:
            try:
                return Literal(lexical(value), language=language)
            except ValueError:
                self.skipped += 1
                return None
        datatype = tm.datatype
        if tm.datatype_map is not None:
            dts = self.terms(tm.datatype_map, lookup)
            datatype = dts[0].value if dts else None
        if isinstance(value, tuple):  # (lexical, datatype) from a geometry function
            text, natural_dt = value
        elif natural_values or not isinstance(value, str):
            text, natural_dt = natural(value)
            if not natural_values and natural_dt not in (v.GEO + "wktLiteral",):
                natural_dt = None
        else:
            text, natural_dt = value, None
        if datatype and natural_dt and datatype != natural_dt:
            text = cast_lexical(value, text, datatype)
        datatype = datatype or natural_dt
        if datatype and datatype != XSD_STRING:
            return Literal(text, datatype=NamedNode(datatype))
        return Literal(text)
