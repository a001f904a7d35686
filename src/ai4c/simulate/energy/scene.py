"""A simulated Sentinel-1 sigma0 scene at sea (as S1-GRD-preprocess writes it) with wind farms whose
turbines are bright point targets: the truth is the farm polygons and turbine positions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box

SEA_DB = {"VV": -18.0, "VH": -25.0}
TURBINE_GAIN_DB = 14.0


def farm_square(lon: float, lat: float, capacity_mw: float, density_mw_km2: float = 6.0) -> Polygon:
    """A square farm area (lon/lat) centred on a plant point, sized by capacity at an offshore density."""
    side_km = float(np.sqrt(max(capacity_mw, 10.0) / density_mw_km2))
    half_lat = side_km / 2 / 111.32
    half_lon = half_lat / np.cos(np.radians(lat))
    return box(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def simulate_offshore_scene(path: Path, bounds: tuple[float, float, float, float], farms: list[Polygon], *,
                            crs: str = "EPSG:32632", resolution: float = 40.0, spacing: float = 900.0,
                            seed: int = 0) -> list[tuple[float, float]]:
    """Write a 2-band (VV, VH) linear sigma0 GeoTIFF over a lon/lat box with sea clutter (gamma speckle, 4
    looks) and a turbine every `spacing` m inside each farm; return the turbine positions (x, y in `crs`)."""
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = to_map.transform([bounds[0], bounds[2], bounds[0], bounds[2]], [bounds[1], bounds[1], bounds[3],
                                                                              bounds[3]])
    west, east = np.floor(min(xs) / resolution) * resolution, np.ceil(max(xs) / resolution) * resolution
    south, north = np.floor(min(ys) / resolution) * resolution, np.ceil(max(ys) / resolution) * resolution
    width, height = int((east - west) / resolution), int((north - south) / resolution)
    transform = rasterio.transform.from_origin(west, north, resolution, resolution)
    rng = np.random.default_rng(seed)
    turbines = []
    for farm in farms:
        projected = shapely.transform(farm, lambda xy: np.column_stack(to_map.transform(xy[:, 0], xy[:, 1])))
        minx, miny, maxx, maxy = projected.bounds
        grid = [(x, y) for x in np.arange(minx + spacing / 2, maxx, spacing)
                for y in np.arange(miny + spacing / 2, maxy, spacing)]
        turbines += [p for p in grid if projected.contains(shapely.Point(p))]
    bands = []
    for pol in ("VV", "VH"):
        sea = 10 ** (SEA_DB[pol] / 10) * rng.gamma(4.0, 0.25, size=(height, width))
        for x, y in turbines:
            col, row = ~transform @ (x, y)
            if 0 <= row < height and 0 <= col < width:
                sea[int(row), int(col)] += 10 ** ((SEA_DB[pol] + TURBINE_GAIN_DB) / 10) * 4
        bands.append(sea.astype("float32"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=2, dtype="float32", crs=crs,
                       transform=transform, tiled=True, compress="deflate") as dst:
        dst.write(np.stack(bands))
        dst.descriptions = ("Sigma0_VV", "Sigma0_VH")
    return turbines
