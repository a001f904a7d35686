"""What a browser receives for a layer: GeoJSON for small layers; for large ones a compact,
column-oriented payload (coordinates rounded to ~1 m, polygons and lines simplified, attributes as
columns) that the map draws on one canvas, so 100 k features travel as a few MB, never 100 MB of GeoJSON."""

from __future__ import annotations

import math

import numpy as np
import shapely

from ai4c.linked.viewer.features import FeatureTable, bounds

GEOJSON_LIMIT = 3000
DECIMALS = 5
MAX_TABLE_ROWS = 500


def layer_payload(table: FeatureTable, *, geojson_limit: int = GEOJSON_LIMIT) -> dict:
    """The browser payload of a feature table: GeoJSON when small, compact columns when large."""
    common = {"count": len(table), "skipped": table.skipped, "bounds": bounds(table),
              "time": _time_range(table)}
    if len(table) <= geojson_limit:
        return {"mode": "geojson", **common, "data": to_geojson(table)}
    return {"mode": "compact", **common, **compact(table)}


def _time_range(table: FeatureTable) -> list[float] | None:
    if not table.has_time:
        return None
    return [float(np.nanmin(table.t0)), float(np.nanmax(table.t1))]


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def to_geojson(table: FeatureTable) -> dict:
    """A FeatureCollection; each feature carries its index `_i` and valid time `_t0`/`_t1` (ms)."""
    geometries = shapely.to_geojson(shapely.set_precision(table.geometries, 10 ** -DECIMALS, mode="pointwise"))
    import json

    features = []
    for i, (text, props) in enumerate(zip(geometries, table.properties, strict=True)):
        extra = {"_i": i, "_t0": _finite(table.t0[i]), "_t1": _finite(table.t1[i])}
        features.append({"type": "Feature", "geometry": json.loads(text), "properties": {**props, **extra}})
    return {"type": "FeatureCollection", "features": features}


def _tolerance(table: FeatureTable) -> float:
    """Simplification tolerance in degrees: ~1/20000 of the layer's extent, at least ~1 m."""
    west, south, east, north = bounds(table) or (0, 0, 0, 0)
    return max(1e-5, max(east - west, north - south) / 20_000)


def compact(table: FeatureTable) -> dict:
    """Points as one flat [lon, lat, ...] array; lines and polygons as flat coordinates with part and
    ring offsets; attributes and times as columns, in feature order."""
    geoms = table.geometries
    kinds = shapely.get_type_id(geoms)
    is_point = (kinds == 0) | (kinds == 4)  # points and multipoints: one dot per point
    points, owner = shapely.get_coordinates(geoms[is_point], return_index=True)
    others = np.flatnonzero(~is_point)
    simplified = shapely.simplify(geoms[others], _tolerance(table), preserve_topology=True)
    shapes = _flatten(simplified)
    columns = sorted({k for row in table.properties for k in row})
    return {
        "points": {"index": np.flatnonzero(is_point)[owner].tolist(), "xy": _round(points.ravel())},
        "shapes": {"index": others.tolist(), **shapes},
        "columns": {name: [row.get(name) for row in table.properties] for name in columns},
        "t0": [_finite(v) for v in table.t0] if table.has_time else None,
        "t1": [_finite(v) for v in table.t1] if table.has_time else None,
    }


def _round(values: np.ndarray) -> list[float]:
    return np.round(values, DECIMALS).tolist()


def _flatten(geoms: np.ndarray) -> dict:
    """Flat coordinates of lines/polygons: `rings[k]` = start of ring k in `xy` (pairs), `parts[j]` =
    first ring of shape j, `filled[j]` = whether shape j is polygonal; multi-geometries become one shape
    with several rings (polygon holes are rings too, drawn with the even-odd rule). Vectorised with
    shapely: parts, then polygon rings, then coordinates, in shape order."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    kinds = shapely.get_type_id(parts)
    polygonal = kinds == 3
    rings, ring_part = shapely.get_rings(parts[polygonal], return_index=True)
    lines = np.isin(kinds, (1, 2))
    pieces = np.concatenate([rings, parts[lines]])
    piece_shape = np.concatenate([owner[polygonal][ring_part], owner[lines]])
    order = np.argsort(piece_shape, kind="stable")
    pieces, piece_shape = pieces[order], piece_shape[order]
    coords, which = shapely.get_coordinates(pieces, return_index=True)
    starts = np.concatenate([[0], np.cumsum(np.bincount(which, minlength=len(pieces)))])
    first_ring = np.searchsorted(piece_shape, np.arange(len(geoms) + 1))
    filled = np.isin(shapely.get_type_id(geoms), (3, 6)).astype(int)
    return {"xy": _round(coords.ravel()), "rings": starts.tolist(), "parts": first_ring.tolist(),
            "filled": filled.tolist()}


def result_table(results: dict, limit: int = MAX_TABLE_ROWS) -> dict:
    """The first `limit` rows of SPARQL JSON results as a plain table for the page."""
    variables = list(results.get("head", {}).get("vars", []))
    bindings = results.get("results", {}).get("bindings", [])
    rows = [[row[v]["value"] if v in row else None for v in variables] for row in bindings[:limit]]
    return {"columns": variables, "rows": rows, "total": len(bindings)}
