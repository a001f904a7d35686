"""Simulated vector layers for interlinking: land-use parcels tiling a square (Voronoi cells with
densified, realistic vertex counts) and small rotated building footprints scattered over them, so
most buildings lie inside one parcel and some cross parcel borders."""

from __future__ import annotations

import numpy as np
import shapely


def landuse_parcels(n: int, extent: float, seed: int = 0) -> np.ndarray:
    """`n` polygons tiling [0, extent]², edges densified to ~1/8 of the mean parcel side."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(0, 0, extent, extent)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, extent, (n, 2))),
                                                       extend_to=frame))
    cells = shapely.intersection(cells, frame)
    return shapely.segmentize(cells, extent / np.sqrt(n) / 8)


def buildings(n: int, extent: float, seed: int = 1, size: tuple[float, float] = (5.0, 30.0)) -> np.ndarray:
    """`n` rotated rectangles of sides in `size`, centred uniformly in [0, extent]²."""
    rng = np.random.default_rng(seed)
    centre = rng.uniform(0, extent, (n, 2))
    w, h, angle = rng.uniform(*size, n), rng.uniform(*size, n), rng.uniform(0, np.pi, n)
    dx = np.array([-1, 1, 1, -1])[None, :] * w[:, None] / 2
    dy = np.array([-1, -1, 1, 1])[None, :] * h[:, None] / 2
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = centre[:, 0, None] + dx * cos - dy * sin
    y = centre[:, 1, None] + dx * sin + dy * cos
    return shapely.polygons(np.stack([x, y], axis=-1))


def city(n_buildings: int, n_parcels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Buildings and land-use parcels over a square sized for 100 buildings per km²."""
    extent = 100_000.0 * np.sqrt(n_buildings / 1e6)
    return buildings(n_buildings, extent, seed + 1), landuse_parcels(n_parcels, extent, seed)
