"""Tree indexes over target MBRs, probed by whole batches of boxes at once (numpy, no Python loop
per geometry): a Hilbert-packed R-tree and an MX-CIF region quadtree."""

from __future__ import annotations

import numpy as np

from ai4c.linked.interlink.grids import Grid, extent, mbr_overlap, mean_extent, sweep_join

_HILBERT_ORDER = 16


def hilbert_index(x: np.ndarray, y: np.ndarray, order: int = _HILBERT_ORDER) -> np.ndarray:
    """Hilbert curve index of integer cell coordinates in [0, 2**order) (the classic xy -> d)."""
    x, y = x.astype(np.int64).copy(), y.astype(np.int64).copy()
    d = np.zeros(len(x), dtype=np.int64)
    n = 1 << order
    s = n >> 1
    while s > 0:
        rx = ((x & s) > 0).astype(np.int64)
        ry = ((y & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        # rotate the quadrant
        flip = ry == 0
        swap_back = flip & (rx == 1)
        x[swap_back] = n - 1 - x[swap_back]
        y[swap_back] = n - 1 - y[swap_back]
        x[flip], y[flip] = y[flip], x[flip].copy()
        s >>= 1
    return d


class HilbertRTree:
    """Bulk-loaded R-tree: leaves are runs of `fanout` boxes in Hilbert order of their centres."""

    def __init__(self, boxes: np.ndarray, fanout: int = 16) -> None:
        self.fanout = fanout
        bounds = extent(boxes)
        span = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) or 1.0
        scale = ((1 << _HILBERT_ORDER) - 1) / span
        cx = ((boxes[:, 0] + boxes[:, 2]) / 2 - bounds[0]) * scale
        cy = ((boxes[:, 1] + boxes[:, 3]) / 2 - bounds[1]) * scale
        self.order = np.argsort(hilbert_index(cx, cy), kind="stable")
        self.levels = [boxes[self.order]]
        while len(self.levels[-1]) > fanout:
            self.levels.append(self._parents(self.levels[-1]))

    def _parents(self, children: np.ndarray) -> np.ndarray:
        starts = np.arange(0, len(children), self.fanout)
        return np.column_stack([np.minimum.reduceat(children[:, 0], starts),
                                np.minimum.reduceat(children[:, 1], starts),
                                np.maximum.reduceat(children[:, 2], starts),
                                np.maximum.reduceat(children[:, 3], starts)])

    def query(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query index, target index) of every intersecting pair of MBRs."""
        top = self.levels[-1]
        q = np.repeat(np.arange(len(boxes)), len(top))
        node = np.tile(np.arange(len(top)), len(boxes))
        keep = mbr_overlap(boxes[q], top[node])
        q, node = q[keep], node[keep]
        for level in reversed(self.levels[:-1]):
            first = node * self.fanout
            counts = np.minimum(first + self.fanout, len(level)) - first
            rep = np.repeat(np.arange(len(node)), counts)
            child = first[rep] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            q = q[rep]
            keep = mbr_overlap(boxes[q], level[child])
            q, node = q[keep], child[keep]
        return q, self.order[node]


class MXCIFQuadtree:
    """MX-CIF quadtree: each box lives in the smallest quadrant that contains it whole; a probe
    visits, level by level, the quadrants its own box overlaps and sweeps their residents (each box
    lives in one quadrant, so each pair is found once)."""

    def __init__(self, boxes: np.ndarray, max_depth: int = 14) -> None:
        self.boxes = boxes
        bounds = extent(boxes)
        self.side = max(bounds[2] - bounds[0], bounds[3] - bounds[1]) or 1.0
        self.x0, self.y0 = float(bounds[0]), float(bounds[1])
        cell = mean_extent(boxes) or self.side
        self.depth = int(np.clip(np.ceil(np.log2(self.side / cell)) if cell > 0 else 0, 0, max_depth))
        level = self._levels(boxes)
        self.levels: dict[int, tuple[Grid, np.ndarray, np.ndarray]] = {}
        for depth in np.unique(level):
            members = np.flatnonzero(level == depth)
            grid = self._grid(int(depth))
            owner, cells = grid.cells(boxes[members])  # one cell each: the box fits in it
            self.levels[int(depth)] = (grid, members[owner], cells)

    def _grid(self, depth: int) -> Grid:
        n = 1 << depth
        return Grid(self.x0, self.y0, self.side / n, n, n)

    def _levels(self, boxes: np.ndarray) -> np.ndarray:
        """Deepest level whose one quadrant holds the whole box."""
        deepest = self._grid(self.depth)
        spread = np.maximum(deepest.column(boxes[:, 0]) ^ deepest.column(boxes[:, 2]),
                            deepest.row(boxes[:, 1]) ^ deepest.row(boxes[:, 3]))
        bits = np.zeros(len(boxes), dtype=np.int64)
        while np.any(spread > 0):
            bits += spread > 0
            spread >>= 1
        return self.depth - bits

    def query(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query index, target index) of every intersecting pair of MBRs."""
        found_q, found_t = [], []
        for grid, members, cells in self.levels.values():
            owner, probe_cells = grid.cells(boxes)
            # within each quadrant, a plane sweep instead of every probe x every resident
            q, t = sweep_join(boxes[owner], self.boxes[members], probe_cells, cells)
            found_q.append(owner[q])
            found_t.append(members[t])
        return np.concatenate(found_q), np.concatenate(found_t)
