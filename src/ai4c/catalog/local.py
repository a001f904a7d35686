"""The local product catalogue: STAC Items in SQLite, with bounding-box columns for fast spatial filters."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from shapely.geometry import shape

from ai4c.catalog.model import Product, SearchQuery, parse_time
from ai4c.core.errors import InputNotFoundError

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY, collection TEXT, product_type TEXT, start TEXT, "end" TEXT,
  minx REAL, miny REAL, maxx REAL, maxy REAL, cloud_cover REAL, relative_orbit INTEGER,
  platform TEXT, href TEXT, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_time ON items (collection, start);
"""


def connect(path: Path | str, *, create: bool = False) -> sqlite3.Connection:
    """Open the catalogue database (creating it only when asked)."""
    path = Path(path).expanduser()
    if not create and not path.is_file():
        raise InputNotFoundError(f"catalogue {path} does not exist; build it with `ai4c catalog index DIR --catalog {path}`")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db


def add(db: sqlite3.Connection, product: Product) -> None:
    """Insert or replace one product."""
    bounds = shape(product.geometry).bounds if product.geometry else (None,) * 4
    db.execute(
        "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (product.id, product.collection, product.product_type, product.start.isoformat(), product.end.isoformat(),
         *bounds, product.cloud_cover, product.relative_orbit, product.platform, product.href,
         json.dumps(product.to_json())))


def search(db: sqlite3.Connection, query: SearchQuery) -> Iterator[Product]:
    """Products of the query's collection/type overlapping its period and AoI, oldest first."""
    sql = "SELECT item FROM items WHERE upper(collection) = upper(?) AND start < ? AND \"end\" > ?"
    args: list = [query.collection, query.end.isoformat(), query.start.isoformat()]
    if query.product_type:
        sql += " AND product_type = ?"
        args.append(query.product_type)
    if query.aoi is not None:
        minx, miny, maxx, maxy = query.aoi.bounds
        sql += " AND maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?"
        args += [minx, maxx, miny, maxy]
    sql += " ORDER BY start"
    count = 0
    for (text,) in db.execute(sql, args):
        product = from_json(json.loads(text))
        if query.aoi is not None and product.geometry and not shape(product.geometry).intersects(query.aoi):
            continue
        yield product
        count += 1
        if count >= query.max_results:
            return


def get(db: sqlite3.Connection, product_id: str) -> Product | None:
    """The product with that id, if indexed."""
    row = db.execute("SELECT item FROM items WHERE id = ?", (product_id,)).fetchone()
    return from_json(json.loads(row[0])) if row else None


def from_json(body: dict) -> Product:
    """Rebuild a Product from its stored JSON."""
    body = dict(body)
    body["start"], body["end"] = parse_time(body["start"]), parse_time(body["end"])
    return Product(**body)
