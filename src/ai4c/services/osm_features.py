"""`ai4c osm serve`: an OGC API - Features (Part 1 core + GeoJSON, Part 3 CQL2 text subset) server
over a feature store, one collection per class, with a web page at `/` for people."""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ai4c.core.errors import Ai4cError, InvalidParameterError
from ai4c.features.cql2 import compile_filter, parse_filter
from ai4c.pipelines.osm_params import (
    DEFAULT_CACHE_MB,
    DEFAULT_LIMIT,
    DEFAULT_PORT,
    DEFAULT_WORKERS,
    MAX_LIMIT,
)
from ai4c.products.feature_store import FeatureStore, Selection, geojson_features
from ai4c.services.osm_page import mount as mount_page_assets
from ai4c.services.osm_page import render as render_page

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    *(f"http://www.opengis.net/spec/cql2/1.0/conf/{c}" for c in (
        "basic-cql2", "cql2-text", "cql2-json", "advanced-comparison-operators", "case-insensitive-comparison",
        "accent-insensitive-comparison", "basic-spatial-functions", "basic-spatial-functions-plus",
        "spatial-functions", "temporal-functions", "property-property", "arithmetic")),
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
QUERY_THREADS = 4
RESERVED = {"bbox", "limit", "offset", "datetime", "filter", "filter-lang", "filter-crs", "f"}


class Link(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]  # noqa: N815 (OGC's name)


class Extent(BaseModel):
    spatial: dict[str, Any]
    temporal: dict[str, Any]


class Collection(BaseModel):
    id: str
    title: str
    description: str
    links: list[Link]
    extent: Extent
    itemType: str = "feature"  # noqa: N815
    crs: list[str] = [CRS84]
    numberOfFeatures: int  # noqa: N815
    attributes: dict[str, str]


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


class Feature(BaseModel):
    type: str = Field(pattern="^Feature$")
    id: str
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: str = Field(pattern="^FeatureCollection$")
    features: list[Feature]
    links: list[Link]
    numberMatched: int  # noqa: N815
    numberReturned: int  # noqa: N815
    timeStamp: str  # noqa: N815


class Problem(BaseModel):
    code: str
    description: str


class AreaBody(BaseModel):
    """A GeoJSON geometry, Feature or FeatureCollection of (multi)polygons: the AoI of a POST search."""

    type: str
    coordinates: Any = None
    geometry: dict[str, Any] | None = None
    features: list[dict[str, Any]] | None = None


ERRORS = {400: {"model": Problem, "description": "bad request"}, 404: {"model": Problem, "description": "not found"}}
ITEMS = {200: {"model": FeatureCollection, "content": {GEOJSON: {}}, "description": "the selected features"}, **ERRORS}


def create_app(store: FeatureStore) -> FastAPI:
    """The FastAPI application serving `store`."""
    app = FastAPI(title="ai4c OSM features", version="1.0",
                  description="Human features from OpenStreetMap by class and area of interest (OGC API Features)",
                  openapi_url="/api", docs_url="/api.html", redoc_url=None, lifespan=_few_threads)
    _error_handlers(app)
    _page_routes(app, store)
    mount_page_assets(app)
    _published_openapi(app)

    @app.get("/conformance", response_model=Conformance, responses=ERRORS)
    def conformance() -> Conformance:
        return Conformance(conformsTo=CONFORMANCE)

    @app.get("/collections", response_model=Collections, responses=ERRORS, response_model_exclude_none=True)
    def collections(request: Request) -> Collections:
        base = _base(request)
        return Collections(links=[Link(href=f"{base}/collections", rel="self", type="application/json")],
                           collections=[_collection(store, k, base) for k in store.classes])

    @app.get("/collections/{collection_id}", response_model=Collection, responses=ERRORS,
             response_model_exclude_none=True)
    def collection(collection_id: str, request: Request) -> Collection:
        return _collection(store, _known(store, collection_id), _base(request))

    @app.get("/collections/{collection_id}/queryables", responses=ERRORS)
    def queryables(collection_id: str, request: Request) -> JSONResponse:
        klass = _known(store, collection_id)
        props = {n: {"type": t} for n, t in store.properties(klass).items()}
        props["geometry"] = {"$ref": "https://geojson.org/schema/Geometry.json"}
        return JSONResponse({"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object",
                             "$id": f"{_base(request)}/collections/{klass}/queryables", "properties": props},
                            media_type="application/schema+json")

    @app.get("/collections/{collection_id}/items", response_class=Response, responses=ITEMS)
    def items(collection_id: str, request: Request, bbox: str | None = None,
              limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0),
              datetime: str | None = None, filter: str | None = None,  # noqa: A002 (OGC's name)
              filter_lang: str | None = Query(None, alias="filter-lang"),
              filter_crs: str | None = Query(None, alias="filter-crs")) -> Response:
        if filter_crs not in (None, CRS84):
            raise InvalidParameterError(f"filter-crs={filter_crs!r} not supported; give {CRS84} (lon/lat)")
        return _items(store, request, collection_id, None, bbox, limit, offset, datetime, filter, filter_lang)

    @app.post("/collections/{collection_id}/items", response_class=Response, responses=ITEMS)
    def items_in_area(collection_id: str, body: AreaBody, request: Request, bbox: str | None = None,
                      limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0),
                      datetime: str | None = None) -> Response:
        return _items(store, request, collection_id, _area(body), bbox, limit, offset, datetime, None, None)

    @app.get("/collections/{collection_id}/items/{feature_id}", response_class=Response,
             responses={200: {"model": Feature, "content": {GEOJSON: {}}, "description": "one feature"}, **ERRORS})
    def item(collection_id: str, feature_id: str) -> Response:
        klass = _known(store, collection_id)
        found = geojson_features(store.feature(klass, feature_id))
        if not found:
            raise HTTPException(404, f"no feature {feature_id!r} in collection {klass}")
        return Response(found[0], media_type=GEOJSON)

    return app


def _page_routes(app: FastAPI, store: FeatureStore) -> None:
    """`/`: the OGC landing page as JSON, or the web page for browsers (Accept: text/html or ?f=html)."""

    @app.get("/", response_model=LandingPage, responses={200: {"content": {"text/html": {}}}, **ERRORS},
             response_model_exclude_none=True)
    def landing(request: Request, f: str | None = None):
        if f == "html" or (f is None and "text/html" in request.headers.get("accept", "")):
            return HTMLResponse(render_page(store))
        base = _base(request)
        links = [Link(href=f"{base}/", rel="self", type="application/json", title="this document"),
                 Link(href=f"{base}/api", rel="service-desc", type="application/vnd.oai.openapi+json;version=3.0",
                      title="the API definition"),
                 Link(href=f"{base}/api.html", rel="service-doc", type="text/html", title="the API documentation"),
                 Link(href=f"{base}/conformance", rel="conformance", type="application/json"),
                 Link(href=f"{base}/collections", rel="data", type="application/json")]
        return LandingPage(title="ai4c OSM features",
                           description=f"{len(store.classes)} classes of the {store.description['model']} model",
                           links=links)


@asynccontextmanager
async def _few_threads(app: FastAPI):
    """Queries hold the GIL most of the time: a few threads per process answer in order (short tails)
    where FastAPI's default 40 would interleave them all."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = QUERY_THREADS
    yield


def _published_openapi(app: FastAPI) -> None:
    """The OpenAPI document as served: GeoJSON bodies under application/geo+json, errors as 400 problems
    (FastAPI's default 422 never happens: validation errors are mapped to 400)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = generate()
            for operation in (op for item in document["paths"].values() for op in item.values()):
                operation["responses"].pop("422", None)
                for response in operation["responses"].values():
                    content = response.get("content", {})
                    if GEOJSON in content and "application/json" in content:
                        content[GEOJSON] = content.pop("application/json")
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi


def _error_handlers(app: FastAPI) -> None:
    """Every error is a JSON problem {code, description}: 400 for bad input, 404 for unknown ids."""

    @app.exception_handler(Ai4cError)
    def bad_input(request: Request, exc: Ai4cError) -> JSONResponse:
        status = 400 if exc.exit_code == 2 else 500
        return JSONResponse({"code": "InvalidParameterValue" if status == 400 else "ServerError",
                             "description": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"code": "InvalidParameterValue", "description": "; ".join(parts)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "NotFound" if exc.status_code == 404 else "InvalidParameterValue"
        return JSONResponse({"code": code, "description": str(exc.detail)}, status_code=exc.status_code)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _known(store: FeatureStore, collection_id: str) -> str:
    if collection_id not in store.classes:
        raise HTTPException(404, f"no collection {collection_id!r}; the store has: {', '.join(store.classes)}")
    return collection_id


def _collection(store: FeatureStore, klass: str, base: str) -> Collection:
    info = store.classes[klass]
    url = f"{base}/collections/{klass}"
    links = [Link(href=url, rel="self", type="application/json"),
             Link(href=f"{url}/items", rel="items", type=GEOJSON, title=f"{klass} features"),
             Link(href=f"{url}/queryables", rel="http://www.opengis.net/def/rel/ogc/1.0/queryables",
                  type="application/schema+json")]
    return Collection(id=klass, title=klass.replace("_", " "), description=info["description"], links=links,
                      extent=Extent(spatial={"bbox": [info["bbox"] or [-180, -90, 180, 90]], "crs": CRS84},
                                    temporal={"interval": [info["interval"]],
                                              "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}),
                      numberOfFeatures=info["count"], attributes=store.properties(klass))


def _items(store: FeatureStore, request: Request, collection_id: str, area, bbox: str | None, limit: int,
           offset: int, interval: str | None, cql: str | None, lang: str | None) -> Response:
    """Select, page and serialise; the links carry the same query with the next/previous offset."""
    klass = _known(store, collection_id)
    selection = Selection(bbox=_bbox(bbox), geometry=area, interval=_interval(interval))
    if cql is not None:
        selection.filter = compile_filter(parse_filter(cql, lang), store.column_types(klass))
    selection.properties.update({k: v for k, v in request.query_params.items() if k not in RESERVED})
    page, matched = store.page(klass, selection, offset, limit)
    features = geojson_features(page)
    links = [Link(href=str(request.url), rel="self", type=GEOJSON)]
    if offset + limit < matched:
        links.append(Link(href=str(request.url.include_query_params(offset=offset + limit, limit=limit)),
                          rel="next", type=GEOJSON))
    if offset > 0:
        links.append(Link(href=str(request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)),
                          rel="prev", type=GEOJSON))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = (f'{{"type":"FeatureCollection","numberMatched":{matched},"numberReturned":{len(features)},'
            f'"timeStamp":"{stamp}","links":{json.dumps([x.model_dump(exclude_none=True) for x in links])},'
            f'"features":[{",".join(features)}]}}')
    return Response(body, media_type=GEOJSON)


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """bbox=minlon,minlat,maxlon,maxlat (a 6-value 3D bbox keeps its horizontal part)."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or values[1] > values[3] or not all(abs(v) <= 180 for v in values):
        raise InvalidParameterError(f"bbox={text!r} is not minlon,minlat,maxlon,maxlat in degrees")
    return tuple(values)  # type: ignore[return-value]


def _interval(text: str | None) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """datetime=INSTANT or START/END (open ends `..` or empty), RFC 3339."""
    if text is None:
        return None
    parts = text.split("/")
    if len(parts) > 2:
        raise InvalidParameterError(f"datetime={text!r}: give an instant or START/END")
    try:
        ends = [None if p in ("", "..") else _instant(p) for p in parts]
    except ValueError:
        raise InvalidParameterError(f"datetime={text!r} is not RFC 3339 (e.g. 2013-01-01T00:00:00Z/..)") from None
    if len(ends) == 1:
        if ends[0] is None:
            raise InvalidParameterError("datetime needs a value")
        return ends[0], ends[0] + dt.timedelta(days=1) if len(parts[0]) == 10 else ends[0]
    return ends[0], ends[1]


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _area(body: AreaBody):
    """The (multi)polygon of a POSTed GeoJSON geometry, Feature or FeatureCollection."""
    import shapely
    from shapely.geometry import shape

    data = body.model_dump(exclude_none=True)
    geometries = ([f.get("geometry") for f in data.get("features", [])] if data["type"] == "FeatureCollection"
                  else [data.get("geometry")] if data["type"] == "Feature" else [data])
    try:
        geom = shapely.union_all([shape(g) for g in geometries if g])
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as err:
        raise InvalidParameterError(f"the request body is not a GeoJSON polygon ({err})") from None
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidParameterError("POST a GeoJSON Polygon or MultiPolygon (geometry, Feature or FeatureCollection)")
    return geom if geom.is_valid else shapely.make_valid(geom)


def app_from_environment() -> FastAPI:
    """The app of a uvicorn worker process: the store and cache size come from the parent's environment."""
    return create_app(FeatureStore(os.environ["AI4C_OSM_STORE"], int(os.environ["AI4C_OSM_CACHE_MB"]) * 2**20))


def serve(store_path, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT, workers: int = DEFAULT_WORKERS,
          cache_mb: int = DEFAULT_CACHE_MB) -> None:
    """Run the service until interrupted: `workers` processes, each caching up to `cache_mb` of decoded data."""
    import uvicorn

    if workers < 1 or cache_mb < 0:
        raise InvalidParameterError(f"--workers {workers} / --cache-mb {cache_mb}: give workers >= 1, cache >= 0")
    if workers == 1:
        app = create_app(FeatureStore(store_path, cache_mb * 2**20))
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    os.environ["AI4C_OSM_STORE"] = str(Path(store_path).resolve())
    os.environ["AI4C_OSM_CACHE_MB"] = str(cache_mb)
    uvicorn.run("ai4c.services.osm_features:app_from_environment", factory=True, workers=workers, host=host,
                port=port, log_level="warning")
