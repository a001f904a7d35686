"""Query results written out under a deadline: serialisation in any result format, timed iteration."""

from __future__ import annotations

import io
import time

import pyoxigraph as ox

from ai4c.core.errors import BadInputError
from ai4c.linked.geo.geometry import UnknownCrsError
from ai4c.linked.store.udf import QueryCancelled, pop_errors, set_deadline


class QueryError(BadInputError, ValueError):
    """A SPARQL query or update that cannot be parsed or evaluated (the message says where)."""


class QueryTimeoutError(BadInputError, TimeoutError):
    """A query that ran longer than its time limit."""


def write_results(results, out: io.BytesIO, fmt: ox.QueryResultsFormat, deadline: float | None) -> str:
    """Serialise solutions/boolean (in `fmt`) or triples (N-Triples); returns the media type."""
    if isinstance(results, ox.QueryTriples):
        results.serialize(out, ox.RdfFormat.N_TRIPLES)
        return "application/n-triples"
    if isinstance(results, ox.QuerySolutions) and deadline is not None:
        _serialize_rows(_Deadline(results, deadline), out, fmt)
    else:
        results.serialize(out, fmt)
    return fmt.media_type


class _Deadline:
    """Wraps query solutions and stops with QueryTimeoutError once the deadline has passed."""

    def __init__(self, source: ox.QuerySolutions, deadline: float) -> None:
        self.source, self.deadline = source, deadline
        self.variables = source.variables

    def __iter__(self):
        for row in self.source:
            if time.monotonic() > self.deadline:
                raise QueryTimeoutError("query timed out; narrow it or raise the timeout")
            yield row


class Timed:
    """Query solutions or triples iterated under a deadline: GeoSPARQL functions stop at once past
    it and the iteration raises QueryTimeoutError (functions see the deadline only while iterating)."""

    def __init__(self, source, deadline: float, text: str) -> None:
        self.source, self.deadline, self.text = source, deadline, text

    def __getattr__(self, name: str):
        return getattr(self.source, name)  # variables, serialize, ...

    def __iter__(self):
        iterator = iter(self.source)
        while True:
            if time.monotonic() > self.deadline:
                pop_errors()
                raise QueryTimeoutError("query timed out; narrow it or raise the timeout")
            set_deadline(self.deadline)
            try:
                row = next(iterator)
            except StopIteration:
                raise_recorded(self.text)
                return
            finally:
                set_deadline(None)
            yield row


def _serialize_rows(rows: _Deadline, out: io.BytesIO, fmt: ox.QueryResultsFormat) -> None:
    """Serialise rows through pyoxigraph by re-parsing a JSON buffer (keeps the deadline checks)."""
    import json

    variables = [v.value for v in rows.variables]
    bindings = [{v: _json_term(row[v]) for v in variables if row[v] is not None} for row in rows]
    payload = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}).encode()
    if fmt == ox.QueryResultsFormat.JSON:
        out.write(payload)
        return
    ox.parse_query_results(payload, ox.QueryResultsFormat.JSON).serialize(out, fmt)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        item = {"type": "literal", "value": term.value}
        if term.language:
            item["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            item["datatype"] = term.datatype.value
        return item
    return {"type": "literal", "value": str(term)}


def raise_recorded(text: str) -> None:
    """Raise what the functions recorded while evaluating `text`: a timeout, or an unknown CRS that the
    query itself names (an unknown CRS of a stored literal makes that literal invalid: unbound, no error)."""
    errors = pop_errors()
    if any(isinstance(e, QueryCancelled) for e in errors):
        raise QueryTimeoutError("query timed out and was cancelled; narrow it or raise the timeout")
    errors = [e for e in errors if not isinstance(e, UnknownCrsError) or getattr(e, "iri", "") in text]
    if errors:
        raise errors[0]
