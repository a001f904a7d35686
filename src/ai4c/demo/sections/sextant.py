"""Demo: a Sextant map document over a GeoSPARQL store: S2 land-cover features (UTM 34N literals,
reprojected for display) and change patches detected over time (xsd:date), with the map's time
filter checked against the truth and a headless-Chromium screenshot of the map."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import numpy as np

from ai4c.demo.report import Section
from ai4c.demo.sections.linked import CLASSES, EPSG, ORIGIN, PIXEL, simulate_scene, vectorise

ORDER = 62
TITLE = "Sextant: a map of linked geodata over time (land cover + changes)"
BASE = "http://ai4c.example.org/demo/sextant/"
CRS = f"<http://www.opengis.net/def/crs/EPSG/0/{EPSG}>"
DATES = ["2021-03-15", "2021-06-15", "2021-09-15"]
# change patches (row0, col0, rows, cols in pixels, date index, what changed)
CHANGES = [(52, 12, 6, 8, 0, "forest -> cropland"), (62, 30, 5, 6, 0, "forest -> cropland"),
           (20, 64, 6, 6, 1, "urban expansion"), (70, 62, 5, 5, 1, "forest -> cropland"),
           (8, 40, 4, 10, 2, "cropland -> urban"), (84, 20, 5, 9, 2, "forest clearing"),
           (40, 80, 6, 6, 2, "cropland -> urban")]
COLOURS = {"water": "#3b7dd8", "forest": "#2e7d32", "urban": "#9e9e9e", "cropland": "#e6d36a"}
PREFIXES = f"""PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX ex: <{BASE}>
"""
LANDCOVER_QUERY = PREFIXES + """SELECT ?f ?geom ?label ?tooltip WHERE {
  ?f a ex:LandCover ; rdfs:label ?label ; ex:pixels ?tooltip ; geo:hasGeometry ?g . ?g geo:asWKT ?geom
}"""
CHANGE_QUERY = PREFIXES + """SELECT ?f ?geom ?label ?when WHERE {
  ?f a ex:Change ; rdfs:label ?label ; ex:detected ?when ; geo:hasGeometry ?g . ?g geo:asWKT ?geom
}"""


def _polygon_wkt(r0: int, c0: int, rows: int, cols: int) -> str:
    x0, y0 = ORIGIN[0] + c0 * PIXEL, ORIGIN[1] - r0 * PIXEL
    x1, y1 = x0 + cols * PIXEL, y0 - rows * PIXEL
    return f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"


def write_rdf(features: list[dict], path: Path) -> None:
    """Land-cover polygons and dated change patches as GeoSPARQL features, geometries in UTM 34N."""
    import shapely.geometry

    geo, xsd, rdfs = ("http://www.opengis.net/ont/geosparql#", "http://www.w3.org/2001/XMLSchema#",
                      "http://www.w3.org/2000/01/rdf-schema#")
    lines = []

    def feature(name: str, kind: str, label: str, wkt: str, extra: list[str]) -> None:
        s = f"<{BASE}{name}>"
        lines.extend([f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{BASE}{kind}> .", f'{s} <{rdfs}label> "{label}" .',
                      f"{s} <{geo}hasGeometry> <{BASE}{name}/geom> .",
                      f'<{BASE}{name}/geom> <{geo}asWKT> "{CRS} {wkt}"^^<{geo}wktLiteral> .', *extra])

    for k, f in enumerate(features):
        geom = shapely.geometry.shape(f["geometry"])
        pixels = round(geom.area / PIXEL ** 2)
        feature(f"lc{k}", "LandCover", f["properties"]["landcover"], geom.wkt,
                [f'<{BASE}lc{k}> <{BASE}pixels> "{pixels} pixels of 20 m" .'])
    for k, (r0, c0, rows, cols, when, what) in enumerate(CHANGES):
        feature(f"change{k}", "Change", what, _polygon_wkt(r0, c0, rows, cols),
                [f'<{BASE}change{k}> <{BASE}detected> "{DATES[when]}"^^<{xsd}date> .'])
    path.write_text("\n".join(lines) + "\n")


def map_document() -> dict:
    """The Sextant map: land cover coloured by class, changes on the timeline, view on the scene."""
    from pyproj import Transformer

    from ai4c.linked.viewer.mapdoc import check_map

    lon, lat = Transformer.from_crs(f"EPSG:{EPSG}", "OGC:CRS84", always_xy=True).transform(
        ORIGIN[0] + 48 * PIXEL, ORIGIN[1] - 48 * PIXEL)
    return check_map({
        "title": "Land cover and changes 2021", "view": {"center": [lat, lon], "zoom": 14.5},
        "time": {"mode": "until", "value": _ms(DATES[1])},
        "layers": [
            {"id": "landcover", "name": "land cover", "type": "sparql", "endpoint": "local", "query": LANDCOVER_QUERY,
             "opacity": 0.8, "style": {"kind": "categories", "by": "label", "colors": COLOURS}},
            {"id": "changes", "name": "changes", "type": "sparql", "endpoint": "local", "query": CHANGE_QUERY,
             "style": {"color": "#d62728"}},
        ]})


def _ms(day: str) -> float:
    return float(np.datetime64(day, "ms").astype("int64"))


def check_layers(store, section: Section, features: list[dict]) -> None:
    """The layers the page gets (the server code), checked against the scene's truth."""
    import shapely
    from pyproj import Transformer

    from ai4c.linked.viewer.features import from_sparql_json
    from ai4c.services.sextant import query_layer

    landcover = query_layer(json.loads(store.query_serialized(LANDCOVER_QUERY, "json")[0]))
    section.check("land-cover features on the map", landcover["layer"]["count"], f"= {len(features)}",
                  landcover["layer"]["count"] == len(features), "{:.0f}")
    table, _ = from_sparql_json(json.loads(store.query_serialized(LANDCOVER_QUERY, "json")[0]))
    to_utm = Transformer.from_crs("OGC:CRS84", f"EPSG:{EPSG}", always_xy=True)
    back = shapely.transform(table.geometries, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    error = abs(shapely.area(back).sum() - 96 * 96 * PIXEL ** 2) / (96 * 96 * PIXEL ** 2)
    section.check("area of the displayed (reprojected) polygons vs the scene", error, "< 1e-6", error < 1e-6)
    changes = query_layer(json.loads(store.query_serialized(CHANGE_QUERY, "json")[0]))["layer"]
    t0 = [f["properties"]["_t0"] for f in changes["data"]["features"]]
    for k, day in enumerate(DATES):
        shown = sum(t <= _ms(day) for t in t0)  # the map's "up to" time mode
        truth = sum(c[4] <= k for c in CHANGES)
        section.check(f"changes shown up to {day}", shown, f"= {truth}", shown == truth, "{:.0f}")


def screenshot(store_dir: Path, doc: dict, png: Path) -> str | None:
    """A headless-Chromium picture of the map document over the store's endpoint, or why not."""
    from ai4c.core.errors import DependencyMissingError
    from ai4c.linked.store import GeoStore
    from ai4c.services.sparql import create_app
    from ai4c.web.headless import chromium
    from ai4c.web.serve import background_server

    try:
        with background_server(create_app(GeoStore(store_dir))) as url, chromium(1100, 720) as driver:
            driver.get(url + "/map/")
            driver.execute_async_script("SEXTANT.ready.then(arguments[0])")
            driver.execute_async_script("SEXTANT.openDocument(arguments[0]).then(arguments[1])", doc)
            driver.execute_script("SEXTANT.editor.set(arguments[0])", CHANGE_QUERY)
            driver.save_screenshot(str(png))
    except DependencyMissingError as err:
        return str(err)
    return None


def run(workdir: Path) -> Section:
    """Build the store, write the map document, check what the map shows, take its picture."""
    from ai4c.core.io import write_text_atomic
    from ai4c.linked.store import GeoStore

    section = Section(TITLE)
    scene = simulate_scene()
    features = vectorise(scene, workdir / "landcover.geojson")
    write_rdf(features, workdir / "sextant.nt")
    store_dir = workdir / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    with GeoStore(store_dir) as store:
        triples = store.load(workdir / "sextant.nt")
        check_layers(store, section, features)
    doc = map_document()
    write_text_atomic(workdir / "sextant-map.json", json.dumps(doc, indent=1))
    section.paragraphs.append(
        f"{len(features)} land-cover polygons ({', '.join(CLASSES.values())}) and {len(CHANGES)} change "
        f"patches dated {', '.join(DATES)} were loaded as {triples} triples (geometries as EPSG:{EPSG} WKT "
        "literals) into a GeoSPARQL store. The map document <code>sextant-map.json</code> holds two query "
        "layers (land cover coloured by class, changes on the timeline, shown up to "
        f"{DATES[1]}); open it with <code>ai4c store serve --store {store_dir.name}</code> at "
        f"<code>/map/</code> (Open) or <code>ai4c sextant serve --endpoint URL --map sextant-map.json</code>.")
    section.paragraphs.append("Changes layer query:<pre>" + html.escape(CHANGE_QUERY) + "</pre>")
    why = screenshot(store_dir, doc, workdir / "sextant.png")
    if why:
        section.paragraphs.append(f"No screenshot: {html.escape(why)}")
    else:
        section.images.append((f"{workdir.name}/sextant.png", "Sextant over the store: land cover by class, "
                               f"changes up to {DATES[1]}, timeline under the map"))
    return section
