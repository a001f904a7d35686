"""EarthQA: index EO product metadata as RDF in a GeoSPARQL store, and answer questions about it.

    index(store_dir, catalog="catalog.sqlite")        # earthqa_index: or stac="items/" (Items, saved search)
    answer = ask("Sentinel-1 images of Etna in March 2018", store_dir)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ai4c.catalog.rdf import GEO, product_of_footprint
from ai4c.core.errors import BadInputError, InputNotFoundError
from ai4c.linked.qa.gazetteer import Gazetteer, Place, geonames_rows, place_from_row
from ai4c.linked.qa.interpretation import Interpretation
from ai4c.linked.qa.parser import parse_question
from ai4c.linked.qa.sparql import HAS_PRODUCTS, build_query, details_query
from ai4c.linked.qa.spatial import search_area
from ai4c.pipelines.earthqa_index import open_store

MAX_SHOWN = 100
GEO_AS_WKT = GEO + "asWKT"
MAX_FOOTPRINT_VALUES = 50_000  # more R-tree hits than this: the geometry filter plan (a huge VALUES parses slowly)


class NoMetadataError(BadInputError):
    """A store holding no EO product metadata."""


# ---------------------------------------------------------------- gazetteer
def _tsv_rows(text: str) -> Iterator[dict]:
    yield from csv.DictReader(io.StringIO(text), delimiter="\t")


def country_places() -> Iterator[Place]:
    """Countries from the world outline shipped with the web front-end, with the aliases of our table."""
    from shapely.geometry import shape

    from ai4c.web import STATIC_DIR

    data = resources.files("ai4c.linked.qa").joinpath("data")
    aliases = {row["outline"]: row["variants"] for row in _tsv_rows(data.joinpath("country_aliases.tsv").read_text())}
    outline = json.loads((STATIC_DIR / "world" / "countries-50m.geojson").read_text())
    for feature in outline["features"]:
        name = feature["properties"].get("name")
        if name and feature.get("geometry"):
            variants = tuple(v for v in (aliases.get(name) or "").split(";") if v)
            yield Place(name, "country", shape(feature["geometry"]).buffer(0), name, variants)


VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
_KIND_KEYS = ("kind", "natural", "place", "boundary", "fclass", "type")


def vector_places(path: Path) -> Iterator[Place]:
    """Named features of a vector file (e.g. OSM features exported as GeoJSON/GeoPackage): the `name` column
    (variants from `name:en`, `alt_name`, `int_name`), the kind from kind/natural/place/..., in lon/lat."""
    import pyogrio

    frame = pyogrio.read_dataframe(path)
    if "name" not in frame.columns:
        raise BadInputError(f"{path} has no 'name' column; a gazetteer file needs named features")
    if frame.crs is not None:
        frame = frame.to_crs("EPSG:4326")
    for _, row in frame.iterrows():
        name, geometry = row.get("name"), row.geometry
        if not isinstance(name, str) or not name.strip() or geometry is None or geometry.is_empty:
            continue
        kind = next((str(row[k]) for k in _KIND_KEYS if k in frame.columns and isinstance(row[k], str)), "feature")
        variants = tuple(str(row[k]) for k in ("name:en", "alt_name", "int_name")
                         if k in frame.columns and isinstance(row[k], str))
        yield Place(name.strip(), kind, geometry, "", variants)


def osm_store_places(folder: Path) -> Iterator[Place]:
    """Named features of an `ai4c osm ingest` store (one GeoParquet file per class; `name`, `name_en`)."""
    import geopandas

    for parquet in sorted(folder.glob("*.parquet")):
        frame = geopandas.read_parquet(parquet)
        if "name" not in frame.columns:
            continue
        for _, row in frame[frame["name"].notna()].iterrows():
            english = row.get("name_en")
            variants = (str(english),) if isinstance(english, str) and english else ()
            kind = str(row.get("class") or parquet.stem)
            yield Place(str(row["name"]).strip(), kind, row.geometry, "", variants)


@lru_cache(maxsize=4)
def load_gazetteer(extra: str | None = None, min_population: int = 15000) -> Gazetteer:
    """The shipped gazetteer (countries + curated places), plus the places of `extra`: an `ai4c osm ingest`
    store folder, a GeoNames dump (.txt, cities above `min_population`) or a vector file of named features."""
    data = resources.files("ai4c.linked.qa").joinpath("data")
    gazetteer = Gazetteer(country_places())
    gazetteer.add(place_from_row(row) for row in _tsv_rows(data.joinpath("places.tsv").read_text(encoding="utf-8")))
    if extra and Path(extra).is_dir() and (Path(extra) / "store.json").is_file():
        gazetteer.add(osm_store_places(Path(extra)))
    elif extra:
        path = Path(extra)
        if not path.is_file():
            raise InputNotFoundError(f"gazetteer {path} does not exist; give an OSM features store folder, a "
                                     f"GeoNames dump (.txt) or a vector file ({', '.join(VECTOR_SUFFIXES)})")
        if path.suffix.lower() in VECTOR_SUFFIXES:
            gazetteer.add(vector_places(path))
        else:
            with path.open(encoding="utf-8") as lines:
                gazetteer.add(place_from_row(row) for row in geonames_rows(lines, min_population))
    return gazetteer


# ---------------------------------------------------------------- questions
class Answerer:
    """Answers questions over one store with one gazetteer (kept open by the web service)."""

    def __init__(self, store_dir: Path | str, gazetteer: Gazetteer | None = None, *, read_only: bool = False) -> None:
        store_dir = Path(store_dir)
        if not store_dir.is_dir():
            raise InputNotFoundError(f"store {store_dir} does not exist; run `ai4c earthqa index --catalog "
                                     f"CAT.sqlite --store {store_dir}` first")
        self.store = open_store(store_dir, read_only=read_only)
        self.store_dir = store_dir
        self.gazetteer = gazetteer or load_gazetteer()
        if not bool(self.store.query(HAS_PRODUCTS)):
            raise NoMetadataError(f"store {store_dir} holds no EO product metadata; run `ai4c earthqa index "
                                  f"--catalog CAT.sqlite --store {store_dir}` (or --stac PATH) first")

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def ask(self, question: str, today: dt.date | None = None) -> dict:
        """Parse, query and answer one question."""
        started = time.perf_counter()
        interp, _place = parse_question(question, self.gazetteer, today or dt.datetime.now(dt.UTC).date())
        answer = self.run(interp)
        answer["question"] = question
        answer["seconds"] = round(time.perf_counter() - started, 4)
        return answer

    def run(self, interp: Interpretation) -> dict:
        """Answer an interpretation (parsed, or edited by the user)."""
        interp.check()
        area = None
        place = None
        if interp.place:
            matches = self.gazetteer.lookup(interp.place)
            if not matches:
                from ai4c.linked.qa.parser import UnknownPlaceError

                hint = ", ".join(self.gazetteer.suggest(interp.place))
                raise UnknownPlaceError(f"no place called '{interp.place}' in the gazetteer"
                                        + (f"; did you mean: {hint}?" if hint else ""))
            place = matches[0]
            area = search_area(place, interp)
        query = build_query(interp, area)
        footprints = self.footprints(area) if area is not None else None
        if footprints is None:
            rows = list(self.store.query(query))
        else:
            rows = list(self.store.query_resolved(build_query(interp, area, footprints)))
        answer = {"sparql": query, "interpretation": interp.to_json(),
                  "place": place.to_json() if place else None,
                  "area": area.wkt if area is not None else None,
                  "not_understood": interp.not_understood, "assumptions": interp.assumptions}
        if interp.count:
            answer["count"] = int(rows[0]["count"].value) if rows else 0
            answer["products"] = []
            return answer
        iris = [row["product"].value for row in rows]
        answer["count"] = len(iris)
        answer["products"] = self.details(iris[:MAX_SHOWN])
        return answer

    def footprints(self, area) -> list[str] | None:
        """The products (N-Triples IRIs) whose footprint intersects `area`, from the store's R-tree, or None
        when they are too many for a VALUES list (or a footprint node is not named after its product)."""
        from ai4c.linked.geo.geometry import Geo

        index = self.store.index
        hits = index.select("sfIntersects", Geo(area), GEO_AS_WKT, var_first=True)
        terms = {product_of_footprint(term) for term in index.data().subject_array[hits]}
        if len(terms) > MAX_FOOTPRINT_VALUES or None in terms:
            return None
        return sorted(terms)

    def details(self, iris: list[str]) -> list[dict]:
        """Facts of the answered products, in the answer's order."""
        if not iris:
            return []
        found = {}
        for row in self.store.query_resolved(details_query(iris)):  # no GeoSPARQL function: no rewrite
            found[row["product"].value] = {name: _plain(row[name]) for name in (
                "id", "title", "url", "start", "end", "wkt", "mission", "platform", "productType",
                "processingLevel", "cloudCover", "orbitDirection", "relativeOrbit", "tile", "quicklook",
                "polarisations")}
        return [found[iri] for iri in iris if iri in found]


def _plain(term) -> object:
    """A JSON value of an RDF term (numbers as numbers, unbound as None)."""
    if term is None:
        return None
    value = term.value
    datatype = getattr(getattr(term, "datatype", None), "value", "")
    if datatype.endswith(("#double", "#decimal", "#float")):
        return float(value)
    if datatype.endswith("#integer"):
        return int(value)
    return value or None


def ask(question: str, store_dir: Path | str, *, today: dt.date | None = None,
        gazetteer: Gazetteer | None = None) -> dict:
    """Answer one question over a store (opens and closes it)."""
    answerer = Answerer(store_dir, gazetteer)
    try:
        return answerer.ask(question, today)
    finally:
        answerer.close()


def format_text(answer: dict) -> str:
    """The answer for a terminal: the query, what was assumed or not understood, then the products."""
    lines = ["Query:", answer["sparql"], ""]
    for note in answer["assumptions"]:
        lines.append(f"assumed: {note}")
    for note in answer["not_understood"]:
        lines.append(f"NOT UNDERSTOOD: {note}")
    if answer["interpretation"]["count"]:
        lines.append(f"count: {answer['count']}")
        return "\n".join(lines)
    lines.append(f"{answer['count']} product(s)" + (f", first {MAX_SHOWN} shown" if answer["count"] > MAX_SHOWN else ""))
    for product in answer["products"]:
        cloud = f"\t{product['cloudCover']:.1f} % cloud" if product.get("cloudCover") is not None else ""
        lines.append(f"{product['id']}\t{product['start']}\t{product.get('url') or ''}{cloud}")
    return "\n".join(lines)
