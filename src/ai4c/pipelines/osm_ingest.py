"""`ai4c osm ingest`: OSM extracts -> the feature model's classes -> a GeoParquet feature store.

Extract (pyosmium stream), cleanse (repair, reject with a reason, de-duplicate), transform (typed
attributes), load (one Hilbert-sorted GeoParquet per class); the store appears in one rename at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
import yaml

from ai4c.core import log
from ai4c.core.errors import InputNotFoundError, first_line
from ai4c.features.cleanse import IngestReport, assemble, duplicate_mask, hilbert_key, repair
from ai4c.features.model import (
    FeatureClass,
    FeatureModel,
    ModelError,
    attribute_values,
    geometry_kind,
    model_from_dict,
)
from ai4c.products.feature_store import STORE_FILE, class_schema, store_transaction
from ai4c.products.geoparquet import bbox_array, geo_metadata, write_in_order, write_table_in_order
from ai4c.products.osm import ReadStats, osm_inputs, read_osm

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "features" / "security.yaml"
BATCH_ROWS = 5000  # rows queued per class before cleansing: 20000 held 25 MB more for no speed
HELD_BYTES = 32 * 2**20  # a class's cleansed rows are sorted in memory up to this size, else through a file
GEOPARQUET_TYPES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
                    6: "MultiPolygon", 7: "GeometryCollection"}


def load_model(path: Path | str | None = None) -> tuple[FeatureModel, str]:
    """The feature model of `path` (default: the shipped security model) and its YAML text."""
    path = Path(path) if path else DEFAULT_MODEL
    if not path.is_file():
        raise InputNotFoundError(f"feature model {path} does not exist; give a YAML file (see docs/osm-features.md)")
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ModelError(f"feature model {path} is not valid YAML ({first_line(err)})") from err
    return model_from_dict(document), text


@dataclass
class ClassSink:
    """Rows of one class gathered in batches, cleansed, and held in memory (appended to an unsorted parquet
    file once they pass HELD_BYTES)."""

    spec: FeatureClass
    folder: Path
    report: IngestReport
    aoi: object = None
    pending: list[tuple] = field(default_factory=list)
    held: list[pa.Table] = field(default_factory=list)
    count: int = 0
    kinds: set[str] = field(default_factory=set)
    _writer: pq.ParquetWriter | None = None

    def __post_init__(self) -> None:
        self.schema = class_schema([(a.name, a.type) for a in self.spec.attributes])
        self.path = self.folder / f".{self.spec.name}.unsorted.parquet"

    def add(self, obj, kind: str, attributes: dict[str, object]) -> None:
        """Queue one object of this class with its geometry kind and attribute values."""
        self.pending.append((obj, kind == "polygon" and obj.osm_type == "way", attributes))
        if len(self.pending) >= BATCH_ROWS:
            self.flush()

    def _columns(self) -> dict[str, list]:
        """The queued rows as columns (one comprehension per column: cheaper than appends per row)."""
        objs = [o for o, _, _ in self.pending]
        rows = {"osm_id": [o.osm_id for o in objs], "osm_type": [o.osm_type for o in objs],
                "class": [self.spec.name] * len(objs), "name": [o.tags.get("name") for o in objs],
                "name_en": [o.tags.get("name:en") for o in objs],
                "source_timestamp": [o.timestamp * 1000 for o in objs], "geometry": [o.wkb for o in objs],
                "polygon": [p for _, p, _ in self.pending]}
        for attr in self.spec.attributes:
            rows[attr.name] = [a.get(attr.name) for _, _, a in self.pending]
        return rows

    def flush(self) -> None:
        """Cleanse the queued rows and append them to the unsorted file."""
        if not self.pending:
            return
        rows = self._columns()
        geoms = assemble(rows["geometry"], np.asarray(rows.pop("polygon"), dtype=bool))
        geoms, repaired, dropped = repair(geoms)
        keep = ~dropped
        self.report.repaired[self.spec.name] += int(repaired.sum())
        self.report.reject("unrepairable_geometry", self.spec.name, int(dropped.sum()))
        if self.aoi is not None:
            inside = shapely.intersects(self.aoi, geoms)
            self.report.reject("outside_aoi", self.spec.name, int((keep & ~inside).sum()))
            keep &= inside
        table = self._table(rows, geoms, keep)
        self.held.append(table)
        if sum(t.nbytes for t in self.held) > HELD_BYTES:
            self._spill()
        self.kinds.update(shapely.get_type_id(geoms[keep]).tolist())
        self.count += table.num_rows
        self.pending = []

    def _spill(self) -> None:
        """Append the tables held in memory to the unsorted file (a class too big to sort in memory)."""
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="lz4")
        for table in self.held:
            self._writer.write_table(table)
        self.held = []

    def _table(self, rows: dict[str, list], geoms: np.ndarray, keep: np.ndarray) -> pa.Table:
        every = bool(keep.all())
        index = np.flatnonzero(keep)
        kept = geoms if every else geoms[index]
        columns = {}
        for f in self.schema:
            if f.name == "bbox":
                columns["bbox"] = bbox_array(shapely.bounds(kept))
            elif f.name == "geometry":
                columns["geometry"] = pa.array(shapely.to_wkb(kept), pa.binary())
            else:
                values = pa.array(rows[f.name], f.type if f.name != "source_timestamp" else pa.int64())
                columns[f.name] = (values if every else values.take(pa.array(index))).cast(f.type)
        return pa.table(columns, schema=self.schema)

    def finish(self, target: Path) -> dict:
        """De-duplicate, sort along the Hilbert curve, write `target`; returns the class's description."""
        self.flush()
        in_memory = self._writer is None
        if in_memory:
            keys = pa.concat_tables(self.held) if self.held else self.schema.empty_table()
        else:
            self._spill()
            self._writer.close()
            keys = pq.read_table(self.path, columns=["osm_type", "osm_id", "source_timestamp", "bbox"])
        osm_type = keys["osm_type"].to_numpy(zero_copy_only=False).astype(str)
        osm_id = keys["osm_id"].to_numpy()
        stamps = keys["source_timestamp"].cast(pa.int64()).to_numpy()
        bounds = np.column_stack([keys["bbox"].combine_chunks().field(k).to_numpy()
                                  for k in ("xmin", "ymin", "xmax", "ymax")]) if len(osm_id) else np.empty((0, 4))
        duplicate = duplicate_mask(osm_type, osm_id, stamps)
        self.report.reject("duplicate", self.spec.name, int(duplicate.sum()))
        key = hilbert_key((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
        order = np.argsort(key, kind="stable")
        order = order[~duplicate[order]]
        extent = [float(bounds[order, 0].min()), float(bounds[order, 1].min()),
                  float(bounds[order, 2].max()), float(bounds[order, 3].max())] if len(order) else None
        types = [GEOPARQUET_TYPES[int(t)] for t in self.kinds]
        metadata = geo_metadata(types, extent or [])
        if in_memory:
            written = write_table_in_order(keys, target, order, metadata)
            self.held = []
        else:
            written = write_in_order(self.path, target, order, metadata)
            self.path.unlink()
        self.report.features[self.spec.name] = written
        times = stamps[order] if len(order) else np.zeros(0, dtype=np.int64)
        return {"description": self.spec.description, "count": written, "bbox": extent,
                "interval": [_iso(times.min()), _iso(times.max())] if len(times) else [None, None],
                "geometry_types": sorted(types), "attributes": {a.name: a.type for a in self.spec.attributes}}


def _iso(millis: int) -> str:
    return dt.datetime.fromtimestamp(int(millis) / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ingest(source: Path | str, store: Path | str, model_path: Path | str | None = None,
           aoi: str | None = None) -> IngestReport:
    """Ingest one extract or a folder of extracts into a new feature store at `store` (replaced atomically)."""
    started = time.perf_counter()
    model, model_text = load_model(model_path)
    files = osm_inputs(source)
    area_4326 = _aoi_lonlat(aoi)
    if area_4326 is not None:
        shapely.prepare(area_4326)
    report = IngestReport(inputs=[str(p) for p in files])
    with store_transaction(Path(store)) as scratch:
        sinks = {name: ClassSink(spec, scratch, report, area_4326) for name, spec in model.classes.items()}
        for path in files:
            _read_into(path, model, sinks, report)
        classes = {name: sink.finish(scratch / f"{name}.parquet") for name, sink in sinks.items()}
        report.seconds = time.perf_counter() - started
        description = {"model": model.name, "created": _iso(time.time() * 1000), "inputs": report.inputs,
                       "aoi": area_4326.wkt if area_4326 is not None else None, "classes": classes}
        (scratch / STORE_FILE).write_text(json.dumps(description, indent=1))
        (scratch / "model.yaml").write_text(model_text, encoding="utf-8")
        (scratch / "report.json").write_text(json.dumps(report.to_dict(), indent=1))
    return report


def _aoi_lonlat(aoi: str | None):
    """The AoI in lon/lat, None without one (pyproj, ~20 MB, is imported only then)."""
    if aoi is None:
        return None
    from ai4c.core.aoi import WGS84, parse_aoi

    area = parse_aoi(aoi)
    return area.to_crs(WGS84) if area is not None else None


def _read_into(path: Path, model: FeatureModel, sinks: dict[str, ClassSink], report: IngestReport) -> None:
    """Stream one extract into the class sinks, counting what cannot be kept."""
    stats = ReadStats()
    candidates: dict[int, list[str]] = {}
    assembled: set[int] = set()
    def unparsable(attribute: str) -> None:
        report.unparsable[attribute] += 1

    for obj in read_osm(path, model.keys_by_type(), model.classify, stats, _tag_fields(model)):
        classes = obj.selected
        if obj.osm_type == "relation" and obj.wkb is None:
            _note_relation(obj, classes, candidates, report)
            continue
        if obj.osm_type == "relation":
            assembled.add(obj.osm_id)
        for spec in classes:
            kind, reason = geometry_kind(spec, obj.osm_type, obj.closed, obj.tags)
            if kind is None:
                report.reject(reason, spec.name)
                continue
            sinks[spec.name].add(obj, kind, attribute_values(spec, obj.tags, unparsable))
    for relation, names in candidates.items():
        if relation not in assembled:
            for name in names:
                report.reject("broken_multipolygon", name)
    report.objects_read += stats.objects
    report.reject("missing_node_locations", "*", stats.missing_locations)
    report.reject("degenerate_way", "*", stats.degenerate)
    if stats.missing_locations:
        log.warn(f"{path.name}: {stats.missing_locations} objects skipped: nodes missing from the extract")


def _tag_fields(model: FeatureModel):
    """For a list of classes, the tags the ingest reads: names, area, type and the classes' attribute tags."""
    common = ("name", "name:en", "area", "type")
    cache: dict[tuple[FeatureClass, ...], tuple[str, ...]] = {}

    def fields(classes: list[FeatureClass]) -> tuple[str, ...]:
        key = tuple(classes)  # classes hash by identity: no names to gather per object
        found = cache.get(key)
        if found is None:
            found = cache[key] = tuple(dict.fromkeys(common + tuple(a.tag for c in key for a in c.attributes)))
        return found

    return fields


def _note_relation(obj, classes: list[FeatureClass], candidates: dict[int, list[str]], report: IngestReport) -> None:
    """Remember multipolygon relations of polygon classes (to count those that fail to assemble)."""
    if obj.tags.get("type") in ("multipolygon", "boundary"):
        names = [c.name for c in classes if "polygon" in c.geometry]
        if names:
            candidates[obj.osm_id] = names
    else:
        for c in classes:
            report.reject("relation_not_area", c.name)
