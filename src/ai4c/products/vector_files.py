"""Read vector files a map shows (GeoJSON, KML, GML, CSV with a WKT or lon/lat column) through GDAL
(pyogrio) into shapely geometries in longitude/latitude (CRS84) plus their attribute rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError, first_line
from ai4c.core.log import warn

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".gml": "GML", ".xml": "GML",
           ".csv": "CSV"}
_OPEN_OPTIONS = {
    "CSV": {"GEOM_POSSIBLE_NAMES": "wkt,WKT,geometry,geom,the_geom,Geometry", "KEEP_GEOM_COLUMNS": "NO",
            "X_POSSIBLE_NAMES": "lon,longitude,lng,x,X,Longitude", "Y_POSSIBLE_NAMES": "lat,latitude,y,Y,Latitude",
            "AUTODETECT_TYPE": "YES"},
    "GML": {"WRITE_GFS": "NO"},
}


@dataclass
class VectorTable:
    """Features of a file: geometries in CRS84 (x = longitude) and one attribute dict per feature."""

    geometries: np.ndarray
    properties: list[dict] = field(default_factory=list)
    skipped: int = 0
    source_crs: str | None = None

    def __len__(self) -> int:
        return len(self.geometries)


def vector_format(path: Path) -> str:
    """The GDAL driver for a file name's extension, or an error listing the known ones."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidParameterError(
            f"{path.name}: unknown vector file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return fmt


def read_vector_file(path: Path | str, crs: str | None = None) -> VectorTable:
    """All layers of a vector file, reprojected to CRS84. `crs` overrides a missing CRS (CSV files
    have none: their coordinates are taken as longitude/latitude unless `crs` says otherwise)."""
    from pyogrio.errors import DataLayerError, DataSourceError

    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such file")
    fmt = vector_format(path)
    try:
        layers = _layer_names(path, fmt)
    except (DataSourceError, DataLayerError, OSError) as err:
        raise InvalidProductError(f"{path.name}: not a readable {fmt} file ({first_line(err)})") from err
    tables = [_read_layer(path, fmt, layer, crs) for layer in layers]
    if not tables:
        raise InvalidProductError(f"{path.name}: the {fmt} file holds no layer")
    return VectorTable(np.concatenate([t.geometries for t in tables]),
                       [row for t in tables for row in t.properties], sum(t.skipped for t in tables),
                       tables[0].source_crs)


def _layer_names(path: Path, fmt: str) -> list[str]:
    """Layer names; GML is listed through a link in a scratch folder, where GDAL's .gfs guess is written."""
    import tempfile

    import pyogrio

    if fmt != "GML":
        return [name for name, _ in pyogrio.list_layers(path)]
    with tempfile.TemporaryDirectory(prefix="ai4c-gml-") as scratch:
        link = Path(scratch) / path.name
        link.symlink_to(path.resolve())
        return [name for name, _ in pyogrio.list_layers(link)]


def _read_layer(path: Path, fmt: str, layer: str, crs: str | None) -> VectorTable:
    """One layer: geometries from WKB, attributes as plain Python values, invalid rows counted."""
    import pyogrio.raw
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError

    try:
        meta, _, wkb, columns = pyogrio.raw.read(path, layer=layer, **_OPEN_OPTIONS.get(fmt, {}))
    except (DataSourceError, DataLayerError, FieldError, OSError) as err:
        raise InvalidProductError(f"{path.name}: not a readable {fmt} file ({first_line(err)})") from err
    if wkb is None:
        raise InvalidProductError(f"{path.name}: layer {layer!r} has no geometry column "
                                  "(CSV files need a WKT column named wkt/geometry or lon/lat columns)")
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    names = list(meta["fields"])
    rows = [{name: value for name, col in zip(names, columns, strict=True) if (value := _plain(col[i])) is not None}
            for i in np.flatnonzero(~bad)]
    geoms = geoms[~bad]
    source = crs or meta.get("crs") or "OGC:CRS84"
    geoms = _to_lonlat(geoms, source)
    if bad.any():
        warn(f"{path.name}: {int(bad.sum())} features without a readable geometry skipped")
    return VectorTable(geoms, rows, int(bad.sum()), source)


def _to_lonlat(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Geometries reprojected from `crs` to longitude/latitude (always_xy: x = east in both)."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(crs)
    except CRSError as err:
        raise InvalidParameterError(f"unknown CRS {crs!r}; give an EPSG code such as EPSG:32634") from err
    target = CRS.from_string("OGC:CRS84")
    if source == target or source.equals(target, ignore_axis_order=True):
        return geoms
    transformer = Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _plain(value):
    """A JSON-friendly Python value of one attribute cell."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
