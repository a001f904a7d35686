"""Cloud masks of Sentinel-2: L2A from the scene classification, L1C from MSK_CLASSI or the GML polygons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from lxml import etree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ai4c.core.errors import InvalidProductError
from ai4c.core.grid import Grid

SCL_CLOUD_CLASSES = (3, 8, 9, 10)  # cloud shadow, cloud medium / high probability, thin cirrus
SCL_NODATA = 0
GML_CLOUD_TYPES = ("OPAQUE", "CIRRUS")

if TYPE_CHECKING:
    import xarray as xr


def scl_cloud_mask(scl: xr.DataArray) -> xr.DataArray:
    """True where the SCL class is cloud shadow (3), medium/high probability cloud (8, 9) or thin cirrus (10)."""
    return scl.isin(SCL_CLOUD_CLASSES).rename("cloud")


def classi_cloud_mask(opaque: xr.DataArray, cirrus: xr.DataArray) -> xr.DataArray:
    """True where MSK_CLASSI flags opaque clouds or cirrus (bands 1 and 2 of MSK_CLASSI_B00)."""
    return ((opaque > 0) | (cirrus > 0)).rename("cloud")


def gml_polygons(data: bytes, types: tuple[str, ...] = GML_CLOUD_TYPES) -> list[BaseGeometry]:
    """Polygons of a MSK_*.gml file whose maskType is in `types` (coordinates in the tile's CRS)."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise InvalidProductError(f"mask GML is not valid XML ({exc}); the product is damaged") from exc
    wanted = {t.upper() for t in types}
    polygons: list[BaseGeometry] = []
    for feature in root.iter("{*}MaskFeature"):
        kind = feature.find("{*}maskType")
        if kind is None or (kind.text or "").strip().upper() not in wanted:
            continue
        for poly in feature.iter("{*}Polygon"):
            rings = [_ring(el) for el in poly.iter("{*}posList")]
            rings = [r for r in rings if len(r) >= 3]
            if rings:
                polygons.append(Polygon(rings[0], rings[1:]))
    return polygons


def _ring(pos_list) -> list[tuple[float, float]]:
    values = [float(v) for v in (pos_list.text or "").split()]
    dim = int(pos_list.get("srsDimension", "2"))
    return [(values[i], values[i + 1]) for i in range(0, len(values) - dim + 1, dim)]


def rasterize_polygons(polygons: list[BaseGeometry], grid: Grid, block: int = 1024) -> xr.DataArray:
    """A lazy bool (y, x) mask on `grid`: True where a pixel centre lies in a polygon."""
    import dask
    import dask.array as da

    from ai4c.core.lazyraster import georeferenced
    from ai4c.core.warp import block_grid, block_slices

    rows = []
    for row in block_slices(grid, block):
        cols = []
        for r, c in row:
            sub = block_grid(grid, r, c)
            task = dask.delayed(burn_polygons, pure=True)(polygons, sub)
            cols.append(da.from_delayed(task, (sub.height, sub.width), dtype=bool))
        rows.append(cols)
    return georeferenced(da.block(rows), grid.transform, grid.crs, name="cloud")


def burn_polygons(polygons: list[BaseGeometry], sub: Grid) -> np.ndarray:
    """A bool (y, x) array on `sub`: True where a pixel centre lies in a polygon."""
    from rasterio.features import rasterize

    if not polygons:
        return np.zeros((sub.height, sub.width), bool)
    burnt = rasterize([(p, 1) for p in polygons], out_shape=(sub.height, sub.width), transform=sub.transform,
                      fill=0, dtype="uint8")
    return burnt.astype(bool)
