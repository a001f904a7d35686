"""EarthQA indexing: EO product metadata into the GeoSPARQL store, in bulk, and kept in step with its source.

    index(store_dir, catalog="catalog.sqlite")   # or stac="items/"; `ai4c catalog index --earthqa-store`

Each source (a catalogue file, a STAC path) owns one named graph. A first index writes the products as TriG
(already in that graph) and loads them in chunks of CHUNK products. Re-indexing compares each product's `eo:recordDigest` with the stored one: an unchanged product
is not touched, a changed one is replaced, one gone from the source is removed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ai4c.catalog.model import Product
from ai4c.catalog.rdf import EO, FOOTPRINT_FRAGMENT, product_iri, product_record
from ai4c.core.errors import InvalidParameterError
from ai4c.core.iterables import batched

GRAPH_BASE = "urn:ai4c:earthqa:source:"
CHUNK = 20_000  # products per load: bounds the memory of a load, whatever the catalogue size
DELETE_BATCH = 2_000  # products whose old triples one DELETE DATA removes
_PRODUCT_NODES = ("", "#download", FOOTPRINT_FRAGMENT)  # the subjects one product's record uses


@dataclass
class IndexReport:
    """What one index run did to a source's products."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def products(self) -> int:
        """Products of the source now in the store."""
        return self.added + self.updated + self.unchanged

    def __str__(self) -> str:
        return (f"{self.products} products indexed ({self.added} added, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.removed} removed)")


def open_store(store_dir: Path | str, *, read_only: bool = False):
    """The EarthQA store (no RDFS entailment: the EO vocabulary needs none, loads stay cheap)."""
    from ai4c.linked.store import GeoStore

    return GeoStore(Path(store_dir), entail=False, read_only=read_only)


def products_from(catalog: Path | str | None = None, stac: Path | str | None = None) -> Iterator[Product]:
    """The products of a local catalogue (SQLite) or of STAC Items on disk."""
    if (catalog is None) == (stac is None):
        raise InvalidParameterError("give exactly one of --catalog CAT.sqlite or --stac PATH")
    if stac is not None:
        from ai4c.catalog.stac_items import stac_products

        yield from stac_products(stac)
        return
    from ai4c.catalog import local

    db = local.connect(catalog)
    try:
        for (text,) in db.execute("SELECT item FROM items ORDER BY start"):
            yield local.from_json(json.loads(text))
    finally:
        db.close()


def source_graph(source: Path | str) -> str:
    """The named graph holding one source's products (re-indexing a source updates it)."""
    return GRAPH_BASE + hashlib.sha1(str(Path(source).expanduser().resolve()).encode()).hexdigest()[:16]


def write_trig(lines: list[str], graph: str, path: Path) -> None:
    """N-Triples lines as one TriG graph block: the store parses them straight into `graph` (no per-quad
    rewriting, unlike N-Triples loaded into a graph or N-Quads with their stRDF pass)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f"<{graph}> {{\n")
        out.writelines(lines)
        out.write("}\n")


def index(store_dir: Path | str, *, catalog: Path | str | None = None,
          stac: Path | str | None = None) -> IndexReport:
    """Bring the store's copy of one source up to date: add new products, replace changed ones, remove
    those no longer in the source, leave unchanged ones alone.

    Loaded in chunks of CHUNK products (memory stays bounded for millions); an interrupted run leaves
    part of the source, which the next run of the same command completes."""
    products = products_from(catalog, stac)
    first = next(products, None)  # a missing or unreadable source fails here, before the store is touched
    store_dir = Path(store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    graph = source_graph(catalog or stac)
    everything = products if first is None else _prepend(first, products)
    with tempfile.TemporaryDirectory(dir=store_dir, prefix=".earthqa-") as scratch, open_store(store_dir) as store:
        stored = stored_digests(store, graph)
        if not stored:
            store.update(f"DROP SILENT GRAPH <{graph}>")  # content of an index made before digests existed
        report = _sync(store, graph, everything, stored, Path(scratch) / "products.trig")
        store.warm()
    return report


def _prepend(first: Product, rest: Iterator[Product]) -> Iterator[Product]:
    yield first
    yield from rest


def stored_digests(store, graph: str) -> dict[str, str]:
    """Product IRI -> `eo:recordDigest` of the products the store holds for one source."""
    body, _ = store.query_serialized(
        f"SELECT ?product ?digest WHERE {{ GRAPH <{graph}> {{ ?product <{EO}recordDigest> ?digest }} }}", "csv")
    rows = csv.reader(io.StringIO(body.decode("utf-8")))
    next(rows, None)
    return {row[0]: row[1] for row in rows if len(row) == 2}


def _sync(store, graph: str, products: Iterable[Product], stored: dict[str, str], scratch: Path) -> IndexReport:
    """Load the new and changed products chunk by chunk (removing the old records of changed ones first);
    then remove the stored products the source no longer has."""
    report = IndexReport()
    seen: set[str] = set()
    for batch in batched(products, CHUNK):
        lines: list[str] = []
        replaced: list[str] = []
        for product in batch:
            iri = product_iri(product.id)
            if iri in seen:
                continue  # a source listing one product twice: the first record counts
            seen.add(iri)
            record, digest = product_record(product)
            old = stored.get(iri)
            if old == digest:
                report.unchanged += 1
                continue
            if old is None:
                report.added += 1
            else:
                report.updated += 1
                replaced.append(iri)
            lines += record
        remove_products(store, graph, replaced)
        if lines:
            write_trig(lines, graph, scratch)
            store.load(scratch)
    gone = [iri for iri in stored if iri not in seen]
    remove_products(store, graph, gone)
    report.removed = len(gone)
    return report


def remove_products(store, graph: str, iris: list[str]) -> None:
    """Delete the records of these products from the source's graph (DELETE DATA of their exact quads,
    so the store updates its spatial index from the removed footprints alone)."""
    for batch in batched(iris, DELETE_BATCH):
        nodes = " ".join(f"<{iri}{suffix}>" for iri in batch for suffix in _PRODUCT_NODES)
        rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ VALUES ?s {{ {nodes} }} ?s ?p ?o }} }}")
        triples = [f"{row['s']} {row['p']} {row['o']} ." for row in rows]
        if triples:
            store.update(f"DELETE DATA {{ GRAPH <{graph}> {{\n" + "\n".join(triples) + "\n} }")
