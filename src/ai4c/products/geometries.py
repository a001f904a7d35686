"""Geometry sets for interlinking, read from vector files, CSV with WKT, or RDF with GeoSPARQL
literals: ids, shapely geometries and the CRS, in batches so big sources stream.

Empty or unreadable geometries are skipped and invalid ones repaired (`make_valid`), each counted in
one warning; a source with no geometry at all is an error.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ai4c.core import log
from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.products.rdf_syntax import RDF_SUFFIXES, rdf_format
from ai4c.products.records import file_separator

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".kml", ".gml", ".zip")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "shape")
_CRS_IN_LITERAL = re.compile(r"^\s*<([^>]+)>\s*(.*)$", re.S)


@dataclass
class GeometryBatch:
    """Ids and geometries of consecutive features."""

    ids: np.ndarray
    geoms: np.ndarray


@dataclass
class GeometryFile:
    """A geometry source on disk and what reading it found (CRS, skipped and repaired counts)."""

    path: Path
    id_field: str | None = None
    wkt_field: str | None = None
    separator: str | None = None
    crs: str | None = None
    skipped: int = 0
    repaired: int = 0
    fields: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.path.exists():
            raise InputNotFoundError(f"{self.path} does not exist; give a GeoJSON/GeoPackage/Shapefile, "
                                     "a CSV with a WKT column or an RDF file with GeoSPARQL WKT literals")

    def batches(self, size: int = 50_000) -> Iterator[GeometryBatch]:
        """Clean batches (skipped and repaired geometries counted) in file order."""
        suffix = self.path.suffix.lower()
        if suffix in CSV_SUFFIXES:
            raw = self._csv(size)
        elif suffix in RDF_SUFFIXES:
            raw = self._rdf(size)
        else:
            raw = self._vector(size)
        total = 0
        for ids, geoms in raw:
            batch = self._clean(np.asarray(ids, dtype=object), np.asarray(geoms, dtype=object))
            total += len(batch.ids)
            yield batch
        if total == 0:
            raise InvalidProductError(f"{self.path} holds no usable geometry; check the file and "
                                      f"--wkt-field/--id-field (fields: {', '.join(self.fields) or 'none'})")
        self._warn()

    def read(self) -> GeometryBatch:
        """The whole source in memory."""
        parts = list(self.batches())
        return GeometryBatch(np.concatenate([p.ids for p in parts]), np.concatenate([p.geoms for p in parts]))

    def _clean(self, ids: np.ndarray, geoms: np.ndarray) -> GeometryBatch:
        batch, skipped, repaired = clean_geometries(ids, geoms)
        self.skipped += skipped
        self.repaired += repaired
        return batch

    def _warn(self) -> None:
        warn_counts(self.path.name, self.skipped, self.repaired)

    def _vector(self, size: int) -> Iterator[tuple]:
        import pyogrio

        try:
            info = pyogrio.read_info(self.path)
        except Exception as exc:
            raise InvalidProductError(f"{self.path} is not a readable vector file ({exc}); give GeoJSON, "
                                      "GeoPackage, Shapefile, FlatGeobuf or a CSV with a WKT column") from None
        self.crs = info.get("crs") or None
        self.fields = [str(f) for f in info["fields"]]
        if info.get("geometry_type") is None:
            raise InvalidProductError(f"{self.path} has no geometry column; give a spatial layer")
        id_index = self._id_index()
        skip = 0
        while True:
            meta, fids, wkb, data = pyogrio.raw.read(self.path, skip_features=skip, max_features=size,
                                                     return_fids=True)
            n = len(wkb) if wkb is not None else 0
            if n == 0:
                return
            ids = data[id_index] if id_index is not None else (fids if fids is not None
                                                               else np.arange(skip, skip + n))
            yield ids, shapely.from_wkb(wkb, on_invalid="ignore")
            skip += n
            if n < size:
                return

    def _id_index(self) -> int | None:
        """Column of the ids: --id-field, else an 'id' field (GDAL's GeoJSON string ids), else FIDs."""
        if self.id_field is None:
            return self.fields.index("id") if "id" in self.fields else None
        if self.id_field not in self.fields:
            raise InvalidProductError(f"id field {self.id_field!r} is not in {self.path} "
                                      f"(fields: {', '.join(self.fields)})")
        return self.fields.index(self.id_field)

    def _csv(self, size: int) -> Iterator[tuple]:
        csv.field_size_limit(sys.maxsize)
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=file_separator(handle, self.separator))
            header = next(reader, None) or []
            self.fields = header
            wkt_col = self._column(header, self.wkt_field, WKT_COLUMNS, "WKT geometry", "--wkt-field")
            id_col = self._column(header, self.id_field, ("id",), "id", "--id-field") \
                if self.id_field or "id" in header else None
            ids, texts, row_number = [], [], 0
            for row in reader:
                row_number += 1
                if len(row) <= wkt_col:
                    texts.append(None)
                else:
                    texts.append(row[wkt_col] or None)
                ids.append(row[id_col] if id_col is not None and len(row) > id_col else str(row_number - 1))
                if len(texts) == size:
                    yield ids, shapely.from_wkt(texts, on_invalid="ignore")
                    ids, texts = [], []
            if texts:
                yield ids, shapely.from_wkt(texts, on_invalid="ignore")

    def _column(self, header: list[str], wanted: str | None, defaults: tuple[str, ...], what: str,
                option: str) -> int:
        names = [wanted] if wanted else list(defaults)
        lowered = [h.strip().lower() for h in header]
        for name in names:
            if name.lower() in lowered:
                return lowered.index(name.lower())
        raise InvalidProductError(f"{self.path} has no {what} column {names[0]!r}; columns: "
                                  f"{', '.join(header) or 'none'}; name it with {option}")

    def _rdf(self, size: int) -> Iterator[tuple]:
        """Features with `geo:hasGeometry/geo:asWKT` (or geometries with `geo:asWKT` directly)."""
        import pyoxigraph as ox

        wkt_of: dict[str, str] = {}
        geometry_of: dict[str, str] = {}
        try:
            for quad in ox.parse(path=str(self.path), format=rdf_format(self.path)):
                predicate = quad.predicate.value
                if predicate.endswith("#asWKT") and isinstance(quad.object, ox.Literal):
                    wkt_of[quad.subject.value] = quad.object.value
                elif predicate.endswith(("#hasGeometry", "#hasDefaultGeometry")):
                    geometry_of.setdefault(quad.subject.value, quad.object.value)
        except (SyntaxError, ValueError, OSError) as exc:
            raise InvalidProductError(f"{self.path} is not readable RDF ({exc})") from None
        self.fields = ["asWKT"]
        features = {f: g for f, g in geometry_of.items() if g in wkt_of}
        owners = features or {g: g for g in wkt_of}
        ids, texts = list(owners), [self._wkt_body(wkt_of[g]) for g in owners.values()]
        for k in range(0, len(ids), size):
            yield ids[k:k + size], shapely.from_wkt(texts[k:k + size], on_invalid="ignore")

    def _wkt_body(self, literal: str) -> str:
        """The WKT of a GeoSPARQL literal, noting its CRS IRI (mixed CRSs are an error)."""
        crs, wkt = split_wkt_literal(literal)
        if self.crs not in (None, crs):
            raise InvalidProductError(f"{self.path} mixes CRSs ({self.crs} and {crs}); give one CRS per file")
        self.crs = crs
        return wkt


CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def split_wkt_literal(literal: str) -> tuple[str, str]:
    """(CRS IRI, WKT) of a GeoSPARQL wktLiteral (CRS84 when it names none)."""
    match = _CRS_IN_LITERAL.match(literal)
    return (match.group(1), match.group(2)) if match else (CRS84, literal)


def clean_geometries(ids: np.ndarray, geoms: np.ndarray) -> tuple[GeometryBatch, int, int]:
    """Drop missing/empty geometries and repair invalid ones: (batch, skipped, repaired)."""
    ids, geoms = np.asarray(ids, dtype=object), np.asarray(geoms, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ids, geoms = ids[usable], geoms[usable]
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    return GeometryBatch(ids.astype(str), geoms), int((~usable).sum()), int(invalid.sum())


def warn_counts(name: str, skipped: int, repaired: int) -> None:
    """One warning per kind of bad geometry met in a source."""
    if skipped:
        log.warn(f"{name}: {skipped} features without a usable geometry skipped")
    if repaired:
        log.warn(f"{name}: {repaired} invalid geometries repaired (make_valid)")
