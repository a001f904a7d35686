"""The equigrid join compiled with numba: target boxes in a dense cell table, each source box
visiting its cells once, every intersecting pair emitted once (in the cell holding the lower-left
corner of the MBR intersection). Two passes (count, fill), no large temporaries."""

from __future__ import annotations

import numba
import numpy as np

from ai4c.linked.interlink.grids import Grid

MAX_DENSE_CELLS = 1 << 24
"""Largest grid held as a dense cell table (larger grids use the numpy join)."""


@numba.njit(cache=True, inline="always")
def _index(v, origin, size, n):
    k = np.floor((v - origin) / size)
    if k < 0:
        return 0
    if k > n - 1:
        return n - 1
    return int(k)


@numba.njit(cache=True)
def _table(boxes, x0, y0, size, nx, ny):
    """Dense CSR of box numbers per cell."""
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for t in range(len(boxes)):
        for r in range(_index(boxes[t, 1], y0, size, ny), _index(boxes[t, 3], y0, size, ny) + 1):
            for c in range(_index(boxes[t, 0], x0, size, nx), _index(boxes[t, 2], x0, size, nx) + 1):
                counts[r * nx + c + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    members = np.empty(start[-1], dtype=np.int64)
    for t in range(len(boxes)):
        for r in range(_index(boxes[t, 1], y0, size, ny), _index(boxes[t, 3], y0, size, ny) + 1):
            for c in range(_index(boxes[t, 0], x0, size, nx), _index(boxes[t, 2], x0, size, nx) + 1):
                members[fill[r * nx + c]] = t
                fill[r * nx + c] += 1
    return start, members


@numba.njit(cache=True)
def _join(src, tgt, start, members, x0, y0, size, nx, ny, out_i, out_j, emit):
    """Count (emit=False) or write the pairs; returns how many."""
    n = 0
    for k in range(len(src)):
        sx0, sy0, sx1, sy1 = src[k, 0], src[k, 1], src[k, 2], src[k, 3]
        for r in range(_index(sy0, y0, size, ny), _index(sy1, y0, size, ny) + 1):
            for c in range(_index(sx0, x0, size, nx), _index(sx1, x0, size, nx) + 1):
                cell = r * nx + c
                for p in range(start[cell], start[cell + 1]):
                    t = members[p]
                    if tgt[t, 0] > sx1 or sx0 > tgt[t, 2] or tgt[t, 1] > sy1 or sy0 > tgt[t, 3]:
                        continue
                    if _index(max(sx0, tgt[t, 0]), x0, size, nx) != c:
                        continue
                    if _index(max(sy0, tgt[t, 1]), y0, size, ny) != r:
                        continue
                    if emit:
                        out_i[n] = k
                        out_j[n] = t
                    n += 1
    return n


class DenseGridJoin:
    """An equigrid over the target boxes, joined with source boxes by the compiled kernel."""

    def __init__(self, grid: Grid, target: np.ndarray) -> None:
        self.grid = grid
        self.target = np.ascontiguousarray(target, dtype=np.float64)
        self.start, self.members = _table(self.target, grid.origin_x, grid.origin_y, grid.size, grid.nx,
                                          grid.ny)

    @staticmethod
    def fits(grid: Grid) -> bool:
        return grid.nx * grid.ny <= MAX_DENSE_CELLS

    def pairs(self, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        src = np.ascontiguousarray(source, dtype=np.float64)
        g = self.grid
        args = (src, self.target, self.start, self.members, g.origin_x, g.origin_y, g.size, g.nx, g.ny)
        none = np.zeros(0, dtype=np.int64)
        n = _join(*args, none, none, False)
        out_i, out_j = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        _join(*args, out_i, out_j, True)
        return out_i, out_j
