"""A STAC Item JSON beside every product: footprint, time, inputs, parameters, software version."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ai4c import __version__
from ai4c.core.outputs import write_text_atomic


def item_path_for(product: Path | str) -> Path:
    """Where the STAC Item of a product goes: `<product name>.stac.json` in the same folder."""
    product = Path(product)
    return product.with_name(product.name + ".stac.json")


def raster_geometry(da: Any) -> tuple[dict, list[float], dict]:
    """GeoJSON footprint (lon/lat), bbox and projection fields of a georeferenced DataArray."""
    return grid_geometry(da.rio.crs, da.rio.transform(recalc=True), int(da.shape[-2]), int(da.shape[-1]))


def grid_geometry(crs: Any, transform: Any, height: int, width: int) -> tuple[dict, list[float], dict]:
    """GeoJSON footprint (lon/lat), bbox and projection fields of a north-up raster grid."""
    from pyproj import CRS
    from rasterio.warp import transform_bounds
    from shapely.geometry import box, mapping

    crs = CRS.from_user_input(crs)
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * width, top + transform.e * height
    left, right, bottom, top = min(left, right), max(left, right), min(bottom, top), max(bottom, top)
    west, south, east, north = transform_bounds(crs, "EPSG:4326", left, bottom, right, top, densify_pts=21)
    proj = {
        "proj:code": f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else None,
        "proj:wkt2": crs.to_wkt(),
        "proj:shape": [int(height), int(width)],
        "proj:transform": list(transform)[:6],
        "proj:bbox": [left, bottom, right, top],
    }
    return mapping(box(west, south, east, north)), [west, south, east, north], proj


def write_item(product: Path | str, *, item_id: str | None = None, geometry: dict | None = None,
               bbox: list[float] | None = None, datetime: dt.datetime | None = None,
               inputs: list[str] | None = None, parameters: dict | None = None,
               properties: dict | None = None, warnings: list[str] | None = None,
               assets: dict[str, dict] | None = None, raster: Any = None, grid: Any = None,
               bands: list[str] | None = None) -> Path:
    """Write the STAC Item (pystac) of `product`; `raster` (a DataArray), or `grid` (a core.grid.Grid) and
    `bands`, fill the footprint and proj fields."""
    import pystac

    product = Path(product)
    props: dict[str, Any] = {}
    if raster is not None:
        geometry, bbox, proj = raster_geometry(raster)
        props.update({k: v for k, v in proj.items() if v is not None})
        props["ai4c:bands"] = [str(b) for b in (raster.coords["band"].values if "band" in raster.coords else [])]
    elif grid is not None:
        geometry, bbox, proj = grid_geometry(grid.crs, grid.transform, grid.height, grid.width)
        props.update({k: v for k, v in proj.items() if v is not None})
        props["ai4c:bands"] = [str(b) for b in bands or []]
    props.update({
        "processing:software": {"ai4c": __version__},
        "ai4c:inputs": [str(p) for p in (inputs or [])],
        "ai4c:parameters": _jsonable(parameters or {}),
        "ai4c:warnings": list(warnings or []),
    })
    props.update(_jsonable(properties or {}))
    when = datetime or dt.datetime.now(dt.UTC)
    item = pystac.Item(id=item_id or product.stem, geometry=geometry, bbox=bbox, datetime=when,
                       properties=props)
    item.add_asset("data", pystac.Asset(href=product.name, roles=["data"]))
    for key, asset in (assets or {}).items():
        item.add_asset(key, pystac.Asset(**asset))
    path = item_path_for(product)
    write_text_atomic(path, json.dumps(item.to_dict(include_self_link=False), indent=2))
    return path


def _jsonable(value: Any) -> Any:
    """Convert parameters (paths, numpy scalars, tuples) into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)
