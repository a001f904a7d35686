"""The web page at `/` of the features service, on the project's shared front-end (ai4c.web): tick classes,
draw or paste an area, see the features on the map, download them as GeoJSON."""

from __future__ import annotations

import html
import json

from ai4c.web import STATIC_URL as SHARED_URL
from ai4c.web import render_page

STATIC_URL = f"{SHARED_URL}/osm"  # the page's own script and style, served with the shared assets
GOLDEN_ANGLE = 137.508  # successive hues as far apart as possible: distinct colours for any number of classes


def _colour(index: int) -> str:
    """The page colour of the index-th class."""
    return f"hsl({index * GOLDEN_ANGLE % 360:.0f}, 70%, {42 + 12 * (index % 3)}%)"


def mount(app) -> None:
    """Serve the shared assets (the page's own script and style are among them, under osm/)."""
    from ai4c.web import mount_static

    mount_static(app)


def render(store) -> str:
    """The page: the class list (with counts and colours) is written in; the script does the rest."""
    classes = [{"id": k, "count": v["count"], "description": v["description"],
                "color": _colour(i)} for i, (k, v) in enumerate(store.classes.items())]
    rows = "\n".join(
        f'<label class="osm-class"><input type="checkbox" name="class" value="{html.escape(c["id"])}"'
        f'{" disabled" if not c["count"] else ""}> <span class="ai4c-legend-swatch" style="background:{c["color"]}">'
        f'</span>{html.escape(c["id"])} <span class="ai4c-muted">({c["count"]})</span></label>' for c in classes)
    body = f"""<section class="ai4c-panel ai4c-side" id="osm-panel">
<h2>Classes</h2>
<div id="osm-classes" class="osm-classes">{rows}</div>
<h2>Area of interest</h2>
<div class="ai4c-row"><button type="button" id="osm-draw-rect" class="ai4c-secondary">Draw rectangle</button>
<button type="button" id="osm-draw-poly" class="ai4c-secondary">Draw polygon</button>
<button type="button" id="osm-clear" class="ai4c-secondary">Clear</button></div>
<textarea id="osm-aoi" rows="3" placeholder="or paste a WKT POLYGON or a GeoJSON geometry (lon/lat)"></textarea>
<div class="ai4c-row"><button type="button" id="osm-show">Show features</button>
<button type="button" id="osm-download" disabled>Download GeoJSON</button></div>
<div id="osm-status" class="ai4c-muted">Tick classes, optionally give an area, then show.</div>
<p class="ai4c-muted">OGC API Features: <a href="api.html">API</a> · <a href="collections">collections</a></p>
</section>
<div id="map" class="ai4c-map"></div>
<script>window.OSM_CLASSES = {json.dumps(classes)};</script>"""
    return render_page("OSM features", body, scripts=[f"{STATIC_URL}/osm-page.js"], styles=[f"{STATIC_URL}/osm-page.css"])
