"""`ai4c earthqa serve`: the EarthQA page (question box, editable interpretation, results table, footprints
on the shared map with download links) and its JSON API; bad input is HTTP 400 with {"detail": message}."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated

from fastapi import Body

from ai4c.core.errors import BadInputError, InvalidParameterError

BODY = """<div class="ai4c-panel ai4c-side eqa-side">
<form id="eqa-form" class="ai4c-row">
  <input type="text" id="eqa-question" name="q" style="flex:1 1 100%" autocomplete="off"
         placeholder="e.g. Sentinel-1 images of Etna in March 2018">
  <label>reference date <input type="text" id="eqa-today" size="10" placeholder="today"></label>
  <button type="submit" id="eqa-ask">Ask</button>
</form>
<div id="eqa-notes"></div>
<h2>Interpretation</h2>
<form id="eqa-interp" class="eqa-interp"></form>
<button type="button" id="eqa-run" class="ai4c-secondary" disabled>Run the edited interpretation</button>
<h2>Answer <span id="eqa-count" class="ai4c-muted"></span></h2>
<div class="eqa-results"><table class="ai4c-table" id="eqa-table"><thead><tr><th>product</th><th>start</th>
<th>type</th><th>cloud %</th><th></th></tr></thead><tbody></tbody></table></div>
<details><summary>GeoSPARQL query</summary><pre class="ai4c-code" id="eqa-sparql"></pre></details>
</div>
<div id="map" class="ai4c-map"></div>"""

STYLE = """.eqa-side { overflow-y: auto; } .eqa-interp { display: grid; grid-template-columns: 8em 1fr; gap: 3px 6px; }
.eqa-interp input, .eqa-interp select { width: 100%; box-sizing: border-box; }
.eqa-note-missing { color: #a40000; } .eqa-results { max-height: 40vh; overflow-y: auto; }
#eqa-sparql { white-space: pre-wrap; font-size: 11px; }"""


def _features(answer: dict) -> dict:
    """The answered products' footprints (properties for the popups) and the search area, as GeoJSON."""
    from shapely import wkt
    from shapely.geometry import mapping

    features = []
    for product in answer.get("products", []):
        if product.get("wkt"):
            props = {k: v for k, v in product.items() if k != "wkt"}
            features.append({"type": "Feature", "properties": props,
                             "geometry": mapping(wkt.loads(product["wkt"]))})
    if answer.get("area"):
        features.append({"type": "Feature", "properties": {"role": "search area"},
                         "geometry": mapping(wkt.loads(answer["area"]))})
    return {"type": "FeatureCollection", "features": features}


def create_app(answerer):
    """The FastAPI app answering over one open `pipelines.earthqa.Answerer`."""
    from fastapi import FastAPI, Query
    from fastapi.responses import HTMLResponse, JSONResponse

    from ai4c.linked.qa.interpretation import Interpretation
    from ai4c.web import asset_url, mount_static, render_page

    app = FastAPI(title="ai4c EarthQA")
    mount_static(app)
    lock = threading.Lock()  # one pyoxigraph store shared by the request threads

    @app.exception_handler(BadInputError)
    def bad_input(_request, exc: BadInputError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    def _with_map(answer: dict) -> dict:
        answer["footprints"] = _features(answer)
        return answer

    @app.get("/", response_class=HTMLResponse)
    def page():
        return render_page("EarthQA: ask for EO products", BODY + f"<style>{STYLE}</style>",
                           scripts=[asset_url("earthqa/earthqa.js")])

    @app.get("/api/ask")
    def ask(q: str = Query("", description="the question"),
            today: str | None = Query(None, description="reference date YYYY-MM-DD (default: today)")):
        reference = None
        if today:
            try:
                reference = dt.date.fromisoformat(today)
            except ValueError:
                raise InvalidParameterError(f"today={today!r} is not a date; use YYYY-MM-DD") from None
        with lock:
            return _with_map(answerer.ask(q, reference))

    @app.post("/api/run")
    def run(interpretation: Annotated[dict, Body(embed=True)]):
        if not isinstance(interpretation, dict):
            raise InvalidParameterError("interpretation must be a JSON object")
        interp = Interpretation.from_json(interpretation)
        with lock:
            return _with_map(answerer.run(interp))

    @app.get("/health")
    def health():
        return {"status": "ok"}

    return app
