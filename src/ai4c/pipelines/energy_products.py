"""Products for a training set from a catalogue search: the local catalogue is searched for Sentinel-1 GRD or
Sentinel-2 L2A/L1C products overlapping the assets in a period, and each is pre-processed over the assets'
extent (S1-GRD-preprocess: Sigma0 in UTM at 10 m; S2-preprocess: B2,B3,B4,B8 at 10 m) into rasters to cut."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import shapely

from ai4c.core.errors import AoIError, InputNotFoundError, InvalidParameterError
from ai4c.core.log import warn

COLLECTIONS = {"SENTINEL-1": ("GRD",), "SENTINEL-2": ("S2MSI2A", "S2MSI1C")}


def parse_day(name: str, text: str) -> dt.datetime:
    """YYYY-MM-DD (or a full ISO time) as an aware UTC datetime."""
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError as err:
        raise InvalidParameterError(f"{name} {text!r} is not a date; use YYYY-MM-DD") from err
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def local_path(href: str) -> Path:
    """The file a catalogue entry points to (local catalogues hold paths or file:// URLs)."""
    path = Path(href.removeprefix("file://"))
    if not path.exists():
        raise InputNotFoundError(f"catalogue product {href} is not on this machine; download it first "
                                 "(`ai4c download`) or index the folder that holds it")
    return path


def search_products(assets: gpd.GeoDataFrame, catalog: Path | str, start: str, end: str,
                    collection: str = "SENTINEL-1", max_products: int = 20) -> list:
    """Catalogue entries of `collection` overlapping the assets' extent in [start, end), oldest first."""
    from ai4c.catalog.model import SearchQuery
    from ai4c.catalog.search import search

    if collection not in COLLECTIONS:
        raise InvalidParameterError(f"--collection {collection} unknown; use one of: {', '.join(COLLECTIONS)}")
    if not Path(catalog).is_file():
        raise InputNotFoundError(f"catalogue {catalog} does not exist; build one with `ai4c catalog index`")
    extent = shapely.box(*assets.to_crs("EPSG:4326").total_bounds)
    query = SearchQuery(collection, parse_day("--start", start), parse_day("--end", end), aoi=extent,
                        max_results=max_products)
    found = [p for p in search(query, "local", catalog=str(catalog)) if p.product_type in COLLECTIONS[collection]]
    if not found:
        raise AoIError(f"no {collection} product in {catalog} overlaps the assets between {start} and {end}; "
                       "widen the period or index more products")
    return found


def preprocess(products: list, assets: gpd.GeoDataFrame, folder: Path, margin_m: float = 3000.0) -> list[Path]:
    """Pre-process every found product over the part of the assets' extent (grown by `margin_m`) it covers;
    products not covering any asset are skipped with a warning."""
    folder.mkdir(parents=True, exist_ok=True)
    extent = assets.to_crs(assets.estimate_utm_crs()).buffer(margin_m).to_crs("EPSG:4326").union_all().envelope
    rasters = []
    for product in products:
        area = extent.intersection(product.footprint) if product.footprint is not None else extent
        if area.is_empty or area.area == 0:
            warn(f"skipped {product.id}: its footprint covers no asset")
            continue
        source, target = local_path(product.href), folder / f"{product.id}.tif"
        if product.collection == "SENTINEL-1":
            from ai4c.pipelines.s1_grd import run as s1_grd

            rasters.append(s1_grd(source, target, aoi=area.wkt, projection="UTM", resolution=10.0))
        else:
            from ai4c.pipelines.s2_pre import run as s2_pre

            rasters.append(s2_pre(source, target, aoi=area.wkt, projection="UTM", resolution=10.0))
    return rasters
