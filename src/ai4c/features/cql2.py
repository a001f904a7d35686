"""CQL2 filters (OGC API Features Part 3): CQL2-Text and CQL2-JSON parsed into one form (CQL2-JSON)
and compiled against a table's columns into a vectorised row mask.

Supported: AND/OR/NOT, comparisons (=, <>, <, <=, >, >=, property-property too), LIKE, BETWEEN, IN,
IS NULL, CASEI/ACCENTI, arithmetic (+ - * / div), the spatial predicates S_INTERSECTS, S_EQUALS,
S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS on WKT/BBOX/GeoJSON literals, and the
temporal ones T_AFTER ... T_STARTS on TIMESTAMP/DATE/INTERVAL literals. Logic is SQL's three-valued one:
a comparison with a null is unknown, and unknown rows are not selected. Science layer: no files opened.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from ai4c.core.errors import InvalidParameterError, first_line

COMPARISONS = {"=": pc.equal, "<>": pc.not_equal, "<": pc.less, "<=": pc.less_equal, ">": pc.greater,
               ">=": pc.greater_equal}
ARITHMETIC = {"+": pc.add, "-": pc.subtract, "*": pc.multiply, "/": pc.divide, "div": pc.divide}
# spatial predicates evaluated as f(literal, geometries) with the literal prepared: the name of the
# shapely function for "property first" and for "literal first"
SPATIAL = {"s_intersects": ("intersects", "intersects"), "s_disjoint": ("disjoint", "disjoint"),
           "s_equals": ("equals", "equals"), "s_touches": ("touches", "touches"),
           "s_overlaps": ("overlaps", "overlaps"), "s_crosses": ("crosses", "crosses"),
           "s_within": ("contains", "within"), "s_contains": ("within", "contains")}
MEETS_GEOMETRY = set(SPATIAL) - {"s_disjoint"}  # predicates that need the geometries to meet
# Allen's interval relations on (start, end) of the first and second argument, ends inclusive
TEMPORAL: dict[str, Callable] = {
    "t_after": lambda a0, a1, b0, b1: a0 > b1,
    "t_before": lambda a0, a1, b0, b1: a1 < b0,
    "t_contains": lambda a0, a1, b0, b1: (a0 < b0) & (a1 > b1),
    "t_disjoint": lambda a0, a1, b0, b1: (a1 < b0) | (a0 > b1),
    "t_during": lambda a0, a1, b0, b1: (a0 > b0) & (a1 < b1),
    "t_equals": lambda a0, a1, b0, b1: (a0 == b0) & (a1 == b1),
    "t_finishedby": lambda a0, a1, b0, b1: (a0 < b0) & (a1 == b1),
    "t_finishes": lambda a0, a1, b0, b1: (a0 > b0) & (a1 == b1),
    "t_intersects": lambda a0, a1, b0, b1: (a0 <= b1) & (a1 >= b0),
    "t_meets": lambda a0, a1, b0, b1: a1 == b0,
    "t_metby": lambda a0, a1, b0, b1: a0 == b1,
    "t_overlappedby": lambda a0, a1, b0, b1: (a0 > b0) & (a0 < b1) & (a1 > b1),
    "t_overlaps": lambda a0, a1, b0, b1: (a0 < b0) & (a1 > b0) & (a1 < b1),
    "t_startedby": lambda a0, a1, b0, b1: (a0 == b0) & (a1 > b1),
    "t_starts": lambda a0, a1, b0, b1: (a0 == b0) & (a1 < b1),
}
WKT_TYPES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
             "GEOMETRYCOLLECTION")
KEYWORDS = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "DIV"}
MIN_MS, MAX_MS = np.iinfo(np.int64).min, np.iinfo(np.int64).max
DAY_MS = 86_400_000
SUPPORTED = ("use CQL2 comparisons, LIKE, BETWEEN, IN, IS NULL, S_INTERSECTS(geometry, POLYGON((...))) and the "
             "other S_/T_ predicates joined by AND/OR/NOT")


def bad(message: str) -> InvalidParameterError:
    """The error of an invalid filter (HTTP 400 / exit 2)."""
    return InvalidParameterError(f"invalid CQL2 filter: {message}")


# --------------------------------------------------------------------------------------------- CQL2-Text

_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^']|'')*')
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<quoted>"(?:[^"]|"")+")
  | (?P<name>[A-Za-z_][\w:.]*)
  | (?P<op><>|<=|>=|[=<>(),\[\]+\-*/%^])
)""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, name, quoted, op, wkt, end
    text: str


def _tokens(text: str) -> list[Token]:
    """Split CQL2 text into tokens; a WKT geometry literal becomes one token (balanced parentheses)."""
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise bad(f"unexpected text at {text[pos:pos + 20].strip()!r}")
        kind = match.lastgroup
        value, end = match.group(kind), match.end()
        if kind == "name" and value.upper() in WKT_TYPES:
            value, end = _wkt_literal(text, match.start(kind))
            kind = "wkt"
        tokens.append(Token(kind, value))
        pos = end
    tokens.append(Token("end", ""))
    return tokens


def _wkt_literal(text: str, start: int) -> tuple[str, int]:
    """The WKT starting at `start` up to its closing parenthesis, and the position after it."""
    depth, i = 0, start
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start:i + 1], i + 1
        i += 1
    raise bad(f"unbalanced parentheses in the WKT literal {text[start:start + 40]!r}")


class _TextParser:
    """Recursive descent over the CQL2-Text grammar, producing CQL2-JSON."""

    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def word(self, ahead: int = 0) -> str:
        token = self.peek(ahead)
        return token.text.upper() if token.kind == "name" else ""

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text.upper() != text:
            raise bad(f"expected {text!r}, found {token.text or 'the end'!r}")

    def parse(self) -> dict:
        expression = self.boolean()
        if self.peek().kind != "end":
            raise bad(f"unexpected {self.peek().text!r}")
        return expression

    def boolean(self) -> object:
        terms = [self.term()]
        while self.word() == "OR":
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else {"op": "or", "args": terms}

    def term(self) -> object:
        factors = [self.factor()]
        while self.word() == "AND":
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else {"op": "and", "args": factors}

    def factor(self) -> object:
        if self.word() == "NOT":
            self.take()
            return {"op": "not", "args": [self.factor()]}
        return self.primary()

    def primary(self) -> object:
        if self.peek().text == "(" and self._parenthesised_boolean():
            self.take()
            inner = self.boolean()
            self.expect(")")
            return inner
        left = self.scalar()
        return self.predicate(left)

    def _parenthesised_boolean(self) -> bool:
        """Whether the '(' at the cursor opens a boolean group (not an arithmetic one): try it."""
        saved = self.i
        try:
            self.take()
            self.boolean()
            return self.peek().text == ")"
        except InvalidParameterError:
            return False
        finally:
            self.i = saved

    def predicate(self, left: object) -> object:
        token, word = self.peek(), self.word()
        if token.text in COMPARISONS:
            self.take()
            return {"op": token.text, "args": [left, self.scalar()]}
        negate = word == "NOT" and self.word(1) in ("LIKE", "BETWEEN", "IN")
        if negate:
            self.take()
            word = self.word()
        if word == "LIKE":
            self.take()
            result = {"op": "like", "args": [left, self.scalar()]}
        elif word == "BETWEEN":
            self.take()
            low = self.scalar()
            self.expect("AND")
            result = {"op": "between", "args": [left, low, self.scalar()]}
        elif word == "IN":
            self.take()
            result = {"op": "in", "args": [left, self.scalar_list()]}
        elif word == "IS":
            self.take()
            negate = self.word() == "NOT"
            if negate:
                self.take()
            self.expect("NULL")
            result = {"op": "isNull", "args": [left]}
        elif isinstance(left, (bool, dict)) and _is_boolean(left):
            return left
        else:
            raise bad(f"expected a comparison after {_describe(left)}, found {token.text or 'the end'!r}")
        return {"op": "not", "args": [result]} if negate else result

    def scalar_list(self) -> list:
        self.expect("(")
        items = [self.scalar()]
        while self.peek().text == ",":
            self.take()
            items.append(self.scalar())
        self.expect(")")
        return items

    def scalar(self) -> object:
        left = self.product()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            left = {"op": op, "args": [left, self.product()]}
        return left

    def product(self) -> object:
        left = self.operand()
        while self.peek().text in ("*", "/") or self.word() == "DIV":
            op = self.take().text.lower()
            left = {"op": op, "args": [left, self.operand()]}
        return left

    def operand(self) -> object:
        token = self.take()
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "quoted":
            return {"property": token.text[1:-1].replace('""', '"')}
        if token.kind == "wkt":
            return _geojson(_from_wkt(token.text))
        if token.text == "(":
            inner = self.scalar()
            self.expect(")")
            return inner
        if token.text == "-":
            if self.peek().kind == "number":
                return -self.operand()
            return {"op": "*", "args": [-1, self.operand()]}
        if token.kind == "name":
            return self.named(token.text)
        raise bad(f"unexpected {token.text or 'end of filter'!r}")

    def named(self, name: str) -> object:
        upper = name.upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        if upper in KEYWORDS:
            raise bad(f"unexpected keyword {name}")
        if self.peek().text != "(":
            return {"property": name}
        args = self.arguments()
        if upper in ("TIMESTAMP", "DATE"):
            return {upper.lower(): _one_string(upper, args)}
        if upper == "INTERVAL":
            if len(args) != 2 or not all(isinstance(a, str) or _is_instant(a) for a in args):
                raise bad("INTERVAL needs two instants, e.g. INTERVAL('2020-01-01', '..')")
            return {"interval": [a if isinstance(a, str) else next(iter(a.values())) for a in args]}
        if upper == "BBOX":
            if len(args) not in (4, 6) or not all(isinstance(a, (int, float)) for a in args):
                raise bad("BBOX needs 4 numbers: BBOX(minlon, minlat, maxlon, maxlat)")
            return {"bbox": args}
        return {"op": name.lower(), "args": args}

    def arguments(self) -> list:
        self.expect("(")
        if self.peek().text == ")":
            self.take()
            return []
        args = [self.argument()]
        while self.peek().text == ",":
            self.take()
            args.append(self.argument())
        self.expect(")")
        return args

    def argument(self) -> object:
        """A function argument: a scalar, or a boolean expression for functions that take one."""
        start = self.i
        value = self.scalar()
        if self.peek().text in (",", ")"):
            return value
        self.i = start
        return self.boolean()


def _one_string(name: str, args: list) -> str:
    if len(args) != 1 or not isinstance(args[0], str):
        raise bad(f"{name} needs one quoted string, e.g. {name}('2020-01-01T00:00:00Z')")
    return args[0]


def _is_instant(value: object) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("timestamp", "date")


def _is_boolean(value: object) -> bool:
    """Whether a parsed operand is itself a condition (a boolean literal or a predicate function)."""
    if isinstance(value, bool):
        return True
    op = value.get("op", "") if isinstance(value, dict) else ""
    return op in SPATIAL or op in TEMPORAL or op.startswith("a_")


def _describe(value: object) -> str:
    if isinstance(value, dict) and "property" in value:
        return f"property {value['property']!r}"
    return repr(value)[:40]


def _from_wkt(text: str) -> BaseGeometry:
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as err:
        raise bad(f"invalid WKT {text[:60]!r} ({first_line(err)})") from None
    if geom is None or geom.is_empty:
        raise bad("the filter's geometry is empty")
    return geom


def _geojson(geom: BaseGeometry) -> dict:
    return json.loads(shapely.to_geojson(geom))


def parse_cql2(text: str) -> object:
    """CQL2-Text -> CQL2-JSON (a dict); a syntax error is a one-line InvalidParameterError."""
    if not text or not text.strip():
        raise bad("the filter is empty; give e.g. S_INTERSECTS(geometry, POLYGON((...)))")
    return _TextParser(text).parse()


def parse_cql2_json(text: str | object) -> object:
    """CQL2-JSON text (or already parsed JSON) -> the same structure, checked to be JSON."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise bad(f"the cql2-json filter is not JSON ({err.msg} at character {err.pos})") from None


def parse_filter(text: str, lang: str | None) -> object:
    """The filter of a request in its `filter-lang` (cql2-text by default) as CQL2-JSON."""
    if lang in (None, "cql2-text"):
        return parse_cql2(text)
    if lang == "cql2-json":
        return parse_cql2_json(text)
    raise InvalidParameterError(f"filter-lang={lang!r} not supported; use cql2-text or cql2-json")


# --------------------------------------------------------------------------------------------- compiling

class Rows:
    """The rows a filter is evaluated on: a table, with its WKB geometries decoded once on demand."""

    def __init__(self, table: pa.Table, geometry_column: str = "geometry"):
        self.table = table
        self.geometry_column = geometry_column
        self._geoms: np.ndarray | None = None

    def geometries(self) -> np.ndarray:
        if self._geoms is None:
            self._geoms = shapely.from_wkb(self.table[self.geometry_column].to_numpy(zero_copy_only=False))
        return self._geoms


Value = Callable[[Rows], object]  # -> pa.Array / pa.ChunkedArray / pa.Scalar


@dataclass
class Scalar:
    """A compiled scalar expression: its kind (string, number, boolean, timestamp, date, interval,
    geometry) and how to compute it."""

    kind: str
    value: Value
    literal: object = None  # the Python value of a literal (geometries: the shapely geometry)
    is_literal: bool = False


@dataclass
class CompiledFilter:
    """A filter ready to run: `mask(table)` selects rows; `envelope` is a box every selected row's bbox
    meets (None when the filter does not bound the geometry), for pruning row groups."""

    evaluate: Callable[[Rows], pa.Array]
    envelope: tuple[float, float, float, float] | None
    geometry_column: str = "geometry"

    def mask(self, table: pa.Table) -> np.ndarray:
        """Rows of `table` for which the filter is true (unknown counts as false)."""
        if table.num_rows == 0:
            return np.zeros(0, dtype=bool)
        result = self.evaluate(Rows(table, self.geometry_column))
        if isinstance(result, pa.Scalar):
            return np.full(table.num_rows, bool(result.as_py()))
        return pc.fill_null(result, False).to_numpy(zero_copy_only=False).astype(bool)


def compile_filter(expression: object, columns: Mapping[str, pa.DataType],
                   geometry_column: str = "geometry") -> CompiledFilter:
    """Check `expression` (CQL2-JSON) against the queryable `columns` and compile it."""
    compiler = _Compiler(columns, geometry_column)
    evaluate, envelope = compiler.boolean(expression)
    return CompiledFilter(evaluate, envelope, geometry_column)


def _kind_of(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return "number"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_timestamp(kind):
        return "timestamp"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "geometry"
    return "string"


def _parse_instant(text: str, what: str) -> tuple[int, int]:
    """An RFC 3339 timestamp or date as (start, end) milliseconds (a date spans its whole day); '..' is open."""
    if text in ("..", ""):
        return MIN_MS, MAX_MS
    try:
        if len(text) == 10:
            day = dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
            start = round(day.timestamp() * 1000)
            return start, start + DAY_MS - 1
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad(f"{what} {text!r} is not RFC 3339 (e.g. 2020-01-01T00:00:00Z or 2020-01-01)") from None
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    millis = round(value.timestamp() * 1000)
    return millis, millis


class _Compiler:
    """CQL2-JSON -> closures over pyarrow compute, with the argument kinds checked up front."""

    def __init__(self, columns: Mapping[str, pa.DataType], geometry_column: str):
        self.columns = columns
        self.geometry_column = geometry_column

    # ---- booleans: (evaluate, envelope)

    def boolean(self, node: object) -> tuple[Callable[[Rows], object], tuple | None]:
        if isinstance(node, bool):
            return (lambda rows, v=node: pa.scalar(v)), None
        if not isinstance(node, dict) or "op" not in node:
            raise bad(f"expected a condition, found {_describe(node)}")
        op, args = str(node["op"]).lower(), node.get("args")
        if not isinstance(args, list):
            raise bad(f"operator {op!r} needs an 'args' list")
        if op in ("and", "or"):
            return self.logical(op, args)
        if op == "not":
            self.arity(op, args, 1)
            inner, _ = self.boolean(args[0])
            return (lambda rows: pc.invert(inner(rows))), None
        if op in COMPARISONS:
            return self.comparison(op, args), None
        if op == "like":
            return self.like(args), None
        if op == "between":
            return self.between(args), None
        if op == "in":
            return self.is_in(args), None
        if op == "isnull":
            self.arity(op, args, 1)
            value = self.scalar(args[0]).value
            return (lambda rows: pc.is_null(value(rows))), None
        if op in SPATIAL:
            return self.spatial(op, args)
        if op in TEMPORAL:
            return self.temporal(op, args), None
        raise bad(f"unknown operator {node['op']!r}; {SUPPORTED}")

    @staticmethod
    def arity(op: str, args: list, count: int) -> None:
        if len(args) != count:
            raise bad(f"{op} takes {count} argument{'s' if count > 1 else ''}, got {len(args)}")

    def logical(self, op: str, args: list) -> tuple[Callable, tuple | None]:
        if len(args) < 2:
            raise bad(f"{op} needs at least two arguments")
        parts = [self.boolean(a) for a in args]
        combine = pc.and_kleene if op == "and" else pc.or_kleene
        functions = [f for f, _ in parts]

        def evaluate(rows: Rows) -> object:
            result = functions[0](rows)
            for f in functions[1:]:
                result = combine(result, f(rows))
            return result

        boxes = [b for _, b in parts]
        if op == "and":
            known = [b for b in boxes if b is not None]
            envelope = (max(b[0] for b in known), max(b[1] for b in known), min(b[2] for b in known),
                        min(b[3] for b in known)) if known else None
        else:
            envelope = None if any(b is None for b in boxes) else (
                min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        return evaluate, envelope

    def comparison(self, op: str, args: list) -> Callable:
        self.arity(op, args, 2)
        left, right = self.comparable(op, *(self.scalar(a) for a in args))
        function = COMPARISONS[op]
        return lambda rows: function(left.value(rows), right.value(rows))

    def comparable(self, op: str, left: Scalar, right: Scalar) -> tuple[Scalar, Scalar]:
        """Check two operands can be compared; a DATE against a timestamp compares at midnight UTC."""
        kinds = {left.kind, right.kind}
        if kinds == {"timestamp", "date"}:
            return left, right
        if len(kinds) != 1 or kinds & {"geometry", "interval"}:
            raise bad(f"cannot compare a {left.kind} with a {right.kind} ({op})")
        return left, right

    def like(self, args: list) -> Callable:
        self.arity("like", args, 2)
        value, pattern = self.scalar(args[0]), self.scalar(args[1])
        if value.kind != "string" or not pattern.is_literal or pattern.kind != "string":
            raise bad("LIKE needs a text property and a quoted pattern, e.g. name LIKE 'Air%'")
        text = str(pattern.literal)
        return lambda rows: pc.match_like(value.value(rows), text)

    def between(self, args: list) -> Callable:
        self.arity("between", args, 3)
        value, low, high = (self.scalar(a) for a in args)
        for bound in (low, high):
            self.comparable("between", value, bound)
        return lambda rows: pc.and_kleene(pc.greater_equal(value.value(rows), low.value(rows)),
                                          pc.less_equal(value.value(rows), high.value(rows)))

    def is_in(self, args: list) -> Callable:
        self.arity("in", args, 2)
        if not isinstance(args[1], list) or not args[1]:
            raise bad("IN needs a non-empty list, e.g. road_class IN ('primary', 'secondary')")
        value = self.scalar(args[0])
        items = [self.scalar(a) for a in args[1]]
        for item in items:
            self.comparable("in", value, item)
            if not item.is_literal:
                raise bad("the list of IN holds literals only")
        function = COMPARISONS["="]

        def evaluate(rows: Rows) -> object:
            values = value.value(rows)
            result = function(values, items[0].value(rows))
            for item in items[1:]:
                result = pc.or_kleene(result, function(values, item.value(rows)))
            return result

        return evaluate

    def spatial(self, op: str, args: list) -> tuple[Callable, tuple | None]:
        self.arity(op, args, 2)
        first, second = (self.scalar(a) for a in args)
        if first.kind != "geometry" or second.kind != "geometry":
            raise bad(f"{op.upper()} needs two geometries (the geometry property and a WKT/BBOX literal)")
        if first.is_literal and second.is_literal:
            value = bool(getattr(shapely, SPATIAL[op][1])(first.literal, second.literal))
            return (lambda rows: pa.scalar(value)), None
        if not (first.is_literal or second.is_literal):
            function = getattr(shapely, SPATIAL[op][1])
            return (lambda rows: pa.array(function(first.value(rows), second.value(rows)))), None
        literal = first.literal if first.is_literal else second.literal
        column = second if first.is_literal else first
        shapely.prepare(literal)
        # with the literal first: f(literal, geoms); with the property first, the converse relation
        function = getattr(shapely, SPATIAL[op][1] if first.is_literal else SPATIAL[op][0])
        envelope = tuple(literal.bounds) if op in MEETS_GEOMETRY else None
        return (lambda rows: pa.array(function(literal, column.value(rows)))), envelope

    def temporal(self, op: str, args: list) -> Callable:
        self.arity(op, args, 2)
        first, second = (self.span(a) for a in args)
        relation = TEMPORAL[op]

        def evaluate(rows: Rows) -> object:
            a0, a1, a_valid = first(rows)
            b0, b1, b_valid = second(rows)
            result = relation(a0, a1, b0, b1)
            if np.ndim(result) == 0:
                return pa.scalar(bool(result))
            valid = np.broadcast_to(a_valid & b_valid, np.shape(result))
            return pa.array(np.asarray(result, dtype=bool), mask=~valid)

        return evaluate

    def span(self, node: object) -> Callable[[Rows], tuple]:
        """A temporal argument as (start ms, end ms, valid) arrays or numbers."""
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise bad("an interval has two ends, e.g. INTERVAL('2020-01-01', '..')")
            low = _parse_instant(self.instant_text(ends[0]), "interval start")[0]
            high = _parse_instant(self.instant_text(ends[1]), "interval end")[1]
            return lambda rows: (low, high, True)
        value = self.scalar(node)
        if value.kind not in ("timestamp", "date"):
            raise bad(f"temporal predicates compare instants or intervals, not a {value.kind}")
        if value.is_literal:
            start, end = value.literal
            return lambda rows: (start, end, True)

        def column(rows: Rows) -> tuple:
            data = value.value(rows)
            millis = pc.cast(data, pa.timestamp("ms", tz="UTC")).cast(pa.int64())
            valid = pc.is_valid(millis).to_numpy(zero_copy_only=False)
            numbers = pc.fill_null(millis, 0).to_numpy(zero_copy_only=False)
            return numbers, numbers, valid

        return column

    @staticmethod
    def instant_text(end: object) -> str:
        if isinstance(end, str):
            return end
        if _is_instant(end):
            return str(next(iter(end.values())))
        raise bad(f"an interval end must be a timestamp, a date or '..', not {end!r}")

    # ---- scalars

    def scalar(self, node: object) -> Scalar:
        if isinstance(node, bool):
            return Scalar("boolean", _constant(pa.scalar(node)), node, True)
        if isinstance(node, (int, float)):
            return Scalar("number", _constant(pa.scalar(node)), node, True)
        if isinstance(node, str):
            return Scalar("string", _constant(pa.scalar(node, pa.string())), node, True)
        if not isinstance(node, dict):
            raise bad(f"unexpected value {node!r}")
        if "property" in node:
            return self.property(str(node["property"]))
        if "timestamp" in node or "date" in node:
            which = "timestamp" if "timestamp" in node else "date"
            start, end = _parse_instant(str(node[which]), which.upper())
            stamp = pa.scalar(start, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))
            return Scalar("timestamp" if which == "timestamp" else "date", lambda rows: stamp, (start, end), True)
        if "interval" in node:
            raise bad("an INTERVAL is only allowed in a T_ predicate")
        if "bbox" in node:
            return self.geometry_literal(self.bbox(node["bbox"]))
        if "type" in node and ("coordinates" in node or "geometries" in node):
            try:
                geom = shapely.geometry.shape(node)
            except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as err:
                raise bad(f"invalid GeoJSON geometry ({err})") from None
            return self.geometry_literal(geom)
        if "op" in node:
            return self.function(node)
        raise bad(f"unexpected value {json.dumps(node)[:60]}")

    def property(self, name: str) -> Scalar:
        if name not in self.columns:
            raise bad(f"unknown property {name!r}; queryable: "
                      f"{', '.join(n for n in self.columns if n != 'bbox')}")
        kind = _kind_of(self.columns[name])
        if name == self.geometry_column:
            return Scalar("geometry", lambda rows: rows.geometries())
        return Scalar(kind, lambda rows: rows.table[name])

    @staticmethod
    def bbox(values: object) -> BaseGeometry:
        if not isinstance(values, list) or len(values) not in (4, 6):
            raise bad("a bbox has 4 numbers: minlon, minlat, maxlon, maxlat")
        if len(values) == 6:
            values = [values[0], values[1], values[3], values[4]]
        return shapely.box(*values)

    @staticmethod
    def geometry_literal(geom: BaseGeometry) -> Scalar:
        if geom.is_empty:
            raise bad("the filter's geometry is empty")
        geom = geom if geom.is_valid else shapely.make_valid(geom)
        return Scalar("geometry", lambda rows: geom, geom, True)

    def function(self, node: dict) -> Scalar:
        op, args = str(node["op"]).lower(), node.get("args") or []
        if op in ARITHMETIC:
            self.arity(op, args, 2)
            left, right = (self.scalar(a) for a in args)
            if left.kind != "number" or right.kind != "number":
                raise bad(f"arithmetic ({op}) needs numbers, got a {left.kind} and a {right.kind}")
            function = ARITHMETIC[op]
            if op == "div":
                return Scalar("number", lambda rows: pc.floor(pc.divide(
                    pc.cast(left.value(rows), pa.float64()), pc.cast(right.value(rows), pa.float64()))))
            if op == "/":
                return Scalar("number", lambda rows: function(pc.cast(left.value(rows), pa.float64()),
                                                                right.value(rows)))
            return Scalar("number", lambda rows: function(left.value(rows), right.value(rows)))
        if op in ("casei", "accenti"):
            self.arity(op, args, 1)
            inner = self.scalar(args[0])
            if inner.kind != "string":
                raise bad(f"{op.upper()} needs text, got a {inner.kind}")
            fold = _lower if op == "casei" else _strip_accents
            literal = fold(pa.scalar(inner.literal, pa.string())).as_py() if inner.is_literal else None
            return Scalar("string", lambda rows: fold(inner.value(rows)), literal, inner.is_literal)
        raise bad(f"unknown function {node['op']!r}; {SUPPORTED}")


def _constant(value: pa.Scalar) -> Value:
    return lambda rows: value


def _lower(values):
    return pc.utf8_lower(values)


def _strip_accents(values):
    """Text without combining accents (NFD, marks dropped), for ACCENTI comparisons."""
    def strip(text: str | None) -> str | None:
        if text is None:
            return None
        return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))

    if isinstance(values, pa.Scalar):
        return pa.scalar(strip(values.as_py()), pa.string())
    return pa.array([strip(v) for v in values.to_pylist()], pa.string())
