"""Demo: land-cover polygons vectorised from a simulated scene -> GeoTriples -> GeoSPARQL store ->
a GeoSPARQL query whose answers are checked against the scene's truth."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 60
TITLE = "Linked geospatial data: scene features -> GeoTriples -> GeoSPARQL store"
CLASSES = {1: "water", 2: "forest", 3: "urban", 4: "cropland"}
EPSG = 32634
ORIGIN = (500_000.0, 4_200_000.0)
PIXEL = 20.0
BASE = "http://ai4c.example.org/demo/"


def simulate_scene(size: int = 96, seed: int = 3) -> np.ndarray:
    """A land-cover raster: cropland background, a lake, a forest block and an urban patch."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    scene = np.full((size, size), 4, dtype=np.uint8)
    scene[(xx - 28) ** 2 + (yy - 30) ** 2 < 15 ** 2] = 1
    scene[50:90, 10:45] = 2
    scene[15:40, 60:88] = 3
    scene[60:80, 60:75] = 2
    noise = rng.random((size, size)) < 0.002
    scene[noise] = 3
    return scene


def vectorise(scene: np.ndarray, path: Path) -> list[dict]:
    """Polygons of equal class (rasterio.features.shapes) written as GeoJSON in UTM 34N."""
    import rasterio.features
    from rasterio.transform import from_origin

    transform = from_origin(ORIGIN[0], ORIGIN[1], PIXEL, PIXEL)
    features = []
    for n, (geometry, value) in enumerate(rasterio.features.shapes(scene, transform=transform)):
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"id": n, "landcover": CLASSES[int(value)], "code": int(value)}})
    collection = {"type": "FeatureCollection", "features": features,
                  "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{EPSG}"}}}
    path.write_text(json.dumps(collection))
    return features


def sample_sites(scene: np.ndarray, path: Path, count: int = 40, seed: int = 5) -> list[tuple[int, str]]:
    """Monitoring sites at random pixel centres; returns (site id, true class) pairs."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, scene.shape[0], count), rng.integers(0, scene.shape[1], count)
    features, truth = [], []
    for k, (r, c) in enumerate(zip(rows, cols, strict=True)):
        x, y = ORIGIN[0] + (c + 0.5) * PIXEL, ORIGIN[1] - (r + 0.5) * PIXEL
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                         "properties": {"site": k}})
        truth.append((k, CLASSES[int(scene[r, c])]))
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{EPSG}"}}}))
    return truth


def to_rdf(geojson: Path, layer: str, workdir: Path) -> tuple[Path, str]:
    """GeoJSON -> RDF with GeoTriples (generate_mapping + dump_rdf); returns the file and the way used."""
    out = workdir / f"{layer}.nt"
    try:
        from ai4c.linked.mapping import dump_rdf
        from ai4c.linked.mapping.generate import generate_mapping
    except ImportError:
        return _direct_rdf(geojson, out), "direct RDF (GeoTriples not available)"
    mapping = generate_mapping(geojson, workdir / f"{layer}.rml.ttl", base_iri=f"{BASE}{layer}/", rml=True)
    dump_rdf(mapping, out, "ntriples", base_iri=f"{BASE}{layer}/")
    return out, "GeoTriples (RML mapping generated from the GeoJSON, then executed)"


def _direct_rdf(geojson: Path, out: Path) -> Path:
    import shapely

    geo = "http://www.opengis.net/ont/geosparql#"
    lines = []
    for k, feature in enumerate(json.loads(geojson.read_text())["features"]):
        subject = f"<{BASE}{geojson.stem}/{k}>"
        wkt = f"<http://www.opengis.net/def/crs/EPSG/0/{EPSG}> " + shapely.geometry.shape(feature["geometry"]).wkt
        lines.append(f"{subject} <{geo}hasGeometry> <{BASE}{geojson.stem}/{k}/geom> .")
        lines.append(f'<{BASE}{geojson.stem}/{k}/geom> <{geo}asWKT> "{wkt}"^^<{geo}wktLiteral> .')
        for key, value in feature["properties"].items():
            lines.append(f'{subject} <{BASE}{geojson.stem}/ontology#has_{key}> "{value}" .')
    out.write_text("\n".join(lines) + "\n")
    return out


QUERY = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX lc: <{base}landcover/ontology#>
PREFIX st: <{base}sites/ontology#>
SELECT ?site ?class WHERE {{
  ?s st:has_site ?site ; geo:hasGeometry ?sg . ?sg geo:asWKT ?sw .
  ?p lc:has_landcover ?class ; geo:hasGeometry ?pg . ?pg geo:asWKT ?pw .
  FILTER(geof:sfWithin(?sw, ?pw))
}} ORDER BY ?site"""
AREA_QUERY = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
PREFIX lc: <{base}landcover/ontology#>
SELECT ?class (SUM(geof:area(?w, uom:metre)) AS ?area) (COUNT(?p) AS ?polygons) WHERE {{
  ?p lc:has_landcover ?class ; geo:hasGeometry ?g . ?g geo:asWKT ?w .
}} GROUP BY ?class ORDER BY ?class"""


def _picture(scene: np.ndarray, truth: list, sites_path: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    points = json.loads(sites_path.read_text())["features"]
    xs = [(f["geometry"]["coordinates"][0] - ORIGIN[0]) / PIXEL - 0.5 for f in points]
    ys = [(ORIGIN[1] - f["geometry"]["coordinates"][1]) / PIXEL - 0.5 for f in points]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(scene, cmap=ListedColormap(["#3b7dd8", "#2e7d32", "#9e9e9e", "#e6d36a"]), vmin=1, vmax=4)
    ax.scatter(xs, ys, c="k", s=12)
    ax.set_title("simulated land cover and monitoring sites")
    ax.set_axis_off()
    fig.savefig(png, dpi=90, bbox_inches="tight")
    plt.close(fig)


def run(workdir: Path) -> Section:
    """Simulate, vectorise, map to RDF, load, query, check against the truth."""
    from ai4c.linked.store import GeoStore

    section = Section(TITLE)
    scene = simulate_scene()
    features = vectorise(scene, workdir / "landcover.geojson")
    truth = sample_sites(scene, workdir / "sites.geojson")
    rdf_landcover, how = to_rdf(workdir / "landcover.geojson", "landcover", workdir)
    rdf_sites, _ = to_rdf(workdir / "sites.geojson", "sites", workdir)
    store_dir = workdir / "store"
    import shutil

    shutil.rmtree(store_dir, ignore_errors=True)
    store = GeoStore(store_dir)
    triples = store.load(rdf_landcover) + store.load(rdf_sites)
    section.paragraphs.append(
        f"A {scene.shape[0]}x{scene.shape[1]} land-cover scene (20 m pixels, UTM 34N) was vectorised with "
        f"rasterio.features.shapes into {len(features)} polygons; with 40 monitoring sites they were turned "
        f"into {triples} triples by {how} and loaded into the GeoSPARQL store.")
    answer = {int(r["site"].value): r["class"].value for r in store.query(QUERY.format(base=BASE))}
    right = sum(answer.get(k) == cls for k, cls in truth)
    section.paragraphs.append("Query (a spatial join planned through the store's R-tree):<pre>"
                              + html.escape(QUERY.format(base=BASE)) + "</pre>")
    rows = "".join(f"<tr><td>{k}</td><td>{html.escape(answer.get(k, '-'))}</td><td>{cls}</td></tr>"
                   for k, cls in truth[:12])
    section.paragraphs.append("<table><tr><th>site</th><th>query answer</th><th>truth</th></tr>" + rows
                              + "</table> (first 12 of 40 sites)")
    section.check("sites whose land cover the query answers correctly", right, f"= {len(truth)}",
                  right == len(truth), "{:.0f}")
    areas = {r["class"].value: float(r["area"].value) for r in store.query(AREA_QUERY.format(base=BASE))}
    table = "".join(f"<tr><td>{c}</td><td>{areas.get(c, 0) / 1e4:.2f}</td><td>"
                    f"{(scene == code).sum() * PIXEL ** 2 / 1e4:.2f}</td></tr>" for code, c in CLASSES.items())
    section.paragraphs.append("Area per class from <code>SUM(geof:area(?w, uom:metre))</code> (hectares):"
                              "<table><tr><th>class</th><th>GeoSPARQL</th><th>pixel count</th></tr>"
                              + table + "</table>")
    worst = max(abs(areas.get(c, 0) - (scene == code).sum() * PIXEL ** 2) / ((scene == code).sum() * PIXEL ** 2)
                for code, c in CLASSES.items())
    section.check("largest relative area error (geof:area vs pixel count)", worst, "< 1e-6", worst < 1e-6)
    _picture(scene, truth, workdir / "sites.geojson", workdir / "scene.png")
    section.images.append((f"{workdir.name}/scene.png", "simulated land cover with the sites"))
    return section
