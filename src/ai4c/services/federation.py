"""The federated SPARQL endpoint: sources.yaml -> sources (endpoints, mapped files) -> a read-only SPARQL 1.1
Protocol service over their union."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from ai4c.core.errors import BadInputError
from ai4c.linked.federation import (
    EndpointSource,
    Federation,
    LocalSource,
    Source,
    SourceError,
    Vocabulary,
    VocabularyError,
    summarize,
)
from ai4c.linked.federation.summary import from_turtle
from ai4c.pipelines.federation_params import FederationParameters
from ai4c.services.sparql import form_fields, result_format

PARTIAL_HEADER = "X-Ai4c-Partial"


def _vocabulary(path: Path) -> Vocabulary:
    """A vocabulary file: YAML (terms/prefixes) or RDF with owl:equivalentClass/Property."""
    if not path.is_file():
        raise VocabularyError(f"vocabulary file {str(path)!r} not found")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return Vocabulary.from_dict(yaml.safe_load(path.read_text()), str(path))
        except yaml.YAMLError as err:
            raise VocabularyError(f"vocabulary file {str(path)!r} is not valid YAML: {err}") from err
    from rdflib import Graph

    try:
        return Vocabulary.from_owl(Graph().parse(str(path)))
    except Exception as err:  # rdflib parsers raise many kinds
        raise VocabularyError(f"vocabulary file {str(path)!r} is not readable RDF: {err}") from err


def mapped_source(name: str, mapping: Path) -> LocalSource:
    """A mapped file (GeoTriples/RML mapping of CSV, GeoJSON, ...) materialised into an in-memory store."""
    import pyoxigraph as ox

    from ai4c.linked.mapping import iter_quads
    from ai4c.linked.store import GeoStore

    if not mapping.is_file():
        raise BadInputError(f"mapping file {str(mapping)!r} of source {name!r} not found")
    store = GeoStore()  # RDFS entailment and topology rewrite like `ai4c store serve`
    store.write_graph(ox.DefaultGraph(), list(iter_quads(mapping)), replace=False)
    return LocalSource(name=name, store=store)


def load_sources(config: Path | dict, client, *, timeout: float = 30.0, retries: int = 2) -> list[Source]:
    """Sources from sources.yaml (`sources: [{name, endpoint|mapping, summary?, vocabulary?, geosparql?}]`);
    statistics are gathered now when no summary file is given (an unreachable source fails here, named)."""
    import yaml

    base = Path(config).parent if not isinstance(config, dict) else Path(".")
    if not isinstance(config, dict):
        if not Path(config).is_file():
            raise BadInputError(f"sources file {str(config)!r} not found")
        config = yaml.safe_load(Path(config).read_text()) or {}
    entries = config.get("sources") if isinstance(config, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BadInputError("sources file must hold 'sources:', a list of {name, endpoint: URL | mapping: FILE}")
    sources = []
    for entry in entries:
        name = str(entry.get("name") or entry.get("endpoint") or entry.get("mapping"))
        if "endpoint" in entry:
            source: Source = EndpointSource(name=name, url=str(entry["endpoint"]), client=client,
                                            timeout=float(entry.get("timeout", timeout)), retries=retries)
        elif "mapping" in entry:
            source = mapped_source(name, base / entry["mapping"])
        else:
            raise BadInputError(f"source {name!r} needs 'endpoint: URL' or 'mapping: FILE'")
        source.geosparql = bool(entry.get("geosparql", True))
        if entry.get("vocabulary"):
            source.vocabulary = _vocabulary(base / entry["vocabulary"])
        source.summary = _summary(source, entry, base)
        source.vocabulary.check_against(set(source.summary.predicates), set(source.summary.classes), name)
        source.reset_counters()
        sources.append(source)
    return sources


def _summary(source: Source, entry: dict, base: Path):
    if entry.get("summary"):
        path = base / entry["summary"]
        if not path.is_file():
            raise BadInputError(f"summary file {str(path)!r} of source {source.name!r} not found")
        summaries = from_turtle(path.read_text())
        found = [s for s in summaries if s.name == source.name] or (summaries if len(summaries) == 1 else [])
        if not found:
            raise BadInputError(f"summary file {str(path)!r} does not describe source {source.name!r} "
                                f"(it describes {', '.join(s.name for s in summaries) or 'nothing'})")
        source.ask("ASK { }")  # reachable now?
        return found[0]
    try:
        return summarize(source, entry.get("endpoint", ""))
    except SourceError as err:
        raise SourceError(f"cannot gather statistics: {err}") from err


def source_client(connections: int = 64):
    """The HTTP client every source request goes through: keep-alive connections pooled across the
    federation's threads (16 concurrent queries reuse them instead of opening one connection per request)."""
    import httpx

    return httpx.Client(limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))


def federation(config: Path | dict, params: FederationParameters, client) -> Federation:
    """The federation described by sources.yaml (`config`) with `params` (one FederationParameters object)."""
    sources = load_sources(config, client, timeout=params.timeout, retries=params.retries)
    return Federation(sources, selection=params.selection, batch=params.batch, max_batch=params.max_batch,
                      strict=params.strict, ask_cache=params.ask_cache, client=client, timeout=params.timeout)


def create_app(federation: Federation):
    """A read-only SPARQL 1.1 Protocol endpoint (GET/POST /sparql) over the federation."""
    app = FastAPI(title="ai4c federated SPARQL endpoint")

    async def answer(request: Request, query: str, fmt: str | None) -> Response:
        try:
            body, media, plan = await run_in_threadpool(federation.query, query, result_format(request, fmt))
        except SourceError as err:
            return JSONResponse({"error": str(err)}, status_code=502)
        except BadInputError as err:  # FederationError included
            return JSONResponse({"error": str(err)}, status_code=400)
        headers = {PARTIAL_HEADER: "true"} if plan.partial else {}
        return Response(body, media_type=media, headers=headers)

    @app.get("/sparql")
    async def sparql_get(request: Request):
        params = request.query_params
        if "update" in params:
            return PlainTextResponse("this federated endpoint is read-only", status_code=403)
        if "query" not in params:
            return JSONResponse({"error": "missing 'query' parameter"}, status_code=400)
        return await answer(request, params["query"], params.get("format"))

    @app.post("/sparql")
    async def sparql_post(request: Request):
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        body = await request.body()
        if kind == "application/sparql-query":
            return await answer(request, body.decode(), request.query_params.get("format"))
        form = form_fields(body) if kind == "application/x-www-form-urlencoded" else {}
        if "query" in form:
            return await answer(request, form["query"], form.get("format"))
        if kind == "application/sparql-update" or "update" in form:
            return PlainTextResponse("this federated endpoint is read-only", status_code=403)
        return JSONResponse({"error": "give 'query' (form) or an application/sparql-query body"}, status_code=400)

    return app
