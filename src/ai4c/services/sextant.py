"""Sextant: a web map for linked geospatial data over time (FastAPI). The page (shared ai4c
front-end + sextant.js) adds layers from SPARQL/GeoSPARQL queries (proxied here), vector files,
GeoTIFF/COG tiles rendered here, and WMS/XYZ URLs; maps are saved as JSON documents.

`ai4c sextant serve` runs it alone; `ai4c store serve` mounts it at /map over its own store."""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ai4c.core.errors import Ai4cError, InvalidParameterError
from ai4c.linked.viewer.payload import GEOJSON_LIMIT
from ai4c.services.sextant_sources import RASTER_SUFFIXES, Sources, http_status
from ai4c.web import asset_url, mount_static, render_page

_EMPTY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da636000000000050001a5f645400000000049454e44ae426082")
_PAGE_SCRIPTS = ("sextant/sparql-editor.js", "sextant/canvas-layer.js", "sextant/timeline.js",
                 "sextant/layers.js", "sextant/sextant.js")
_BODY = (Path(__file__).resolve().parent.parent / "web" / "static" / "sextant" / "body.html")


def _json(payload, status: int = 200) -> Response:
    """JSON without spaces (large layers are sent as compact as json can make them)."""
    return Response(json.dumps(payload, separators=(",", ":"), allow_nan=False), status_code=status,
                    media_type="application/json")


async def _body_json(request: Request) -> dict:
    try:
        data = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as err:
        raise InvalidParameterError(f"the request body is not JSON ({err.msg})") from err
    if not isinstance(data, dict):
        raise InvalidParameterError("the request body must be a JSON object")
    return data


@functools.lru_cache(maxsize=64)
def _raster_summary(path: str, mtime: float, band: int):
    from ai4c.core.tiles import summarise

    return summarise(path, band)


def _summary_of(sources: Sources, name: str, band: int):
    """The raster (a file of the data folders, or an allowed COG URL) and its summary."""
    from ai4c.core.tiles import is_url

    if is_url(name):
        return name, _raster_summary(sources.check_url(name), 0.0, band)
    path = sources.resolve_file(name)
    if path.suffix.lower() not in RASTER_SUFFIXES:
        raise InvalidParameterError(f"{name}: not a GeoTIFF ({', '.join(RASTER_SUFFIXES)})")
    return path, _raster_summary(str(path), path.stat().st_mtime, band)


def query_layer(results: dict, geojson_limit: int = GEOJSON_LIMIT) -> dict:
    """The page's answer to a query: the result table, the layer payload and what was detected."""
    from ai4c.linked.viewer.features import from_sparql_json
    from ai4c.linked.viewer.payload import layer_payload, result_table

    table, info = from_sparql_json(results)
    return {"table": result_table(results), "info": info,
            "layer": layer_payload(table, geojson_limit=geojson_limit) if table is not None else None}


def file_layer(path: Path, crs: str | None, geojson_limit: int = GEOJSON_LIMIT) -> dict:
    """The layer payload of a vector file."""
    from ai4c.linked.viewer.features import from_rows
    from ai4c.linked.viewer.payload import layer_payload
    from ai4c.products.vector_files import read_vector_file

    vectors = read_vector_file(path, crs)
    table = from_rows(vectors.geometries, vectors.properties, vectors.skipped)
    return {"layer": layer_payload(table, geojson_limit=geojson_limit)}


def create_app(sources: Sources | None = None, initial_map: dict | None = None, *,
               geojson_limit: int = GEOJSON_LIMIT) -> FastAPI:
    """The Sextant application; `initial_map` is the document the page opens with; layers of more
    than `geojson_limit` features are sent compact (drawn on one canvas) instead of as GeoJSON."""
    sources = sources or Sources()
    app = FastAPI(title="ai4c Sextant")
    mount_static(app)

    @app.exception_handler(Ai4cError)
    async def problem(request: Request, exc: Ai4cError):
        return JSONResponse({"detail": str(exc)}, status_code=http_status(exc))

    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request):
        root = request.scope.get("root_path", "").rstrip("/")  # "/map" when mounted by `ai4c store serve`
        static_url = f"{root}/static/ai4c"
        body = _BODY.read_text(encoding="utf-8").replace("{{BASE}}", html.escape(root + "/"))
        return render_page("Sextant", body, scripts=[asset_url(s, static_url) for s in _PAGE_SCRIPTS],
                           styles=[asset_url("sextant/sextant.css", static_url)], static_url=static_url)

    @app.get("/api/config")
    async def config():
        return {"endpoints": sources.endpoint_choices(), "any_endpoint": sources.any_endpoint,
                "map": initial_map, "files": await run_in_threadpool(sources.list_files)}

    @app.post("/api/query")
    async def query(request: Request):
        body = await _body_json(request)
        results = await sources.sparql(str(body.get("endpoint") or ""), str(body.get("query") or ""))
        return _json(await run_in_threadpool(query_layer, results, geojson_limit))

    @app.post("/api/upload")
    async def upload(request: Request, name: str):
        return {"file": await run_in_threadpool(sources.save_upload, name, await request.body())}

    @app.get("/api/file-layer")
    async def vector_file(file: str, crs: str | None = None):
        path = sources.resolve_file(file)
        return _json(await run_in_threadpool(file_layer, path, crs or None, geojson_limit))

    @app.get("/api/raster")
    async def raster(file: str, band: int = 1, cmap: str = "viridis"):
        _, summary = await run_in_threadpool(_summary_of, sources, file, band)
        return {"bounds": summary.bounds, "legend": summary.legend(cmap), "vmin": summary.vmin,
                "vmax": summary.vmax, "classes": list(summary.classes), "bands": summary.bands,
                "crs": summary.crs, "size": [summary.width, summary.height]}

    @app.get("/api/tiles/{z}/{x}/{y}.png")
    async def tile(z: int, x: int, y: int, file: str, band: int = 1, cmap: str = "viridis"):
        from ai4c.core.tiles import render_tile

        path, summary = await run_in_threadpool(_summary_of, sources, file, band)
        png = await run_in_threadpool(render_tile, path, z, x, y, summary, cmap)
        return Response(png or _EMPTY_PNG, media_type="image/png",
                        headers={"Cache-Control": "max-age=3600"})

    @app.post("/api/maps")
    async def save_map(request: Request):
        map_id = await run_in_threadpool(sources.save_map, await _body_json(request))
        return {"id": map_id}

    @app.get("/api/maps/{map_id}")
    async def load_map(map_id: str):
        return await run_in_threadpool(sources.load_map, map_id)

    @app.post("/api/check-map")
    async def check(request: Request):
        from ai4c.linked.viewer.mapdoc import check_map

        return check_map(await _body_json(request))

    return app


def mount_sextant(app: FastAPI, local_query, *, timeout: float = 60.0) -> None:
    """Mount Sextant at /map on another app (the store's endpoint), querying that store in-process."""
    app.mount("/map", create_app(Sources(local_query=local_query, timeout=timeout)), name="sextant")


def serve(sources: Sources, initial_map: dict | None = None, *, host: str = "127.0.0.1", port: int = 8090) -> None:
    """Serve Sextant until interrupted."""
    import uvicorn

    uvicorn.run(create_app(sources, initial_map), host=host, port=port, log_level="warning")
