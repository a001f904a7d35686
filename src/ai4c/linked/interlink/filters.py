"""The filtering algorithms of JedAI-spatial's taxonomy: candidate pairs whose MBRs intersect.

Each filter indexes the target once (`build`) and is probed by batches of source boxes
(`candidates`), so a source larger than memory streams through. All return the same pair set (every
pair of intersecting closed MBRs, once); they differ in how they get there, hence in speed.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import shapely

from ai4c.linked.interlink.gridjoin import DenseGridJoin
from ai4c.linked.interlink.grids import (
    CellIndex,
    Grid,
    extent,
    mbr_overlap,
    mean_extent,
    reference_point_keep,
    sweep_join,
)
from ai4c.linked.interlink.trees import HilbertRTree, MXCIFQuadtree

_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int64))


class Filter:
    """Base: `build(target_boxes)` then `candidates(source_boxes) -> (i, j)`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, cell_size: float | None = None) -> None:
        self.cell_size = cell_size
        self.target = np.zeros((0, 4))

    def build(self, target: np.ndarray) -> Filter:
        self.target = np.asarray(target, dtype=float)
        if len(self.target):
            self._build()
        return self

    def _build(self) -> None:
        """Index self.target (subclasses)."""

    def candidates(self, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(source) == 0 or len(self.target) == 0:
            return _EMPTY
        return self._candidates(np.asarray(source, dtype=float))

    def _candidates(self, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class _GridFilter(Filter):
    """Target boxes in the cells of an equigrid; a source box probes its own cells."""

    def _grid_size(self) -> float:
        return self.cell_size or mean_extent(self.target)

    def _build(self) -> None:
        self.grid = Grid.over(extent(self.target), self._grid_size())
        if DenseGridJoin.fits(self.grid):
            self.dense = DenseGridJoin(self.grid, self.target)
        else:
            self.dense = None
            self.index = CellIndex.build(*self.grid.cells(self.target))

    def _candidates(self, source):
        if self.dense is not None:
            return self.dense.pairs(source)
        i, j, cell = self._probe(source)
        keep = reference_point_keep(self.grid, source, self.target, i, j, cell)
        return i[keep], j[keep]

    def _probe(self, source: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bounds = extent(self.target)
        inside = np.flatnonzero(mbr_overlap(source, np.broadcast_to(bounds, source.shape)))
        owner, cell = self.grid.cells(source[inside])
        i, j, cell = self.index.join(inside[owner], cell)
        keep = mbr_overlap(source[i], self.target[j])
        return i[keep], j[keep], cell[keep]


class GiantFilter(_GridFilter):
    name = "giant"
    description = ("GIA.nt: equigrid over the target with cells of its mean MBR side, the source streamed "
                   "through it; each candidate kept once (in the cell of its MBR intersection's corner)")


class StaticGridFilter(_GridFilter):
    name = "static-grid"
    description = ("static equigrid of --cell-size (default: half the mean target MBR side); "
                   "duplicates removed by the reference point of the MBR intersection")

    def _grid_size(self) -> float:
        return self.cell_size or 0.5 * mean_extent(self.target)


class RadonFilter(Filter):
    name = "radon"
    description = ("RADON: space tiling over both datasets' extents with a cell from both datasets' "
                   "mean MBR side, both sides tiled, reference-point deduplication")

    def _build(self) -> None:
        self.target_extent = extent(self.target)

    def _candidates(self, source):
        grid = Grid.over(extent(self.target, source),
                         self.cell_size or mean_extent(self.target, source))
        index = CellIndex.build(*grid.cells(self.target))
        i, j, cell = index.join(*grid.cells(source))
        keep = mbr_overlap(source[i], self.target[j])
        i, j, cell = i[keep], j[keep], cell[keep]
        keep = reference_point_keep(grid, source, self.target, i, j, cell)
        return i[keep], j[keep]


class PlaneSweepFilter(Filter):
    name = "plane-sweep"
    description = "plane sweep: both sides sorted by xmin, x-overlapping pairs scanned, then y checked"

    def _candidates(self, source):
        return sweep_join(source, self.target)


class PBSMFilter(Filter):
    name = "pbsm"
    description = ("PBSM (partition-based spatial-merge join): a coarse tile grid, boxes copied to "
                   "every tile they overlap, a plane sweep per tile, reference-point deduplication")

    def _build(self) -> None:
        tiles = max(1, int(np.sqrt(len(self.target) / 64)))
        bounds = extent(self.target)
        size = self.cell_size or max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / tiles
        self.grid = Grid.over(bounds, size)
        self.owner, self.tile = self.grid.cells(self.target)

    def _candidates(self, source):
        src_owner, src_tile = self.grid.cells(source)
        ii, jj = sweep_join(source[src_owner], self.target[self.owner], src_tile, self.tile)
        i, j, cell = src_owner[ii], self.owner[jj], src_tile[ii]
        keep = reference_point_keep(self.grid, source, self.target, i, j, cell)
        return i[keep], j[keep]


class _TreeFilter(Filter):
    """A tree of `tree_class` over the target boxes, queried with a whole batch."""

    tree_class: ClassVar[type]

    def _build(self) -> None:
        self.tree = self.tree_class(self.target)

    def _candidates(self, source):
        return self.tree.query(source)


class RTreeFilter(_TreeFilter):
    name = "rtree"
    description = "R-tree bulk-loaded in Hilbert order (fan-out 16), probed level by level in batches"
    tree_class = HilbertRTree


class QuadtreeFilter(_TreeFilter):
    name = "quadtree"
    description = "MX-CIF quadtree: each target box in the deepest quadrant holding it, probed per level"
    tree_class = MXCIFQuadtree


class STRtreeFilter(Filter):
    name = "strtree"
    description = "GEOS STRtree (sort-tile-recursive packed R-tree) over the target MBRs, via shapely"

    def _build(self) -> None:
        self.tree = shapely.STRtree(shapely.box(*self.target.T))

    def _candidates(self, source):
        i, j = self.tree.query(shapely.box(*source.T))
        return i.astype(np.int64), j.astype(np.int64)


ALGORITHMS: dict[str, type[Filter]] = {cls.name: cls for cls in (
    GiantFilter, RadonFilter, StaticGridFilter, PlaneSweepFilter, PBSMFilter, RTreeFilter,
    QuadtreeFilter, STRtreeFilter)}
