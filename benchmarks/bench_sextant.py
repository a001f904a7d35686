"""Sextant: time from query to first paint of a large query layer in headless Chromium.

A GeoSPARQL store holds Geographica-like data (bench_geosparql.generate: n_side^2 landOwnership squares
and n points of interest); `ai4c store serve`'s app (Sextant at /map/) runs one query returning every
point and square with its geometry; the page's own clock measures request (query + payload + parse)
and rendering up to the second animation frame after drawing. Peer, in the same run: the plain Leaflet
way (the full result as GeoJSON, L.geoJSON with Leaflet's canvas renderer): the same query and
conversion to GeoJSON timed on the server, plus fetching that GeoJSON and its first paint in the page.

AI4C_BENCH_SEXTANT_SCALE: 1.0 = 100 000 points + 10 000 polygons.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

QUERY = """PREFIX lo: <http://geographica.di.uoa.gr/generator/landOwnership/>
PREFIX poi: <http://geographica.di.uoa.gr/generator/pointOfInterest/>
SELECT ?f ?geom WHERE {
  { ?f poi:hasGeometry ?g . ?g poi:asWKT ?geom } UNION { ?f lo:hasGeometry ?g . ?g lo:asWKT ?geom }
}"""
PEER_PAGE = """<div id="map" class="ai4c-map"></div><script>
window.peer = (async () => {
  const map = AI4C.createMap('map', {center: [45, 45], zoom: 3});
  await map.ai4cReady;
  const start = performance.now();
  const data = await AI4C.fetchJSON('/peer.geojson');
  const received = performance.now();
  const layer = AI4C.addGeoJSON(map, data, {style: {radius: 3}});
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const painted = performance.now();
  return {request_ms: received - start, render_ms: painted - received, total_ms: painted - start,
          features: layer.getLayers().length};
})();
</script>"""


def _scale() -> float:
    return float(os.environ.get("AI4C_BENCH_SEXTANT_SCALE", "1.0"))


def _generator():
    spec = importlib.util.spec_from_file_location("bench_geosparql", HERE / "bench_geosparql.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def _store(workdir: Path, n_points: int, n_side: int):
    from ai4c.linked.store import GeoStore

    path = workdir / f"store-{n_points}-{n_side}"
    marker = path / "loaded.ok"
    store = GeoStore(path)
    if not marker.exists():
        data = workdir / f"data-{n_points}-{n_side}.nt"
        _generator()(data, n_points, n_side)
        store.load(data)
        marker.write_text("ok")
    return store


def _peer_app(geojson: bytes):
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, Response

    from ai4c.web import mount_static, render_page

    app = FastAPI()
    mount_static(app)

    @app.get("/", response_class=HTMLResponse)
    def page():
        return render_page("peer", PEER_PAGE)

    @app.get("/peer.geojson")
    def data():
        return Response(geojson, media_type="application/json")

    return app


def _ours(driver, url: str) -> dict:
    driver.get(url)
    driver.execute_async_script("SEXTANT.ready.then(arguments[0])")
    driver.execute_script("SEXTANT.editor.set(arguments[0])", QUERY)
    timing = driver.execute_async_script("SEXTANT.runQuery().then(() => arguments[0](SEXTANT.state.lastTiming))")
    size = driver.execute_script("const e = performance.getEntriesByType('resource').filter("
                                 "r => r.name.endsWith('/api/query')).pop(); return e ? e.encodedBodySize : null")
    redraws = []
    for _ in range(3):
        driver.execute_script("SEXTANT.map.panBy([200, 120], {animate: false})")
        time.sleep(0.2)
        redraws.append(driver.execute_script("return SEXTANT.layers[0].leaflet.lastDrawMs || null"))
    return {**timing, "payload_mb": (size or 0) / 2 ** 20, "redraw_ms": max(r for r in redraws if r is not None)}


def _server_stages(store) -> dict:
    """Seconds of each server step of one query layer, measured in this process."""
    from ai4c.services.sextant import query_layer

    stages, start = {}, time.perf_counter()
    body = store.query_serialized(QUERY, "json")[0]
    stages["query_s"], start = time.perf_counter() - start, time.perf_counter()
    results = json.loads(body)
    stages["parse_json_s"], start = time.perf_counter() - start, time.perf_counter()
    layer = query_layer(results)
    stages["features_and_payload_s"], start = time.perf_counter() - start, time.perf_counter()
    json.dumps(layer, separators=(",", ":"))
    stages["serialise_s"] = time.perf_counter() - start
    return stages


def _peer(driver, store, workdir: Path) -> dict:
    from ai4c.linked.viewer.features import from_sparql_json
    from ai4c.linked.viewer.payload import to_geojson
    from ai4c.web.serve import background_server

    start = time.perf_counter()
    results = json.loads(store.query_serialized(QUERY, "json")[0])
    table, _ = from_sparql_json(results)
    geojson = json.dumps(to_geojson(table), separators=(",", ":")).encode()
    server_ms = (time.perf_counter() - start) * 1000  # query + conversion to GeoJSON, the same server work
    with background_server(_peer_app(geojson)) as url:
        driver.get(url + "/")
        result = driver.execute_async_script("window.peer.then(arguments[0], (e) => arguments[0]({error: e.message}))")
    if "total_ms" in result:
        result["total_ms"] += server_ms
    return {**result, "server_ms": server_ms, "payload_mb": len(geojson) / 2 ** 20}


def run(workdir: Path) -> list[dict]:
    """Query-to-first-paint of Sextant and of plain Leaflet GeoJSON on the same result."""
    from ai4c.services.sparql import create_app
    from ai4c.web.headless import chromium
    from ai4c.web.serve import background_server

    scale = _scale()
    n_points, n_side = int(100_000 * scale), max(1, round(100 * scale ** 0.5))
    start = time.perf_counter()
    store = _store(workdir, n_points, n_side)
    print(f"[bench_sextant] store with {n_points} points + {n_side ** 2} polygons ready in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    rows = []
    with background_server(create_app(store, timeout=600)) as url, chromium(1280, 800) as driver:
        ours = _ours(driver, url + "/map/")
        print(f"[bench_sextant] sextant: {ours}", file=sys.stderr)
        peer = _peer(driver, store, workdir)
        print(f"[bench_sextant] leaflet geojson: {peer}", file=sys.stderr)
    stages = _server_stages(store)
    print(f"[bench_sextant] server stages: {stages}", file=sys.stderr)
    features = n_points + n_side ** 2
    common = {"benchmark": "sextant", "features": features, "scale": scale}
    peer_total = peer.get("total_ms")
    rows.append({**common, "metric": "query to first paint", "value": ours["total_ms"] / 1000, "unit": "s",
                 "peer": "Leaflet L.geoJSON",
                 "peer_value": peer_total / 1000 if peer_total else peer.get("error"),
                 "ratio": (peer_total / ours["total_ms"]) if peer_total else None,
                 "request_s": ours["request_ms"] / 1000, "render_s": ours["render_ms"] / 1000,
                 "peer_render_s": (peer.get("render_ms") or 0) / 1000, **stages})
    rows.append({**common, "metric": "payload", "value": ours["payload_mb"], "unit": "MB",
                 "peer": "GeoJSON", "peer_value": peer["payload_mb"], "ratio": peer["payload_mb"] / ours["payload_mb"]})
    rows.append({**common, "metric": "redraw after pan", "value": ours["redraw_ms"], "unit": "ms"})
    return rows


if __name__ == "__main__":
    target = HERE / "work" / "bench_sextant"
    target.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(target), indent=1))
