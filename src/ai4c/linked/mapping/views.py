"""RML-LV logical views as a record source: each record of the underlying source (or view) becomes one
view record per combination of its fields' values, with index keys (`#`, `name.#`), nested fields read in
their own reference formulation, and left/inner joins with parent views."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import lru_cache

from ai4c.linked.mapping.model import Field, LogicalSource, TermMap, ViewJoin
from ai4c.linked.mapping.parse_lv import view_keys
from ai4c.linked.mapping.source_base import ReferenceError_, Source
from ai4c.linked.mapping.term_maker import TermMaker

Lookup = Callable[[object, str], list]
STRINGS = TermMaker("")  # evaluates expression maps (references, templates, constants) to values


def expression_values(tm: TermMap, lookup: Callable[[str], list]) -> list:
    """Values of an expression map on one record."""
    if tm.kind == "constant":
        return [tm.constant.value]
    return STRINGS.strings(tm, lookup, True)


@lru_cache(maxsize=1)
def _json_reader():
    """A JSON reader used only for its lookup (natural values)."""
    from ai4c.linked.mapping.sources import JsonSource

    return JsonSource(LogicalSource(kind="json", natural=True))


def json_lookup(item, reference: str) -> list:
    """A JSONPath reference on a JSON value (natural values: numbers stay numbers)."""
    return _json_reader().lookup(item, reference)


def csv_lookup(item, reference: str) -> list:
    """A column of a CSV row (a dict)."""
    value = item.get(reference) if isinstance(item, dict) else None
    return [] if value in (None, "") else [value]


def xml_lookup(item, reference: str) -> list:
    """An XPath reference on an XML element."""
    from ai4c.linked.mapping.sources import XmlSource

    return XmlSource(LogicalSource(kind="xml")).lookup(item, reference)


LOOKUPS = {"json": json_lookup, "csv": csv_lookup, "xml": xml_lookup}


def reformulated(value, formulation: str):
    """A value read in another reference formulation: JSON text parsed, CSV text split into rows."""
    if not isinstance(value, str):
        return value
    if formulation == "json":
        return json.loads(value)
    if formulation == "csv":
        return list(csv.DictReader(io.StringIO(value)))
    if formulation == "xml":
        from lxml import etree

        return etree.fromstring(value.encode("utf-8"))
    return value


def iterate(item, field: Field, lookup: Lookup) -> list:
    """The items an iterable field walks over in a value."""
    if field.formulation == "csv" or isinstance(item, list) and field.iterator is None:
        return item if isinstance(item, list) else []
    if field.formulation == "xml" or hasattr(item, "xpath"):
        return item.xpath(field.iterator or ".")
    from ai4c.linked.mapping.sources import _jsonpath

    return [m.value for m in _jsonpath(field.iterator or "$").find(item)]


def field_rows(fields: list[Field], item, lookup: Lookup, prefix: str = "") -> list[dict]:
    """The partial view records the fields give on one value: the product of each field's rows."""
    rows = [{}]
    for f in fields:
        rows = [{**a, **b} for a in rows for b in one_field(f, item, lookup, prefix)]
    return rows


def one_field(f: Field, item, lookup: Lookup, prefix: str) -> list[dict]:
    """Rows of one field: one per value (expression) or per item (iterable), children nested below."""
    name = prefix + f.name
    child_lookup = LOOKUPS[f.formulation] if f.formulation else lookup
    if f.kind == "expression":
        values = expression_values(f.expression, lambda ref: lookup(item, ref))
        if not values:
            return [{name: None}]
        out = []
        inherited = lookup is row_lookup and f.expression.kind == "reference" and len(values) == 1
        for index, value in enumerate(values):
            if inherited:  # a joined field copying a parent field keeps the parent's index
                index = item.get(f.expression.reference + ".#", index)
            base = {name: value, name + ".#": index}
            inner = reformulated(value, f.formulation) if f.formulation else value
            out += [{**base, **row} for row in field_rows(f.children, inner, child_lookup, name + ".")]
        return out
    value = reformulated(item, f.formulation) if f.formulation and f.kind == "iterable" else item
    out = []
    for index, element in enumerate(iterate(value, f, lookup)):
        base = {name + ".#": index}
        out += [{**base, **row} for row in field_rows(f.children, element, child_lookup, name + ".")]
    return out


def row_lookup(row: dict, reference: str) -> list:
    """A key of a view record (the lookup joined fields and join conditions use on parent records)."""
    value = row.get(reference)
    return [] if value is None else [value]


def side_values(reference: str | None, tm: TermMap | None, row: dict) -> list[str]:
    """The join values of one side of a condition on a view record."""
    values = row_lookup(row, reference) if reference is not None else \
        expression_values(tm, lambda ref: row_lookup(row, ref))
    return [str(x) for x in values]


class ViewSource(Source):
    """Records of a logical view (dicts keyed by field name, `name.#` and `#`)."""

    natural = True  # indexes are integers, JSON values keep their type

    def __init__(self, spec: LogicalSource) -> None:
        super().__init__(spec)
        self.view = spec.view
        self.keys = set(view_keys(self.view))

    def describe(self) -> str:
        return f"logical view <{self.view.id}>"

    def records(self) -> Iterator[dict]:
        from ai4c.linked.mapping.sources import open_source

        base = open_source(self.view.parent)
        indexes = [self._join_index(join) for join in self.view.joins]
        for number, record in enumerate(base.records()):
            for row in field_rows(self.view.fields, record, base.lookup):
                row["#"] = number
                for joined in self._joined(row, indexes):
                    self.count += 1
                    yield joined

    def _join_index(self, join: ViewJoin) -> dict:
        """Parent view records keyed by their join values."""
        index: dict[tuple, list[dict]] = defaultdict(list)
        for row in ViewSource(join.parent).records():
            values = [side_values(c.parent, c.parent_map, row) for c in join.conditions]
            for key in itertools.product(*values):
                index[key].append(row)
        return index

    def _joined(self, row: dict, indexes: list[dict]) -> Iterator[dict]:
        """The row extended by each join in turn (inner joins drop rows without a match)."""
        rows = [row]
        for join, index in zip(self.view.joins, indexes, strict=True):
            rows = [out for r in rows for out in self._join_one(r, join, index)]
        yield from rows

    @staticmethod
    def _join_one(row: dict, join: ViewJoin, index: dict) -> list[dict]:
        values = [side_values(c.child, c.child_map, row) for c in join.conditions]
        parents = list({id(p): p for key in itertools.product(*values) for p in index.get(key, ())}.values())
        if not parents:
            return [] if join.inner else [{**row, **{k: None for k in _names(join)}}]
        return [{**row, **extra} for parent in parents for extra in field_rows(join.fields, parent, row_lookup)]

    def lookup(self, record: dict, reference: str) -> list:
        if reference not in self.keys:
            raise ReferenceError_(f"reference {reference!r} is not a field of {self.describe()} "
                                  f"(fields: {', '.join(sorted(self.keys))})")
        value = record.get(reference)
        return [] if value is None else [value]

    def check(self, references: set[str]) -> None:
        missing = sorted(references - self.keys)
        if missing:
            raise ReferenceError_(f"reference {missing[0]!r} is not a field of {self.describe()} "
                                  f"(fields: {', '.join(sorted(self.keys))})")


def _names(join: ViewJoin) -> list[str]:
    from ai4c.linked.mapping.parse_lv import field_keys

    return field_keys(join.fields)

