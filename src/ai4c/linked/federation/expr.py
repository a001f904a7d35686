"""SPARQL text of rdflib algebra expressions (for FILTER push-down); None for what is not pushed."""

from __future__ import annotations

from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql.parserutils import CompValue

from ai4c.linked.federation.terms import from_rdflib

_UNARY = {"Builtin_STR": "STR", "Builtin_LANG": "LANG", "Builtin_BOUND": "BOUND", "Builtin_isIRI": "isIRI",
          "Builtin_isLITERAL": "isLITERAL", "Builtin_isBLANK": "isBLANK", "Builtin_YEAR": "YEAR",
          "Builtin_LCASE": "LCASE", "Builtin_UCASE": "UCASE", "Builtin_DATATYPE": "DATATYPE",
          "Builtin_STRLEN": "STRLEN", "Builtin_ABS": "ABS"}
_BINARY = {"Builtin_CONTAINS": "CONTAINS", "Builtin_STRSTARTS": "STRSTARTS", "Builtin_STRENDS": "STRENDS",
           "Builtin_sameTerm": "sameTerm", "Builtin_LANGMATCHES": "LANGMATCHES"}


def conjuncts(expr) -> list:
    """The operands of a top-level && (or the expression itself)."""
    if isinstance(expr, CompValue) and expr.name == "ConditionalAndExpression":
        return [expr.expr, *(expr.other or [])]
    return [expr]


def variables(expr) -> set[str]:
    """Variable names an expression mentions."""
    if isinstance(expr, Variable):
        return {str(expr)}
    found: set[str] = set()
    if isinstance(expr, CompValue):
        for value in expr.values():
            found |= variables(value)
    elif isinstance(expr, list):
        for value in expr:
            found |= variables(value)
    return found


def to_sparql(expr) -> str | None:
    """SPARQL text of `expr`, or None when it uses something this serialiser does not know."""
    try:
        return _text(expr)
    except _Unknown:
        return None


class _Unknown(Exception):
    pass


def _text(expr) -> str:
    if isinstance(expr, (Variable, URIRef, Literal)):
        return from_rdflib(expr)
    if not isinstance(expr, CompValue):
        raise _Unknown(expr)
    name = expr.name
    if name == "RelationalExpression":
        if expr.op in ("IN", "NOT IN"):
            return f"({_text(expr.expr)} {expr.op} ({', '.join(_text(v) for v in expr.other)}))"
        return f"({_text(expr.expr)} {expr.op} {_text(expr.other)})"
    if name in ("ConditionalAndExpression", "ConditionalOrExpression"):
        op = " && " if name == "ConditionalAndExpression" else " || "
        return "(" + op.join(_text(v) for v in [expr.expr, *(expr.other or [])]) + ")"
    if name in ("AdditiveExpression", "MultiplicativeExpression"):
        text = _text(expr.expr)
        for op, value in zip(expr.op or [], expr.other or [], strict=False):
            text += f" {op} {_text(value)}"
        return f"({text})"
    if name == "UnaryNot":
        return f"(!{_text(expr.expr)})"
    if name == "UnaryMinus":
        return f"(-{_text(expr.expr)})"
    if name == "Function":
        if expr.distinct:
            raise _Unknown(expr)
        return f"<{expr.iri}>(" + ", ".join(_text(v) for v in expr.expr) + ")"
    if name in _UNARY:
        return f"{_UNARY[name]}({_text(expr.arg)})"
    if name in _BINARY:
        return f"{_BINARY[name]}({_text(expr.arg1)}, {_text(expr.arg2)})"
    if name == "Builtin_REGEX":
        args = [_text(expr.text), _text(expr.pattern)] + ([_text(expr.flags)] if expr.flags else [])
        return "REGEX(" + ", ".join(args) + ")"
    raise _Unknown(expr)
