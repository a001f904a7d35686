"""Vector outputs (GeoParquet, GeoJSON, GeoPackage, FlatGeobuf, CSV with WKT) written atomically."""

from __future__ import annotations

from pathlib import Path

from ai4c.core.errors import InvalidParameterError
from ai4c.core.io import atomic_path

VECTOR_FORMATS = {"geoparquet": ".parquet", "geojson": ".geojson", "gpkg": ".gpkg", "geopackage": ".gpkg",
                  "flatgeobuf": ".fgb", "csv": ".csv"}
_BY_SUFFIX = {".parquet": "geoparquet", ".geoparquet": "geoparquet", ".geojson": "geojson", ".json": "geojson",
              ".gpkg": "gpkg", ".fgb": "flatgeobuf", ".csv": "csv"}


def vector_format(path: Path | str, fmt: str | None = None) -> str:
    """The output format named by `fmt`, or by the file suffix when `fmt` is None."""
    if fmt:
        key = fmt.lower()
        if key not in VECTOR_FORMATS:
            raise InvalidParameterError(f"format {fmt!r} unknown; use one of: GeoParquet, GeoJSON, GPKG, "
                                        "FlatGeobuf, CSV")
        return key
    suffix = Path(path).suffix.lower()
    if suffix not in _BY_SUFFIX:
        raise InvalidParameterError(f"cannot tell the format of {path} from its suffix; use .parquet, .geojson, "
                                    ".gpkg, .fgb or .csv (or give --format)")
    return _BY_SUFFIX[suffix]


def write_vector(frame, path: Path | str, fmt: str | None = None) -> Path:
    """Write a GeoDataFrame atomically in the chosen format (CSV: geometry as a WKT column)."""
    path = Path(path)
    kind = vector_format(path, fmt)
    with atomic_path(path) as tmp:
        if kind == "geoparquet":
            frame.to_parquet(tmp, index=False)
        elif kind == "csv":
            table = frame.drop(columns=frame.geometry.name).assign(wkt=frame.geometry.to_wkt())
            table.to_csv(tmp, index=False)
        else:
            driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "geopackage": "GPKG", "flatgeobuf": "FlatGeobuf"}[kind]
            frame.to_file(tmp, driver=driver, engine="pyogrio")
    return path
