"""Sources of a federation: SPARQL endpoints over a passed-in HTTP client, and in-memory stores (mapped files)."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field

from ai4c.core.errors import BadInputError
from ai4c.linked.federation.terms import from_json, from_tsv
from ai4c.linked.federation.vocabulary import Vocabulary

SPARQL_JSON = "application/sparql-results+json"
SPARQL_TSV = "text/tab-separated-values"


class SourceError(BadInputError):
    """A source that cannot be reached, times out or answers something that is not SPARQL results."""


@dataclass
class Source:
    """One member of the federation: its name, vocabulary mapping, statistics and request counters."""

    name: str
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    geosparql: bool = True
    summary: object = None
    counters: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    request_cost: float = 500.0  # one request costs about as much as transferring this many result rows

    def max_batch(self, options) -> int:
        """The largest VALUES block of a bound join sent here."""
        return options.max_batch

    @property
    def requests(self) -> int:
        """Requests sent by this thread since its last reset (per thread: concurrent queries do not mix)."""
        return getattr(self.counters, "requests", 0)

    @property
    def results(self) -> int:
        """Result rows received by this thread since its last reset."""
        return getattr(self.counters, "results", 0)

    def _count(self, rows: int) -> None:
        self.add_counts(1, rows)

    def add_counts(self, requests: int, rows: int) -> None:
        """Count requests and rows for this thread (those sent for it by other threads included)."""
        self.counters.requests = self.requests + requests
        self.counters.results = self.results + rows

    def _run(self, query: str, accept: str = SPARQL_JSON) -> tuple[bytes, str]:
        """The body and media type of the source's answer to `query`, asked for as `accept`."""
        raise NotImplementedError

    @property
    def _bnode_prefix(self) -> str:
        return re.sub(r"\W", "_", self.name) + "_"  # a valid blank node label whatever the name

    def _decode(self, body: bytes) -> dict:
        try:
            payload = json.loads(body)
        except ValueError as err:
            snippet = body[:60].decode("utf-8", "replace")
            raise SourceError(f"source {self.name!r} answered garbage instead of SPARQL JSON results "
                              f"({snippet!r}); check that it is a SPARQL endpoint") from err
        if not isinstance(payload, dict) or not ("boolean" in payload or "results" in payload):
            raise SourceError(f"source {self.name!r} answered JSON that is not SPARQL results")
        return payload

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT query as {variable: N-Triples term}, counted as one request. Asked for as TSV
        (terms already in N-Triples form: parsed several times faster than JSON), JSON when the source answers so."""
        body, media = self._run(query, SPARQL_TSV)
        rows = self._tsv_rows(body) if media.startswith(SPARQL_TSV) else self._json_rows(body)
        self._count(len(rows))
        return rows

    def _json_rows(self, body: bytes) -> list[dict[str, str]]:
        payload = self._decode(body)
        try:
            return [{var: from_json(term, self._bnode_prefix) for var, term in binding.items()}
                    for binding in payload["results"]["bindings"]]
        except (KeyError, TypeError) as err:
            raise SourceError(f"source {self.name!r} answered malformed SPARQL JSON results") from err

    def _tsv_rows(self, body: bytes) -> list[dict[str, str]]:
        """Rows of SPARQL TSV results (header `?a\t?b`, one line per row, empty fields unbound)."""
        try:
            lines = body.decode("utf-8").split("\n")
            names = [name.lstrip("?$") for name in lines[0].rstrip("\r").split("\t")] if lines[0] else []
            if lines and lines[-1] == "":
                lines.pop()
            prefix = self._bnode_prefix
            rows = []
            for line in lines[1:]:
                fields = line.rstrip("\r").split("\t")
                if len(fields) != len(names) and names:
                    raise ValueError(f"{len(fields)} fields under {len(names)} variables")
                rows.append({n: t for n, f in zip(names, fields, strict=False) if (t := from_tsv(f, prefix))})
            return rows
        except (UnicodeDecodeError, ValueError) as err:
            raise SourceError(f"source {self.name!r} answered malformed SPARQL TSV results: {err}") from err

    def ask(self, query: str) -> bool:
        """The answer of an ASK query, counted as one request."""
        payload = self._decode(self._run(query)[0])
        self._count(0)
        if not isinstance(payload.get("boolean"), bool):
            raise SourceError(f"source {self.name!r} answered an ASK query without a boolean")
        return payload["boolean"]

    def reset_counters(self) -> None:
        self.counters.requests = 0
        self.counters.results = 0


@dataclass
class EndpointSource(Source):
    """A SPARQL 1.1 Protocol endpoint, queried through `client` (an httpx.Client) with timeout and retries."""

    url: str = ""
    client: object = None
    timeout: float = 30.0
    retries: int = 2

    def _run(self, query: str, accept: str = SPARQL_JSON) -> tuple[bytes, str]:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                reply = self.client.post(self.url, data={"query": query}, headers={"Accept": accept},
                                         timeout=self.timeout)
            except Exception as err:  # httpx raises many transport errors; all mean "not reachable now"
                last = err
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
                continue
            if reply.status_code in (406, 415) and accept != SPARQL_JSON:  # TSV refused: JSON
                return self._run(query, SPARQL_JSON)
            if reply.status_code >= 500 and attempt < self.retries:
                last = SourceError(f"HTTP {reply.status_code}")
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
                continue
            if reply.status_code != 200:
                raise SourceError(f"source {self.name!r} ({self.url}) refused a query: HTTP {reply.status_code} "
                                  f"{reply.text[:200]}")
            return reply.content, reply.headers.get("content-type", SPARQL_JSON)
        raise SourceError(f"source {self.name!r} ({self.url}) is unreachable after {self.retries + 1} tries: "
                          f"{last}") from last


@dataclass
class LocalSource(Source):
    """An in-memory GeoStore (e.g. a mapped CSV/GeoJSON materialised on demand)."""

    store: object = None
    request_cost: float = 5.0  # no HTTP: a query costs little more than its rows

    def max_batch(self, options) -> int:
        """In-process: all bindings in one VALUES block."""
        return 1_000_000

    def _run(self, query: str, accept: str = SPARQL_JSON) -> tuple[bytes, str]:
        return self.store.query_serialized(query, "tsv" if accept.startswith(SPARQL_TSV) else "json")
