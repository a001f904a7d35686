"""STAC Items from disk as catalogue Products: a folder of Item JSON files, an ItemCollection (or any
GeoJSON FeatureCollection of Items), or a search saved by `ai4c search --format stac` (one Item a line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ai4c.catalog.model import Product, parse_time
from ai4c.core.errors import BadInputError, InputNotFoundError, InvalidProductError
from ai4c.core.log import warn

_TYPE_KEYS = ("product:type", "s1:product_type", "s2:product_type", "sar:product_type", "product_type")


def _items_of_text(text: str, source: Path) -> Iterator[dict]:
    """Items of one file: an Item, an ItemCollection/FeatureCollection, or JSON lines."""
    stripped = text.strip()
    if not stripped:
        return
    try:
        body = json.loads(stripped)
    except json.JSONDecodeError:
        for number, line in enumerate(stripped.splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    warn(f"skipped line {number} of {source}: not JSON ({exc.msg})")
        return
    if isinstance(body, dict) and body.get("type") == "FeatureCollection":
        yield from body.get("features") or []
    elif isinstance(body, dict):
        yield body
    elif isinstance(body, list):
        yield from body


def read_items(path: Path | str) -> Iterator[dict]:
    """Every STAC Item dict under `path` (a file, or a folder searched for *.json / *.jsonl)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise InputNotFoundError(f"STAC source {path} does not exist; give an Item, an ItemCollection, "
                                 f"a saved search (.jsonl) or a folder of Item JSON files")
    files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl", ".geojson")) if path.is_dir() \
        else [path]
    for file in files:
        yield from _items_of_text(file.read_text(encoding="utf-8"), file)


def _href(assets: dict) -> str:
    """The data asset's href (role 'data', else the first asset)."""
    for asset in assets.values():
        if "data" in (asset.get("roles") or []):
            return asset.get("href", "")
    return next((a.get("href", "") for a in assets.values()), "")


def _quicklook(assets: dict) -> str | None:
    for key, asset in assets.items():
        if "thumbnail" in (asset.get("roles") or []) or key in ("thumbnail", "quicklook", "preview"):
            return asset.get("href")
    return None


def product_from_item(item: dict) -> Product:
    """One STAC Item -> Product, keeping the Sentinel facts the RDF conversion uses in `properties`."""
    if not isinstance(item, dict) or item.get("type") != "Feature" or "id" not in item:
        raise InvalidProductError("not a STAC Item (needs type Feature and an id)")
    props = item.get("properties") or {}
    start = parse_time(props.get("start_datetime") or props.get("datetime"))
    if start is None:
        raise InvalidProductError(f"STAC Item {item['id']} has no datetime or start_datetime")
    assets = item.get("assets") or {}
    product_type = next((props[k] for k in _TYPE_KEYS if props.get(k)), "")
    extra = {key: props[key] for key in ("sat:orbit_state", "sar:polarizations", "s2:mgrs_tile", "grid:code")
             if props.get(key)}
    quicklook = _quicklook(assets)
    if quicklook:
        extra["quicklook"] = quicklook
    platform = props.get("platform") or props.get("constellation")
    return Product(id=str(item["id"]), title=str(props.get("title") or item["id"]),
                   collection=str(item.get("collection") or props.get("collection") or platform or ""),
                   product_type=str(product_type), start=start,
                   end=parse_time(props.get("end_datetime")) or start, geometry=item.get("geometry"),
                   href=_href(assets), provider="stac",
                   size=props.get("file:size"), cloud_cover=props.get("eo:cloud_cover"),
                   relative_orbit=props.get("sat:relative_orbit"), platform=platform, properties=extra)


def stac_products(path: Path | str) -> Iterator[Product]:
    """Products of every readable Item under `path`; a broken Item is reported and skipped."""
    for item in read_items(path):
        try:
            yield product_from_item(item)
        except BadInputError as exc:
            warn(f"skipped a STAC Item: {exc}")
