"""Filtering building blocks on minimum bounding rectangles (MBRs), vectorised with numpy.

Boxes are (n, 4) float arrays `xmin, ymin, xmax, ymax`. Every join here returns each pair of
intersecting MBRs exactly once (closed boxes: touching edges count), as index arrays (i, j).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_CELLS_PER_AXIS = 1 << 14


def mbr_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: do closed boxes a[k] and b[k] intersect."""
    return ((a[:, 0] <= b[:, 2]) & (b[:, 0] <= a[:, 2]) & (a[:, 1] <= b[:, 3]) & (b[:, 1] <= a[:, 3]))


def extent(*boxes: np.ndarray) -> np.ndarray:
    """The box covering every box given."""
    stacked = np.concatenate([b for b in boxes if len(b)])
    return np.array([stacked[:, 0].min(), stacked[:, 1].min(), stacked[:, 2].max(), stacked[:, 3].max()])


def mean_extent(*boxes: np.ndarray) -> float:
    """Mean MBR side over all boxes given (GIA.nt's and RADON's cell-size statistic)."""
    stacked = np.concatenate([b for b in boxes if len(b)])
    side = np.concatenate([stacked[:, 2] - stacked[:, 0], stacked[:, 3] - stacked[:, 1]]).mean()
    return float(side)


@dataclass(frozen=True)
class Grid:
    """An equigrid of square cells over `bounds` (xmin, ymin, xmax, ymax)."""

    origin_x: float
    origin_y: float
    size: float
    nx: int
    ny: int

    @classmethod
    def over(cls, bounds: np.ndarray, size: float) -> Grid:
        """A grid covering `bounds` with cells of about `size` (enlarged to keep the grid bounded)."""
        width, height = max(bounds[2] - bounds[0], 0.0), max(bounds[3] - bounds[1], 0.0)
        span = max(width, height)
        if not np.isfinite(size) or size <= 0:
            size = span if span > 0 else 1.0
        size = max(size, span / MAX_CELLS_PER_AXIS, np.finfo(float).tiny)
        nx = int(min(np.floor(width / size) + 1, MAX_CELLS_PER_AXIS))
        ny = int(min(np.floor(height / size) + 1, MAX_CELLS_PER_AXIS))
        return cls(float(bounds[0]), float(bounds[1]), float(size), nx, ny)

    def column(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.floor((x - self.origin_x) / self.size), 0, self.nx - 1).astype(np.int64)

    def row(self, y: np.ndarray) -> np.ndarray:
        return np.clip(np.floor((y - self.origin_y) / self.size), 0, self.ny - 1).astype(np.int64)

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cell id of points."""
        return self.row(y) * self.nx + self.column(x)

    def cells(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (box index, cell id) with the box overlapping the cell."""
        x0, x1 = self.column(boxes[:, 0]), self.column(boxes[:, 2])
        y0, y1 = self.row(boxes[:, 1]), self.row(boxes[:, 3])
        width = x1 - x0 + 1
        counts = width * (y1 - y0 + 1)
        owner = np.repeat(np.arange(len(boxes)), counts)
        k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cx = x0[owner] + k % width[owner]
        cy = y0[owner] + k // width[owner]
        return owner, cy * self.nx + cx


@dataclass
class CellIndex:
    """Box indices grouped by cell id (CSR layout), for joining another set of (box, cell) rows."""

    cells: np.ndarray
    members: np.ndarray

    @classmethod
    def build(cls, owner: np.ndarray, cell: np.ndarray) -> CellIndex:
        order = np.argsort(cell, kind="stable")
        return cls(cell[order], owner[order])

    def join(self, owner: np.ndarray, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probe box, indexed box, cell) for every probe row sharing a cell with indexed rows."""
        lo = np.searchsorted(self.cells, cell, side="left")
        hi = np.searchsorted(self.cells, cell, side="right")
        counts = hi - lo
        rep = np.repeat(np.arange(len(cell)), counts)
        k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner[rep], self.members[lo[rep] + k], cell[rep]


def reference_point_keep(grid: Grid, a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray,
                         cell: np.ndarray) -> np.ndarray:
    """True where `cell` holds the lower-left corner of the MBRs' intersection (dedup without sets)."""
    ref_x = np.maximum(a[i, 0], b[j, 0])
    ref_y = np.maximum(a[i, 1], b[j, 1])
    return grid.cell_of(ref_x, ref_y) == cell


def sweep_join(a: np.ndarray, b: np.ndarray, group_a: np.ndarray | None = None,
               group_b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Plane sweep along x: pairs of the same group whose x-intervals overlap, then checked on y.

    Two intervals overlap iff one starts inside the other, so the pairs are the b starting in
    [a.xmin, a.xmax] plus the a starting in (b.xmin, b.xmax]: two range scans of the sorted starts.
    """
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ga = np.zeros(len(a), np.int64) if group_a is None else group_a
    gb = np.zeros(len(b), np.int64) if group_b is None else group_b
    # exact integer ranks of every x value, so (group, x) packs into one sortable int64 key
    values = np.unique(np.concatenate([a[:, 0], a[:, 2], b[:, 0], b[:, 2]]))
    scale = np.int64(len(values) + 1)

    def key(group: np.ndarray, x: np.ndarray) -> np.ndarray:
        return group * scale + np.searchsorted(values, x)

    i1, j1 = _starts_inside(key(gb, b[:, 0]), key(ga, a[:, 0]), key(ga, a[:, 2]), strict=False)
    j2, i2 = _starts_inside(key(ga, a[:, 0]), key(gb, b[:, 0]), key(gb, b[:, 2]), strict=True)
    i, j = np.concatenate([i1, i2]), np.concatenate([j1, j2])
    keep = (a[i, 1] <= b[j, 3]) & (b[j, 1] <= a[i, 3])
    return i[keep], j[keep]


def _starts_inside(starts: np.ndarray, lo: np.ndarray, hi: np.ndarray, *,
                   strict: bool) -> tuple[np.ndarray, np.ndarray]:
    """(interval k, element e) with starts[e] in [lo[k], hi[k]] ((lo, hi] when strict)."""
    order = np.argsort(starts, kind="stable")
    sorted_starts = starts[order]
    first = np.searchsorted(sorted_starts, lo, side="right" if strict else "left")
    last = np.searchsorted(sorted_starts, hi, side="right")
    counts = np.maximum(last - first, 0)
    rep = np.repeat(np.arange(len(lo)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return rep, order[first[rep] + k]
