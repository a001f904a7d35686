"""`ai4c catalog index`: walk a folder or an s3:// prefix and record every product in the local catalogue."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from ai4c.catalog import local
from ai4c.catalog.metadata import product_from_path
from ai4c.catalog.model import Product
from ai4c.catalog.storage import fetch_to, list_s3, s3_client
from ai4c.core.errors import BadInputError, InputNotFoundError
from ai4c.core.log import warn


def is_product_name(name: str) -> bool:
    """Names the catalogue understands: S5P NetCDF, SAFE folders and SAFE zips."""
    return (name.startswith("S5P_") and name.endswith(".nc")) or name.endswith(".SAFE") or \
        (name.startswith(("S1", "S2")) and name.endswith(".zip"))


def local_products(folder: Path) -> Iterator[Product]:
    """Products found anywhere under a local folder (not descending into SAFE folders)."""
    if not folder.is_dir():
        raise InputNotFoundError(f"{folder} is not a folder; give a folder or an s3://bucket/prefix")
    stack = [folder]
    while stack:
        current = stack.pop()
        for entry in sorted(current.iterdir()):
            if is_product_name(entry.name):
                yield _safe_call(product_from_path, entry)
            elif entry.is_dir():
                stack.append(entry)


def s3_products(url: str, endpoint_url: str | None = None) -> Iterator[Product]:
    """Products under an s3:// prefix; each is fetched to a scratch file to read its own metadata."""
    client = s3_client(endpoint_url)
    for key_url in list_s3(url, client):
        name = key_url.rsplit("/", 1)[-1]
        if not is_product_name(name):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            path = fetch_to(key_url, Path(scratch) / name, client)
            yield _safe_call(product_from_path, path, key_url)


def _safe_call(func, path: Path, href: str | None = None) -> Product | None:
    """Read one product's metadata; a broken product is reported and skipped, not fatal to the index."""
    try:
        return func(path, href) if href else func(path)
    except BadInputError as exc:
        warn(f"skipped {path.name}: {exc}")
        return None


def build_index(source: str, catalog: Path | str, endpoint_url: str | None = None) -> int:
    """Index every product of `source` into `catalog`; returns how many were recorded."""
    products = s3_products(source, endpoint_url) if source.startswith("s3://") else local_products(Path(source))
    db = local.connect(catalog, create=True)
    count = 0
    try:
        with db:
            for product in products:
                if product is not None:
                    local.add(db, product)
                    count += 1
    finally:
        db.close()
    return count
