"""`ai4c osm export`: the features of some classes inside an AoI, from a feature store to a file.

The selection is the service's (`FeatureStore.matches`); the file is written atomically. `ntriples`
goes through the project's GeoTriples mapping: GeoSPARQL RDF ready for `ai4c store load`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ai4c.core.aoi import WGS84, parse_aoi
from ai4c.core.errors import check_choice
from ai4c.core.io import atomic_path
from ai4c.features.cql2 import compile_filter, parse_cql2
from ai4c.pipelines.osm_params import EXPORT_FORMATS
from ai4c.products.feature_store import FeatureStore, Selection, geojson_features
from ai4c.products.geoparquet import geo_metadata

FORMATS = EXPORT_FORMATS
OGR_DRIVERS = {"GeoPackage": ("GPKG", ".gpkg"), "FlatGeobuf": ("FlatGeobuf", ".fgb")}
BASE_IRI = "https://ai4c.eu/osm/"
Selections = dict[str, Selection]  # per class: a filter is compiled against each class's own columns


def export(store: Path | str, classes: list[str], output: Path | str, fmt: str = "GeoJSON",
           aoi: str | None = None, cql: str | None = None) -> int:
    """Write the selected features of `classes` to `output` in `fmt` (inside `aoi`, where the CQL2 text
    filter `cql` holds); returns the number of features."""
    fmt = check_choice("--format", fmt, FORMATS)
    features = FeatureStore(store)
    features.check_classes(classes)
    area = parse_aoi(aoi)
    geometry = area.to_crs(WGS84) if area is not None else None
    selections = _selections(features, classes, geometry, parse_cql2(cql) if cql is not None else None)
    with atomic_path(output) as tmp:
        if fmt == "GeoJSON":
            return _write_geojson(features, classes, selections, tmp)
        if fmt == "GeoParquet":
            return _write_geoparquet(features, classes, selections, tmp)
        if fmt == "ntriples":
            return _write_ntriples(features, classes, selections, tmp)
        driver, suffix = OGR_DRIVERS[fmt]
        named = tmp.with_name("features" + suffix)  # GDAL picks layouts by the file's extension
        count = _write_ogr(features, classes, selections, named, driver)
        os.replace(named, tmp)
        return count


def _selections(features: FeatureStore, classes: list[str], geometry, expression) -> Selections:
    """Each class's selection: the AoI, and the filter compiled against its columns (all checked up front)."""
    return {klass: Selection(geometry=geometry, filter=compile_filter(expression, features.column_types(klass))
                             if expression is not None else None) for klass in classes}


def _tables(features: FeatureStore, classes: list[str], selections: Selections) -> Iterator[tuple[str, pa.Table]]:
    for klass in classes:
        for table in features.matches(klass, selections[klass]):
            yield klass, table.drop_columns(["bbox"])


def union_schema(features: FeatureStore, classes: list[str]) -> pa.Schema:
    """One schema holding every column of the classes (for single-layer formats)."""
    schema = pa.unify_schemas([features.layer(k).schema.remove_metadata() for k in classes])
    return schema.remove(schema.get_field_index("bbox"))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with the columns of `schema` (absent ones null), in its order."""
    columns = [table[f.name] if f.name in table.column_names else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.table(columns, schema=schema)


def _write_geojson(features: FeatureStore, classes: list[str], selections: Selections, path: Path) -> int:
    """An RFC 7946 FeatureCollection, streamed."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        for _, table in _tables(features, classes, selections):
            for text in geojson_features(table):
                out.write(("," if count else "") + text + "\n")
                count += 1
        out.write("]}\n")
    return count


def _write_geoparquet(features: FeatureStore, classes: list[str], selections: Selections, path: Path) -> int:
    types = sorted({t for k in classes for t in features.classes[k]["geometry_types"]})
    meta = json.loads(geo_metadata(types, [])[b"geo"])
    meta["columns"]["geometry"].pop("covering")
    meta["columns"]["geometry"].pop("bbox")
    schema = union_schema(features, classes).with_metadata({b"geo": json.dumps(meta).encode()})
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for _, table in _tables(features, classes, selections):
            writer.write_table(_conform(table, schema))
            count += table.num_rows
    return count


def _write_ogr(features: FeatureStore, classes: list[str], selections: Selections, path: Path, driver: str) -> int:
    """GeoPackage: a layer per class; FlatGeobuf: one layer with the union of the attributes."""
    import pyogrio

    per_class = driver == "GPKG"
    schema = union_schema(features, classes)
    count, started = 0, set()
    for klass in classes:
        layer = klass if per_class else "features"
        empty = features.layer(klass).schema.empty_table().drop_columns(["bbox"])
        pieces = [t for _, t in _tables(features, [klass], selections)] or ([empty] if per_class else [])
        for table in pieces:
            table = table if per_class else _conform(table, schema)
            pyogrio.write_arrow(table, path, layer=layer, driver=driver, geometry_name="geometry",
                                geometry_type="Unknown", crs="EPSG:4326", append=layer in started)
            started.add(layer)
            count += table.num_rows
    if not started:
        pyogrio.write_arrow(_conform(pa.table({}), schema), path, layer="features", driver=driver,
                            geometry_name="geometry", geometry_type="Unknown", crs="EPSG:4326")
    return count


def _write_ntriples(features: FeatureStore, classes: list[str], selections: Selections, path: Path) -> int:
    """GeoSPARQL N-Triples through a GeoTriples mapping generated per class."""
    from ai4c.linked.mapping import dump_rdf
    from ai4c.linked.mapping.generate import generate_mapping

    scratch = Path(tempfile.mkdtemp(prefix="ai4c-osm-rdf-"))
    count = 0
    try:
        with open(path, "wb") as out:
            for klass in classes:
                layer = scratch / f"{klass}.gpkg"
                if _write_ogr(features, [klass], selections, layer, "GPKG") == 0:
                    continue
                mapping = _osm_iris(generate_mapping(layer, scratch / f"{klass}.ttl", base_iri=BASE_IRI, rml=True),
                                    klass)
                count += dump_rdf(mapping, scratch / f"{klass}.nt", "ntriples")
                with open(scratch / f"{klass}.nt", "rb") as part:
                    shutil.copyfileobj(part, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return count


def _osm_iris(mapping: Path, klass: str) -> Path:
    """Name features by their OSM identity (…/way/123), not by row number, so classes share a feature's IRI."""
    text = mapping.read_text(encoding="utf-8")
    text = text.replace(f"{BASE_IRI}{klass}/id/{{GeoTriplesID}}", f"{BASE_IRI}{{osm_type}}/{{osm_id}}")
    text = text.replace(f"{BASE_IRI}{klass}/geometry/{{GeoTriplesID}}", f"{BASE_IRI}{{osm_type}}/{{osm_id}}/geometry")
    mapping.write_text(text, encoding="utf-8")
    return mapping
