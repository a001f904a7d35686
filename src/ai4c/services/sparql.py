"""The SPARQL endpoint of a GeoStore: W3C SPARQL 1.1 Protocol (query and update) and Graph Store
Protocol over FastAPI. Read-only unless started with an update token (sent as `Authorization:
Bearer TOKEN`); every query runs under a time limit and is cancelled when it overruns.

Two backends evaluate requests: `ProcessBackend` (on-disk stores, what `ai4c store serve` uses)
runs queries in worker processes and kills one whose query overruns; `ThreadBackend` (in-memory
stores) runs them in threads, where a query stuck inside pyoxigraph is answered 503 but finishes in
the background."""

from __future__ import annotations

import asyncio
import hmac
import threading
from collections.abc import Callable

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ai4c.core.errors import BadInputError
from ai4c.linked.store import GeoStore, QueryError, QueryTimeoutError
from ai4c.services.query_pool import QueryPool, StoreOptions

_ACCEPT = [("application/sparql-results+json", "json"), ("application/json", "json"),
           ("application/sparql-results+xml", "xml"), ("application/xml", "xml"),
           ("text/csv", "csv"), ("text/tab-separated-values", "tsv")]
_RDF = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/n-quads": ox.RdfFormat.N_QUADS,
        "application/trig": ox.RdfFormat.TRIG}


class ThreadBackend:
    """Requests evaluated in this process's threads, on a store it holds open (in-memory stores)."""

    def __init__(self, store: GeoStore) -> None:
        self.store = store
        self._write_lock = threading.Lock()

    def query(self, query: str, result_format: str, timeout: float | None) -> tuple[bytes, str]:
        return self.store.query_serialized(query, result_format, timeout=timeout)

    def write(self, change: Callable[[GeoStore], None]) -> None:
        """Apply `change` to the store, one writer at a time."""
        with self._write_lock:
            change(self.store)

    def dump_graph(self, graph) -> bytes:
        return self.store.dump_graph(graph)

    def count(self) -> int:
        return len(self.store)

    def close(self) -> None:
        """Nothing to stop: the caller owns the store."""


class ProcessBackend:
    """Requests evaluated by worker processes reading the on-disk store (see services.query_pool);
    a write pauses them, opens the store read-write in this process, and restarts them."""

    def __init__(self, options: StoreOptions, workers: int | None = None) -> None:
        self.options = options
        self.pool = QueryPool(options, workers)
        self._write_lock = threading.Lock()

    def query(self, query: str, result_format: str, timeout: float | None) -> tuple[bytes, str]:
        return self.pool.query(query, result_format, timeout)

    def write(self, change: Callable[[GeoStore], None]) -> None:
        """Apply `change` to the store opened read-write while no worker reads it."""
        with self._write_lock, self.pool.paused(), GeoStore(
                self.options.path, entail=self.options.entail, rewrite_topology=self.options.rewrite_topology) as store:
            change(store)
            store.warm()

    def dump_graph(self, graph) -> bytes:
        return self.pool.dump_graph(graph)

    def count(self) -> int:
        return self.pool.count()

    def close(self) -> None:
        self.pool.close()


Backend = ThreadBackend | ProcessBackend


def backend_for(store: GeoStore | Backend) -> Backend:
    """The backend serving `store`: a GeoStore object is served from threads of this process."""
    return ThreadBackend(store) if isinstance(store, GeoStore) else store


def result_format(request: Request, explicit: str | None) -> str:
    """json/xml/csv/tsv from a `format` parameter or the Accept header (JSON by default)."""
    if explicit:
        return explicit.lower()
    return negotiate(request.headers.get("accept", ""))


def negotiate(accept: str) -> str:
    """The result format an Accept header prefers: the known media type of highest q (the header's order breaks
    ties; q=0 refuses one); JSON when it names none of them (`*/*`, absent)."""
    known = dict(_ACCEPT)
    best, best_q = "json", 0.0
    for item in accept.split(","):
        media, *options = (part.strip() for part in item.split(";"))
        if media.lower() not in known:
            continue
        q = _quality(options)
        if q > best_q:
            best, best_q = known[media.lower()], q
    return best


def _quality(options: list[str]) -> float:
    """The q parameter of one Accept entry (1 when absent or unreadable)."""
    for option in options:
        key, _, value = option.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 1.0
    return 1.0


def create_app(store: GeoStore | Backend, *, update_token: str | None = None, timeout: float = 60.0) -> FastAPI:
    """The ASGI application serving `store` (a GeoStore, or a backend such as ProcessBackend)."""
    app = FastAPI(title="ai4c GeoSPARQL endpoint")
    backend = backend_for(store)

    def authorised(request: Request) -> bool:
        if not update_token:
            return False
        header = request.headers.get("authorization", "")
        return hmac.compare_digest(header, f"Bearer {update_token}")

    def forbidden() -> Response:
        why = "this endpoint is read-only" if not update_token else "missing or wrong update token"
        return PlainTextResponse(f"{why}; send 'Authorization: Bearer TOKEN'", status_code=403)

    async def run_query(request: Request, query: str, fmt: str | None) -> Response:
        try:
            body, media = await asyncio.wait_for(
                run_in_threadpool(backend.query, query, result_format(request, fmt), timeout),
                timeout + 5)
        except (TimeoutError, QueryTimeoutError):
            return PlainTextResponse(f"query cancelled after the {timeout:g} s time limit", status_code=503)
        except BadInputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        return Response(body, media_type=media)

    async def run_update(request: Request, update: str) -> Response:
        if not authorised(request):
            return forbidden()
        try:
            await run_in_threadpool(backend.write, lambda target: target.update(update))
        except BadInputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        return Response(status_code=204)

    @app.get("/sparql")
    async def sparql_get(request: Request):
        params = request.query_params
        if "update" in params:
            return PlainTextResponse("updates must be POSTed", status_code=405)
        if "query" not in params:
            return PlainTextResponse("missing 'query' parameter", status_code=400)
        return await run_query(request, params["query"], params.get("format"))

    @app.post("/sparql")
    async def sparql_post(request: Request):
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/sparql-query":
            return await run_query(request, (await request.body()).decode(), request.query_params.get("format"))
        if kind == "application/sparql-update":
            return await run_update(request, (await request.body()).decode())
        form = form_fields(await request.body()) if kind == "application/x-www-form-urlencoded" else {}
        if "update" in form:
            return await run_update(request, str(form["update"]))
        if "query" in form:
            return await run_query(request, str(form["query"]), form.get("format"))
        return PlainTextResponse("give 'query' or 'update' (form) or a sparql-query/update body",
                                 status_code=400)

    def graph_of(request: Request):
        params = request.query_params
        if "graph" in params:
            return ox.NamedNode(params["graph"])
        return ox.DefaultGraph()

    @app.get("/store")
    async def gsp_get(request: Request):
        body = await run_in_threadpool(backend.dump_graph, graph_of(request))
        return Response(body, media_type="application/n-triples")

    async def gsp_write(request: Request, replace: bool) -> Response:
        if not authorised(request):
            return forbidden()
        kind = request.headers.get("content-type", "text/turtle").split(";")[0].strip()
        if kind not in _RDF:
            return PlainTextResponse(f"unsupported content type {kind!r}; use one of {', '.join(_RDF)}",
                                     status_code=415)
        graph, data, fmt = graph_of(request), await request.body(), _RDF[kind]
        try:
            triples = list(ox.parse(data, format=fmt))  # malformed data: 400 before any store is touched
            await run_in_threadpool(
                backend.write, lambda target: target.write_graph(graph, triples, replace=replace))
        except SyntaxError as exc:
            return PlainTextResponse(f"malformed RDF: {exc}", status_code=400)
        return Response(status_code=204)

    @app.put("/store")
    async def gsp_put(request: Request):
        return await gsp_write(request, replace=True)

    @app.post("/store")
    async def gsp_post(request: Request):
        return await gsp_write(request, replace=False)

    @app.delete("/store")
    async def gsp_delete(request: Request):
        if not authorised(request):
            return forbidden()
        graph = graph_of(request)
        target = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH <{graph.value}>"
        await run_in_threadpool(backend.write, lambda store: store.update(f"CLEAR SILENT {target}"))
        return Response(status_code=204)

    @app.get("/health")
    async def health():
        return JSONResponse({"triples": await run_in_threadpool(backend.count), "read_only": not update_token})

    from ai4c.services.sextant import mount_sextant  # the Sextant map over this store, at /map

    mount_sextant(app, lambda query: backend.query(query, "json", timeout)[0], timeout=timeout)
    return app


def form_fields(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (first value of each field)."""
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def serve(store: GeoStore | Backend, *, host: str = "127.0.0.1", port: int = 7200,
          update_token: str | None = None, timeout: float = 60.0) -> None:
    """Serve until interrupted, then stop the backend's workers."""
    import uvicorn

    backend = backend_for(store)
    try:
        uvicorn.run(create_app(backend, update_token=update_token, timeout=timeout), host=host, port=port,
                    log_level="warning")
    finally:
        backend.close()


__all__ = ["ProcessBackend", "ThreadBackend", "create_app", "form_fields", "serve", "QueryError", "StoreOptions"]
