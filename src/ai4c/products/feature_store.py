"""The feature store: one GeoParquet file per class, the model and the ingest report, in one folder.

`FeatureStore` opens a store read-only and selects features (bbox, area, properties, time span,
paging); the export and the OGC API Features service both use it, so they select the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError, OutputError
from ai4c.products.geoparquet import BBOX_TYPE, GeoParquetLayer, RowGroupCache

STORE_FILE = "store.json"
ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
TYPE_NAMES = {"string": "string", "int64": "integer", "double": "number", "bool": "boolean"}
OSM_TYPE_LETTER = {"node": "n", "way": "w", "relation": "r"}


def class_schema(attributes: list[tuple[str, str]]) -> pa.Schema:
    """Columns of a class file: the common ones, the class's own attributes, bbox and WKB geometry."""
    fields = [("osm_id", pa.int64()), ("osm_type", pa.string()), ("class", pa.string()), ("name", pa.string()),
              ("name_en", pa.string())]
    fields += [(name, ARROW_TYPES[kind]) for name, kind in attributes]
    fields += [("source_timestamp", pa.timestamp("ms", tz="UTC")), ("bbox", BBOX_TYPE), ("geometry", pa.binary())]
    return pa.schema(fields)


@contextmanager
def store_transaction(store: Path) -> Iterator[Path]:
    """Yield a scratch folder beside `store`; on success it replaces `store` in one rename, else vanishes."""
    store = Path(store)
    parent = store.parent if str(store.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"the folder of --store {store} does not exist; create {parent} first")
    if store.exists() and not (store / STORE_FILE).is_file() and any(store.iterdir()):
        raise OutputError(f"--store {store} is a non-empty folder that is not a feature store; choose another")
    scratch = Path(tempfile.mkdtemp(prefix=f".{store.name}.", suffix=".partial", dir=parent))
    try:
        yield scratch
        old = None
        if store.exists():
            old = parent / f".{store.name}.{os.getpid()}.old"
            os.replace(store, old)
        os.replace(scratch, store)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class RowFilter(Protocol):
    """A row filter the store applies after its own selection (a compiled CQL2 filter)."""

    envelope: tuple[float, float, float, float] | None

    def mask(self, table: pa.Table) -> np.ndarray: ...


@dataclass
class Selection:
    """Which features: intersecting `bbox` and `geometry` (lon/lat), with equal `properties`, in `interval`,
    for which `filter` (a compiled CQL2 filter, features.cql2) is true."""

    bbox: tuple[float, float, float, float] | None = None
    geometry: BaseGeometry | None = None
    properties: dict[str, str] = field(default_factory=dict)
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None
    filter: RowFilter | None = None

    def envelope(self, *more: tuple | None) -> tuple[float, float, float, float] | None:
        """The box every selected feature's bbox must meet (`more`: other boxes that bound it)."""
        boxes = [b for b in (self.bbox, self.geometry.bounds if self.geometry is not None else None, *more) if b]
        if not boxes:
            return None
        return (max(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), min(b[3] for b in boxes))


class FeatureStore:
    """A store opened for reading: its description (store.json) and one GeoParquet layer per class."""

    def __init__(self, path: Path | str, cache_bytes: int = 0):
        self.path = Path(path)
        self.cache = RowGroupCache(cache_bytes) if cache_bytes > 0 else None
        meta = self.path / STORE_FILE
        if not meta.is_file():
            raise InputNotFoundError(f"{self.path} is not a feature store (no {STORE_FILE}); "
                                     "create one with `ai4c osm ingest --store DIR`")
        try:
            self.description = json.loads(meta.read_text())
        except json.JSONDecodeError as err:
            raise InvalidProductError(f"{meta} is corrupt ({err}); re-run the ingest") from err
        self.classes: dict[str, dict] = self.description["classes"]
        self._layers: dict[str, GeoParquetLayer] = {}

    def layer(self, klass: str) -> GeoParquetLayer:
        """The GeoParquet layer of a class (opened once)."""
        self.check_classes([klass])
        if klass not in self._layers:
            self._layers[klass] = GeoParquetLayer(self.path / f"{klass}.parquet", self.cache)
        return self._layers[klass]

    def check_classes(self, names: list[str]) -> list[str]:
        """Return `names` when all are classes of the store, else raise naming the known ones."""
        unknown = [n for n in names if n not in self.classes]
        if unknown:
            raise InvalidParameterError(f"unknown class {', '.join(unknown)}; the store has: {', '.join(self.classes)}")
        return names

    def properties(self, klass: str) -> dict[str, str]:
        """Queryable attribute columns of a class and their JSON types."""
        schema = self.layer(klass).schema
        return {f.name: _json_type(f.type) for f in schema if f.name not in ("bbox", "geometry")}

    def matches(self, klass: str, selection: Selection, columns: list[str] | None = None) -> Iterator[pa.Table]:
        """The selected rows of a class, one table per row group read (in Hilbert order)."""
        layer = self.layer(klass)
        filters = self._typed_filters(klass, selection.properties)
        cql = selection.filter
        box = shapely.box(*selection.bbox) if selection.bbox else None
        area = selection.geometry
        if area is not None:
            shapely.prepare(area)
        envelope = selection.envelope(cql.envelope if cql else None)
        if envelope and (envelope[0] > envelope[2] or envelope[1] > envelope[3]):
            return
        for table in layer.read_groups(layer.groups_meeting(envelope), columns):
            mask = _envelope_mask(table, envelope)
            for name, value in filters.items():
                mask &= pc.fill_null(pc.equal(table[name], value), False).to_numpy(zero_copy_only=False)
            if selection.interval:
                mask &= _interval_mask(table["source_timestamp"], selection.interval)
            for shape in (s for s in (box, area) if s is not None):
                idx = np.flatnonzero(mask)
                if len(idx):
                    geoms = shapely.from_wkb(table["geometry"].take(pa.array(idx)).to_numpy(zero_copy_only=False))
                    mask[idx] = shapely.intersects(shape, geoms)
            if cql is not None and mask.any():
                idx = np.flatnonzero(mask)
                mask[idx] = cql.mask(table.take(pa.array(idx)))
            if mask.any():
                yield table.filter(pa.array(mask))

    def page(self, klass: str, selection: Selection, offset: int, limit: int) -> tuple[pa.Table, int]:
        """Rows offset..offset+limit of the selection and the number matched in all."""
        pieces, matched = [], 0
        for table in self.matches(klass, selection):
            low, high = max(offset - matched, 0), min(offset + limit - matched, table.num_rows)
            if high > low:
                pieces.append(table.slice(low, high - low))
            matched += table.num_rows
        schema = self.layer(klass).schema
        page = pa.concat_tables(pieces) if pieces else schema.empty_table()
        return page, matched

    def feature(self, klass: str, feature_id: str) -> pa.Table:
        """The row of one feature by its id (n123, w123, r123); empty when absent."""
        osm_type = {v: k for k, v in OSM_TYPE_LETTER.items()}.get(feature_id[:1])
        if osm_type is None or not feature_id[1:].isdigit():
            return self.layer(klass).schema.empty_table()
        layer = self.layer(klass)
        for table in layer.read_groups(list(range(layer.metadata.num_row_groups))):
            mask = pc.and_(pc.equal(table["osm_id"], int(feature_id[1:])), pc.equal(table["osm_type"], osm_type))
            found = table.filter(mask)
            if found.num_rows:
                return found
        return layer.schema.empty_table()

    def column_types(self, klass: str) -> dict[str, pa.DataType]:
        """The arrow type of each column a filter may name (every column but bbox)."""
        return {f.name: f.type for f in self.layer(klass).schema if f.name != "bbox"}

    def _typed_filters(self, klass: str, properties: dict[str, str]) -> dict[str, object]:
        """Property filter values converted to their column's type; unknown names are an error."""
        schema = self.layer(klass).schema
        typed = {}
        for name, text in properties.items():
            if name in ("bbox", "geometry") or name not in schema.names:
                raise InvalidParameterError(f"unknown property {name!r} of class {klass}; "
                                            f"queryable: {', '.join(self.properties(klass))}")
            typed[name] = _typed(name, text, schema.field(name).type)
        return typed


def _typed(name: str, text: str, kind: pa.DataType) -> object:
    """A query-string value as a scalar of the column's type."""
    try:
        if pa.types.is_integer(kind):
            return pa.scalar(int(text), kind)
        if pa.types.is_floating(kind):
            return pa.scalar(float(text), kind)
        if pa.types.is_boolean(kind):
            return pa.scalar({"true": True, "false": False}[text.lower()])
        if pa.types.is_timestamp(kind):
            return pa.scalar(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), kind)
    except (ValueError, KeyError):
        raise InvalidParameterError(f"{name}={text!r} is not a valid {_json_type(kind)}") from None
    return pa.scalar(text, pa.string())


def _json_type(kind: pa.DataType) -> str:
    if pa.types.is_timestamp(kind):
        return "string"
    return TYPE_NAMES.get(str(kind), "string")


def _envelope_mask(table: pa.Table, envelope: tuple | None) -> np.ndarray:
    """Rows whose bbox meets `envelope`."""
    if envelope is None:
        return np.ones(table.num_rows, dtype=bool)
    bbox = table["bbox"].combine_chunks()
    xmin, ymin, xmax, ymax = (bbox.field(k).to_numpy() for k in ("xmin", "ymin", "xmax", "ymax"))
    return (xmin <= envelope[2]) & (xmax >= envelope[0]) & (ymin <= envelope[3]) & (ymax >= envelope[1])


def _interval_mask(column: pa.ChunkedArray, interval: tuple) -> np.ndarray:
    """Rows whose timestamp lies in the closed interval (open ends are None)."""
    millis = column.cast(pa.int64()).to_numpy(zero_copy_only=False)
    low, high = interval
    mask = np.ones(len(millis), dtype=bool)
    if low is not None:
        mask &= millis >= round(low.timestamp() * 1000)
    if high is not None:
        mask &= millis <= round(high.timestamp() * 1000)
    return mask


def feature_id(osm_type: str, osm_id: int) -> str:
    """A feature's id in the service and exports: n123, w123, r123."""
    return f"{OSM_TYPE_LETTER[osm_type]}{osm_id}"


def geojson_features(table: pa.Table) -> list[str]:
    """Each row as a GeoJSON Feature (JSON text): id, geometry, the attributes as properties."""
    if not table.num_rows:
        return []
    geometry = shapely.to_geojson(shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False)))
    columns = {name: table[name] for name in table.column_names if name not in ("bbox", "geometry")}
    if "source_timestamp" in columns:
        millis = columns["source_timestamp"].cast(pa.int64()).to_numpy(zero_copy_only=False)
        columns["source_timestamp"] = pa.array(np.char.add(np.datetime_as_string(
            millis.astype("datetime64[ms]").astype("datetime64[s]"), unit="s"), "Z"))
    ids = [OSM_TYPE_LETTER[t] + str(i) for t, i in zip(columns["osm_type"].to_pylist(),
                                                       columns["osm_id"].to_pylist(), strict=True)]
    rows = pa.table(columns).to_pylist()
    dumps = json.dumps
    return [f'{{"type":"Feature","id":"{fid}","geometry":{geom},"properties":{dumps(props, ensure_ascii=False)}}}'
            for fid, geom, props in zip(ids, geometry, rows, strict=True)]
