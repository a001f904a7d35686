"""GeoParquet 1.1 files: WKB geometry in EPSG:4326, a `bbox` covering column, small row groups in a
space-filling-curve order, so that an area query reads only the row groups whose bbox statistics meet it."""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 1024  # small groups: an AoI query decodes little beyond what it needs
BBOX_TYPE = pa.struct([("xmin", pa.float64()), ("ymin", pa.float64()), ("xmax", pa.float64()), ("ymax", pa.float64())])
SORT_BUDGET_BYTES = 512 * 1024 * 1024  # rows re-ordered per pass when writing the sorted file


def geo_metadata(geometry_types: list[str], bbox: list[float]) -> dict[bytes, bytes]:
    """The `geo` key of a GeoParquet 1.1 file (CRS omitted = OGC:CRS84 lon/lat) with its bbox covering."""
    column = {"encoding": "WKB", "geometry_types": sorted(set(geometry_types)), "bbox": bbox,
              "covering": {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}}}
    return {b"geo": json.dumps({"version": "1.1.0", "primary_column": "geometry",
                                "columns": {"geometry": column}}).encode()}


def bbox_array(bounds: np.ndarray) -> pa.StructArray:
    """The covering column from an (n, 4) array of xmin, ymin, xmax, ymax."""
    return pa.StructArray.from_arrays([pa.array(bounds[:, i], pa.float64()) for i in range(4)],
                                      fields=list(BBOX_TYPE))


def write_in_order(source: Path, target: Path, order: np.ndarray, metadata: dict[bytes, bytes],
                   row_group_rows: int = ROW_GROUP_ROWS) -> int:
    """Write the rows of the parquet file `source` at positions `order` (in that order) to `target`.

    Memory stays bounded: when the file is large the order is cut into slices re-read one pass each."""
    parquet = pq.ParquetFile(source)
    total = parquet.metadata.num_rows
    size = sum(parquet.metadata.row_group(i).total_byte_size for i in range(parquet.num_row_groups))
    passes = max(1, math.ceil(size / SORT_BUDGET_BYTES))
    schema = parquet.schema_arrow.with_metadata({**(parquet.schema_arrow.metadata or {}), **metadata})
    rank = np.empty(total, dtype=np.int64)
    rank[order] = np.arange(len(order))
    keep = np.zeros(total, dtype=bool)
    keep[order] = True
    step = math.ceil(len(order) / passes) if len(order) else 1
    with pq.ParquetWriter(target, schema, compression="lz4", write_statistics=True) as writer:
        for start in range(0, len(order), step):
            chunk = _rows_ranked(parquet, rank, keep, start, start + step)
            writer.write_table(chunk.replace_schema_metadata(schema.metadata), row_group_size=row_group_rows)
        if not len(order):
            writer.write_table(schema.empty_table())
    return len(order)


def write_table_in_order(table: pa.Table, target: Path, order: np.ndarray, metadata: dict[bytes, bytes],
                         row_group_rows: int = ROW_GROUP_ROWS) -> int:
    """Write the rows of an in-memory `table` at positions `order` (in that order) to `target`."""
    schema = table.schema.with_metadata({**(table.schema.metadata or {}), **metadata})
    rows = table.take(pa.array(order, pa.int64())).replace_schema_metadata(schema.metadata)
    with pq.ParquetWriter(target, schema, compression="lz4", write_statistics=True) as writer:
        writer.write_table(rows, row_group_size=row_group_rows)
    return len(order)


def _rows_ranked(parquet: pq.ParquetFile, rank: np.ndarray, keep: np.ndarray, low: int, high: int) -> pa.Table:
    """The rows whose rank in the output lies in [low, high), sorted by that rank (one pass over the file)."""
    pieces, ranks, offset = [], [], 0
    for batch in parquet.iter_batches(batch_size=65536):
        n = batch.num_rows
        r = rank[offset:offset + n]
        take = keep[offset:offset + n] & (r >= low) & (r < high)
        if take.any():
            pieces.append(batch.filter(pa.array(take)))
            ranks.append(r[take])
        offset += n
    if not pieces:
        return parquet.schema_arrow.empty_table()
    table = pa.Table.from_batches(pieces)
    return table.take(pa.array(np.argsort(np.concatenate(ranks), kind="stable")))


class RowGroupCache:
    """Decoded row groups kept in memory up to a byte budget, least recently used dropped first (thread-safe)."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.used = 0
        self._items: OrderedDict[tuple, pa.Table] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> pa.Table | None:
        with self._lock:
            table = self._items.get(key)
            if table is not None:
                self._items.move_to_end(key)
            return table

    def put(self, key: tuple, table: pa.Table) -> None:
        size = table.nbytes
        if size > self.budget:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = table
            self.used += size
            while self.used > self.budget:
                _, dropped = self._items.popitem(last=False)
                self.used -= dropped.nbytes


class GeoParquetLayer:
    """A read-only GeoParquet file with the bbox of each row group, for area-pruned reads; full row
    groups read are kept in `cache` when one is given (a long-running service)."""

    def __init__(self, path: Path, cache: RowGroupCache | None = None):
        self.path = Path(path)
        self.metadata = pq.read_metadata(self.path)
        self.schema = pq.read_schema(self.path)
        self.num_rows = self.metadata.num_rows
        self.row_group_bounds = self._row_group_bounds()
        self.cache = cache

    def _row_group_bounds(self) -> np.ndarray:
        """(n_groups, 4) xmin, ymin, xmax, ymax from the bbox columns' statistics."""
        names = [self.metadata.schema.column(i).path for i in range(self.metadata.num_columns)]
        index = [names.index(f"bbox.{k}") for k in ("xmin", "ymin", "xmax", "ymax")]
        out = np.empty((self.metadata.num_row_groups, 4))
        for g in range(self.metadata.num_row_groups):
            group = self.metadata.row_group(g)
            stats = [group.column(i).statistics for i in index]
            if any(s is None or not s.has_min_max for s in stats):
                out[g] = (-180, -90, 180, 90)
            else:
                out[g] = (stats[0].min, stats[1].min, stats[2].max, stats[3].max)
        return out

    def groups_meeting(self, bbox: tuple[float, float, float, float] | None) -> list[int]:
        """Row groups whose bbox intersects `bbox` (all of them when None)."""
        b = self.row_group_bounds
        if bbox is None:
            return list(range(len(b)))
        xmin, ymin, xmax, ymax = bbox
        hit = (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)
        return [int(g) for g in np.flatnonzero(hit)]

    def read_groups(self, groups: list[int], columns: list[str] | None = None) -> Iterator[pa.Table]:
        """The given row groups one table at a time (the file is opened once per call: thread-safe)."""
        parquet = None
        for g in groups:
            key = (str(self.path), g)
            table = self.cache.get(key) if self.cache is not None and columns is None else None
            if table is None:
                parquet = parquet or pq.ParquetFile(self.path, metadata=self.metadata, memory_map=True)
                table = parquet.read_row_group(g, columns=columns)
                if self.cache is not None and columns is None:
                    self.cache.put(key, table)
            yield table
