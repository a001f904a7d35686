"""The SPARQL endpoint of a GeoStore: W3C SPARQL 1.1 Protocol (query and update) and Graph Store
Protocol over FastAPI. Read-only unless started with an update token (sent as `Authorization:
Bearer TOKEN`); every query runs under a time limit and is cancelled when it overruns."""

from __future__ import annotations

import asyncio
import hmac
import threading

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ai4c.core.errors import BadInputError
from ai4c.linked.store import GeoStore, QueryError, QueryTimeoutError

_ACCEPT = [("application/sparql-results+json", "json"), ("application/json", "json"),
           ("application/sparql-results+xml", "xml"), ("application/xml", "xml"),
           ("text/csv", "csv"), ("text/tab-separated-values", "tsv")]
_RDF = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/n-quads": ox.RdfFormat.N_QUADS,
        "application/trig": ox.RdfFormat.TRIG}


def result_format(request: Request, explicit: str | None) -> str:
    """json/xml/csv/tsv from a `format` parameter or the Accept header (JSON by default)."""
    if explicit:
        return explicit.lower()
    accept = request.headers.get("accept", "")
    for media, name in _ACCEPT:
        if media in accept:
            return name
    return "json"


def create_app(store: GeoStore, *, update_token: str | None = None, timeout: float = 60.0) -> FastAPI:
    """The ASGI application serving `store`."""
    app = FastAPI(title="ai4c GeoSPARQL endpoint")
    write_lock = threading.Lock()

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
                run_in_threadpool(store.query_serialized, query, result_format(request, fmt),
                                  timeout=timeout), timeout + 5)
        except (TimeoutError, QueryTimeoutError):
            return PlainTextResponse(f"query cancelled after the {timeout:g} s time limit", status_code=503)
        except BadInputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        return Response(body, media_type=media)

    async def run_update(request: Request, update: str) -> Response:
        if not authorised(request):
            return forbidden()
        try:
            await run_in_threadpool(_locked, write_lock, store.update, update)
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
        form = _form(await request.body()) if kind == "application/x-www-form-urlencoded" else {}
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
        graph = graph_of(request)
        quads = store.store.quads_for_pattern(None, None, None, graph)
        body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                            format=ox.RdfFormat.N_TRIPLES)
        return Response(body or b"", media_type="application/n-triples")

    async def gsp_write(request: Request, replace: bool) -> Response:
        if not authorised(request):
            return forbidden()
        kind = request.headers.get("content-type", "text/turtle").split(";")[0].strip()
        if kind not in _RDF:
            return PlainTextResponse(f"unsupported content type {kind!r}; use one of {', '.join(_RDF)}",
                                     status_code=415)
        graph = graph_of(request)
        data = await request.body()
        try:
            await run_in_threadpool(_locked, write_lock, _write_graph, store, graph, data, _RDF[kind], replace)
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
        await run_in_threadpool(_locked, write_lock, store.update, f"CLEAR SILENT {target}")
        return Response(status_code=204)

    @app.get("/health")
    async def health():
        return JSONResponse({"triples": len(store), "read_only": not update_token})

    return app


def _form(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (first value of each field)."""
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def _locked(lock: threading.Lock, func, *args):
    with lock:
        return func(*args)


def _write_graph(store: GeoStore, graph, data: bytes, fmt: ox.RdfFormat, replace: bool) -> None:
    """Replace or extend one graph in a single transaction, then refresh derived data."""
    triples = list(ox.parse(data, format=fmt))
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    if replace:
        target = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH <{graph.value}>"
        store.store.update(f"CLEAR SILENT {target}")
    store.store.extend(quads)
    store.changed()


def serve(store: GeoStore, *, host: str = "127.0.0.1", port: int = 7200, update_token: str | None = None,
          timeout: float = 60.0) -> None:
    """Serve until interrupted."""
    import uvicorn

    uvicorn.run(create_app(store, update_token=update_token, timeout=timeout), host=host, port=port,
                log_level="warning")


__all__ = ["create_app", "serve", "QueryError"]
