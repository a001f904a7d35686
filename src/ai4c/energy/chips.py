"""Where to cut image chips for a labelled training set: positives over assets, negatives away from them,
and a split kept spatially apart. Pure geometry on a product's pixel grid; the pipeline reads and writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Grid:
    """A product's pixel grid: affine transform (north-up), size, and CRS (any pyproj input)."""

    transform: Affine
    width: int
    height: int
    crs: object

    def window_bounds(self, col: int, row: int, size: int) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of a size x size window whose top-left pixel is (col, row)."""
        x0, y0 = self.transform @ (col, row)
        x1, y1 = self.transform @ (col + size, row + size)
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def fits(self, col: int, row: int, size: int) -> bool:
        """Whether the window lies wholly inside the product."""
        return col >= 0 and row >= 0 and col + size <= self.width and row + size <= self.height


@dataclass(frozen=True)
class Chip:
    """One chip: its window on the grid, whether it is a positive, and the asset it shows (index or -1)."""

    col: int
    row: int
    size: int
    positive: bool
    asset: int


def positive_windows(grid: Grid, geometry: BaseGeometry, size: int) -> list[tuple[int, int]]:
    """Top-left pixels of the chips showing an asset: one centred chip when the asset fits in a chip, else a
    tiling of its bounding box keeping the chips that touch it; chips not wholly in the product dropped."""
    inverse = ~grid.transform
    minx, miny, maxx, maxy = geometry.bounds
    cols, rows = zip(*(inverse @ (x, y) for x, y in ((minx, miny), (maxx, maxy))), strict=True)
    c0, c1, r0, r1 = min(cols), max(cols), min(rows), max(rows)
    if c1 - c0 <= size and r1 - r0 <= size:
        starts = [(int(math.floor((c0 + c1) / 2 - size / 2)), int(math.floor((r0 + r1) / 2 - size / 2)))]
    else:
        starts = [(c, r) for r in range(int(math.floor(r0)), int(math.ceil(r1)), size)
                  for c in range(int(math.floor(c0)), int(math.ceil(c1)), size)]
    return [(c, r) for c, r in starts if grid.fits(c, r, size)
            and box(*grid.window_bounds(c, r, size)).intersects(geometry)]


def negative_windows(grid: Grid, assets: shapely.STRtree, size: int, count: int, margin: int,
                     rng: np.random.Generator) -> list[tuple[int, int]]:
    """`count` random chips (fewer when the product has no room) none of whose windows, grown by `margin`
    pixels, intersects any asset (`assets`: an STRtree of the asset footprints)."""
    if grid.width < size or grid.height < size or count <= 0:
        return []
    found: list[tuple[int, int]] = []
    taken: set[tuple[int, int]] = set()
    for _ in range(50 * count):
        col = int(rng.integers(0, grid.width - size + 1))
        row = int(rng.integers(0, grid.height - size + 1))
        if (col, row) in taken:
            continue
        grown = box(*grid.window_bounds(col - margin, row - margin, size + 2 * margin))
        if len(assets.query(grown, predicate="intersects")):
            continue
        found.append((col, row))
        taken.add((col, row))
        if len(found) == count:
            break
    return found


def spatial_split(grid: Grid, chips: list[Chip], block_chips: int, fractions: tuple[float, float, float],
                  rng: np.random.Generator) -> list[str]:
    """A split per chip drawn per spatial block (block_chips x block_chips chip widths): chips of one block
    share a split, so train, validation and test areas do not overlap."""
    size = max((c.size for c in chips), default=1) * block_chips
    blocks = [(c.col // size, c.row // size) for c in chips]
    unique = sorted(set(blocks))
    order = rng.permutation(len(unique))
    cut = np.cumsum(fractions) / sum(fractions) * len(unique)
    names = {}
    for rank, index in enumerate(order):
        names[unique[index]] = SPLITS[int(np.searchsorted(cut, rank, side="right"))] if rank < cut[-1] else "test"
    return [names[b] for b in blocks]
