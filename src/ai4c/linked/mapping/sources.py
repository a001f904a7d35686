"""Record readers for logical sources: CSV, JSON (JSONPath), XML (XPath), vector files, SQL.

Each reader streams records (one dict/object/element at a time; JSON is the exception: the document
is parsed whole) and answers `lookup(record, reference) -> list of values` ([] means NULL).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ai4c.core.errors import BadInputError, InvalidProductError
from ai4c.linked.mapping.model import LogicalSource
from ai4c.linked.mapping.source_base import ReferenceError_, Source
from ai4c.linked.mapping.sql import SqlSource
from ai4c.linked.mapping.vector import VectorSource

SIMPLE = re.compile(r"^[^.$@\[\]*()?'\"]+$")
SIMPLE_XPATH = re.compile(r"^(/[A-Za-z_][\w.\-]*)+$")


class CsvSource(Source):
    """CSV with a header row; every value is a string, empty cells and csvw:null values are NULL."""

    def records(self) -> Iterator[dict]:
        self._require_file()
        encoding = "utf-8-sig" if self.spec.encoding.lower() in ("utf-8", "utf8") else self.spec.encoding
        with open(self.spec.path, newline="", encoding=encoding) as handle:  # -sig: tolerate a BOM
            delimiter = "\t" if self.spec.path.suffix.lower() == ".tsv" else self.spec.delimiter
            reader = csv.DictReader(handle, delimiter=delimiter)
            self.header = set(reader.fieldnames or [])
            width = len(reader.fieldnames or [])
            for row in reader:
                self.count += 1
                if len(row) != width or None in row.values():  # DictReader: restkey None / restval None
                    raise InvalidProductError(f"rml:source {self.spec.path}: row {self.count} has a different "
                                              f"number of fields than the header ({width}); fix the CSV file")
                yield row

    def lookup(self, record: dict, reference: str) -> list:
        value = record.get(reference)
        if value is None:
            if reference not in record:
                raise ReferenceError_(f"reference {reference!r} (rml:reference / template) is not a column of "
                                      f"{self.spec.path} (columns: {', '.join(sorted(record))})")
            return []
        if value in self.spec.null_values:
            return []
        return [value]

    def check(self, references: set[str]) -> None:
        header = getattr(self, "header", None)
        if header is not None:
            missing = sorted(references - header)
            if missing:
                raise ReferenceError_(f"reference {missing[0]!r} (rml:reference / template) is not a column of "
                                      f"{self.spec.path} (columns: {', '.join(sorted(header))})")


def _json_text(value: Any) -> str:
    """A JSON value as text (legacy RML: every value is a string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _json_value(value: Any) -> Any:
    """A JSON value for the term maker: numbers and booleans as they are (natural literals), objects and
    arrays as JSON text, strings as strings."""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool | int | float):
        return value
    return str(value)


@lru_cache(maxsize=512)
def _jsonpath(expression: str):
    from jsonpath_ng.ext import parse as jp_parse

    try:
        return jp_parse(expression)
    except Exception as exc:
        raise BadInputError(f"JSONPath {expression!r} is invalid ({exc}); fix the rml:iterator/reference") from exc


STREAMABLE = re.compile(r"^\$((?:\.[A-Za-z_]\w*)*)\[\*\]$")


class JsonSource(Source):
    """JSON iterated with a JSONPath; references are JSONPaths relative to each match.

    Iterators of the form `$.a.b[*]` stream with ijson (bounded memory); others parse the document.
    In a mapping in the W3C RML vocabulary numbers and booleans keep their JSON type: natural RDF literals
    (xsd:integer, xsd:double, xsd:boolean), as RML-IO says; legacy RML mappings get their text.
    """

    @property
    def natural(self) -> bool:
        return self.spec.natural

    def records(self) -> Iterator[Any]:
        self._require_file()
        match = STREAMABLE.match(self.spec.iterator or "")
        if match and self.spec.encoding.lower().replace("-", "") in ("utf8", "utf8sig"):  # ijson reads UTF-8
            yield from self._stream(".".join(filter(None, [match.group(1).lstrip("."), "item"])))
            return
        try:
            with open(self.spec.path, encoding=self.spec.encoding) as handle:
                document = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InvalidProductError(f"{self.spec.path}: line {exc.lineno}, column {exc.colno}: "
                                      f"malformed JSON ({exc.msg}); fix the file") from exc
        iterator = self.spec.iterator or "$"
        for match in _jsonpath(iterator).find(document):
            self.count += 1
            yield match.value

    def _stream(self, prefix: str) -> Iterator[Any]:
        """Array items under an ijson prefix (`item` for a top-level array)."""
        import ijson

        try:
            with open(self.spec.path, "rb") as handle:
                for item in ijson.items(handle, prefix, use_float=True):
                    self.count += 1
                    yield item
        except ijson.JSONError as exc:
            raise InvalidProductError(f"{self.spec.path}: malformed JSON ({exc}); fix the file") from exc

    def lookup(self, record: Any, reference: str) -> list:
        if isinstance(record, dict) and SIMPLE.match(reference):
            if reference not in record:
                return []
            self.seen.add(reference)
            value = record[reference]
            found = value if isinstance(value, list) else [value]
        else:
            expression = reference[2:] if reference.startswith("@.") else reference
            matches = _jsonpath(expression).find(record)
            if matches:
                self.seen.add(reference)
            found = []
            for m in matches:
                found.extend(m.value if isinstance(m.value, list) else [m.value])
        convert = _json_value if self.spec.natural else _json_text
        return [convert(x) for x in found if x is not None]


class XmlSource(Source):
    """XML iterated with an XPath; simple absolute paths stream (iterparse), others parse the file."""

    def records(self) -> Iterator[Any]:
        from lxml import etree

        self._require_file()
        iterator = self.spec.iterator or "/*"
        try:
            if SIMPLE_XPATH.match(iterator):
                yield from self._stream(iterator)
                return
            tree = etree.parse(str(self.spec.path))
            for element in tree.xpath(iterator, namespaces=self.spec.namespaces):
                self.count += 1
                yield element
        except etree.XMLSyntaxError as exc:
            raise InvalidProductError(f"{self.spec.path}: malformed XML ({exc}); fix the file") from exc
        except etree.XPathError as exc:
            raise BadInputError(f"XPath {iterator!r} is invalid ({exc}); fix rml:iterator") from exc

    def _stream(self, iterator: str) -> Iterator[Any]:
        """Yield elements at an absolute path, clearing each after use (bounded memory)."""
        from lxml import etree

        steps = iterator.strip("/").split("/")
        depth = 0
        path: list[str] = []
        for event, element in etree.iterparse(str(self.spec.path), events=("start", "end")):
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if event == "start":
                path.append(tag)
                depth += 1
                continue
            if path == steps:
                self.count += 1
                yield element
                element.clear(keep_tail=True)
                while element.getprevious() is not None:
                    del element.getparent()[0]
            path.pop()
            depth -= 1

    def raw(self, record: Any, reference: str) -> list:
        """Elements as elements (GML geometries for the geometry functions), other results as text."""
        from lxml import etree

        try:
            result = record.xpath(reference, namespaces=self.spec.namespaces)
        except etree.XPathError:
            return self.lookup(record, reference)  # which reports the invalid XPath
        if isinstance(result, list) and result and all(hasattr(x, "iter") for x in result):
            self.seen.add(reference)
            return result
        return self.lookup(record, reference)

    def lookup(self, record: Any, reference: str) -> list:
        from lxml import etree

        try:
            result = record.xpath(reference, namespaces=self.spec.namespaces)
        except etree.XPathError as exc:
            raise BadInputError(f"XPath reference {reference!r} is invalid ({exc}); fix it") from exc
        if not isinstance(result, list):
            result = [] if result is None or result == "" else [result]
        out = []
        for item in result:
            out.append("".join(item.itertext()) if hasattr(item, "itertext") else str(item))
        if out:
            self.seen.add(reference)
        return out


def open_source(spec: LogicalSource) -> Source:
    """The reader for a logical source."""
    if spec.kind == "csv":
        return CsvSource(spec)
    if spec.kind == "json":
        return JsonSource(spec)
    if spec.kind == "xml":
        return XmlSource(spec)
    if spec.kind == "vector":
        return VectorSource(spec)
    if spec.kind == "sql":
        return SqlSource(spec)
    if spec.kind == "sparql":
        from ai4c.linked.mapping.sparql_source import SparqlSource

        return SparqlSource(spec)
    if spec.kind == "view":
        from ai4c.linked.mapping.views import ViewSource

        return ViewSource(spec)
    raise BadInputError(f"logical source kind {spec.kind!r} is unknown; use CSV, JSONPath, XPath, SQL or a vector file")
