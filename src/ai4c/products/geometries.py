"""Geometry sets for interlinking, read from vector files, CSV with WKT, or RDF with GeoSPARQL
literals: ids, shapely geometries and the CRS, in batches so big sources stream.

RDF geometry literals of every serialisation are decoded by a `LiteralCodec` the caller hands in (the
science layer's, `ai4c.linked.geo.geometry.GEOMETRY_LITERALS`), so this reader stays below it.
Empty or unreadable geometries are skipped and invalid ones repaired (`make_valid`), each counted in
one warning; a source with no geometry at all is an error.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator, Sequence
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
_FEATURE_GEOMETRY = ("#hasGeometry", "#hasDefaultGeometry")


@dataclass
class GeometryBatch:
    """Ids and geometries of consecutive features."""

    ids: np.ndarray
    geoms: np.ndarray


Decoded = tuple[shapely.Geometry, str] | None  # (geometry in x = east order, CRS IRI); None when unusable


@dataclass(frozen=True)
class LiteralCodec:
    """How to read RDF geometry literals: the datatypes that are geometries (preferred first, for a geometry
    with several serialisations), a decoder of many literals, and a reprojection."""

    datatypes: tuple[str, ...]
    decode: Callable[[Sequence[str], Sequence[str]], list[Decoded]]  # (literal values, their datatypes)
    reproject: Callable[[np.ndarray, str, str], np.ndarray]

    def geometries(self, values: Sequence[str], datatypes: Sequence[str],
                   crs: str | None = None) -> tuple[np.ndarray, str | None]:
        """The geometries of literals (None where unusable), all in one CRS: `crs`, else the first one met
        (literals in another CRS are reprojected); returns that CRS too."""
        geoms = np.full(len(values), None, dtype=object)
        crs_of = np.full(len(values), None, dtype=object)
        for k, found in enumerate(self.decode(values, datatypes)):
            if found is not None:
                geoms[k], crs_of[k] = found
        crs = crs or next((c for c in crs_of if c is not None), None)
        for other in {c for c in crs_of if c is not None} - {crs}:
            moved = crs_of == other
            geoms[moved] = self.reproject(geoms[moved], other, crs)
        return geoms, crs


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
    literals: LiteralCodec | None = None  # decodes RDF geometry literals (needed for RDF files only)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.path.exists():
            raise InputNotFoundError(f"{self.path} does not exist; give a GeoJSON/GeoPackage/Shapefile, "
                                     "a CSV with a WKT column or an RDF file with GeoSPARQL geometry literals")

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
        """Features with `geo:hasGeometry`/`hasDefaultGeometry` to a geometry with a literal of any serialisation
        the codec knows (or the literals' subjects directly); the preferred serialisation when several."""
        import pyoxigraph as ox

        if self.literals is None:
            raise ValueError("reading geometries from RDF needs a LiteralCodec "
                             "(ai4c.linked.geo.geometry.GEOMETRY_LITERALS)")
        rank = {d: k for k, d in enumerate(self.literals.datatypes)}
        literal_of: dict[str, tuple[int, str]] = {}
        geometry_of: dict[str, str] = {}
        try:
            for quad in ox.parse(path=str(self.path), format=rdf_format(self.path)):
                term = quad.object
                if isinstance(term, ox.Literal) and term.datatype.value in rank:
                    best = literal_of.get(quad.subject.value)
                    if best is None or rank[term.datatype.value] < best[0]:
                        literal_of[quad.subject.value] = (rank[term.datatype.value], term.value)
                elif quad.predicate.value.endswith(_FEATURE_GEOMETRY):
                    geometry_of.setdefault(quad.subject.value, quad.object.value)
        except (SyntaxError, ValueError, OSError) as exc:
            raise InvalidProductError(f"{self.path} is not readable RDF ({exc})") from None
        found = sorted({r for r, _ in literal_of.values()})
        self.fields = [self.literals.datatypes[r].rsplit("#", 1)[-1] for r in found]
        features = {f: g for f, g in geometry_of.items() if g in literal_of}
        owners = features or {g: g for g in literal_of}
        ids, literals = list(owners), [literal_of[g] for g in owners.values()]
        for k in range(0, len(ids), size):
            chunk = literals[k:k + size]
            geoms, self.crs = self.literals.geometries([v for _, v in chunk],
                                                       [self.literals.datatypes[r] for r, _ in chunk], self.crs)
            yield ids[k:k + size], geoms


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
