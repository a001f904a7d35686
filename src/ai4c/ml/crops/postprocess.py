"""Morphological clean-up of a class map: majority filter and removal of patches below a minimum size.

Both work in place on a uint8 map with numba kernels, so memory stays at the map itself (120 MB for a
full 10980 x 10980 tile) plus one int32 union-find array for the patch step (one pass for all classes). `IGNORED` (255) pixels never vote and
never change.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

IGNORED = 255
_HOLE = 254


@njit(parallel=True, cache=True)
def _majority(src: np.ndarray, radius: int, n_classes: int) -> np.ndarray:  # pragma: no cover - numba
    """Most frequent class in the (2r+1)^2 window of every classified pixel (ties keep the centre)."""
    height, width = src.shape
    out = src.copy()
    for i in prange(height):
        counts = np.zeros(n_classes, dtype=np.int32)
        for j in range(width):
            centre = src[i, j]
            if centre >= n_classes:
                continue
            counts[:] = 0
            for di in range(max(0, i - radius), min(height, i + radius + 1)):
                for dj in range(max(0, j - radius), min(width, j + radius + 1)):
                    v = src[di, dj]
                    if v < n_classes:
                        counts[v] += 1
            best = centre
            for c in range(n_classes):
                if counts[c] > counts[best]:
                    best = c
            out[i, j] = best
    return out


@njit(cache=True)
def _fill_holes(arr: np.ndarray, n_classes: int, max_passes: int) -> int:  # pragma: no cover - numba
    """Give each _HOLE pixel the most frequent class among its 8 classified neighbours, pass after pass;
    returns the number of holes left (patches with no classified neighbour)."""
    height, width = arr.shape
    counts = np.zeros(n_classes, dtype=np.int32)
    left = 0
    for _ in range(max_passes):
        src = arr.copy()
        left = 0
        for i in range(height):
            for j in range(width):
                if src[i, j] != _HOLE:
                    continue
                counts[:] = 0
                total = 0
                for di in range(max(0, i - 1), min(height, i + 2)):
                    for dj in range(max(0, j - 1), min(width, j + 2)):
                        v = src[di, dj]
                        if v < n_classes:
                            counts[v] += 1
                            total += 1
                if total == 0:
                    left += 1
                    continue
                arr[i, j] = np.argmax(counts)
        if left == 0:
            break
    return left


@njit(cache=True, inline="always")
def _root(parent: np.ndarray, i: int) -> int:  # pragma: no cover - numba
    """Root of i's set, compressing the path on the way (roots are the smallest index of their set)."""
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


@njit(cache=True, inline="always")
def _join(parent: np.ndarray, a: int, b: int) -> None:  # pragma: no cover - numba
    """Merge the sets of a and b under the smaller root."""
    ra, rb = _root(parent, a), _root(parent, b)
    if ra < rb:
        parent[rb] = ra
    elif rb < ra:
        parent[ra] = rb


@njit(cache=True)
def _mark_small_patches(arr: np.ndarray, parent: np.ndarray, n_classes: int,
                        min_size: int) -> None:  # pragma: no cover - numba
    """Set to _HOLE every 8-connected patch of one class smaller than min_size (one union-find pass over
    the map for all classes at once instead of one scipy labelling per class); parent: scratch [h * w]."""
    height, width = arr.shape
    for i in range(height):
        for j in range(width):
            idx = i * width + j
            parent[idx] = idx
            v = arr[i, j]
            if v >= n_classes:
                continue
            if j > 0 and arr[i, j - 1] == v:
                _join(parent, idx, idx - 1)
            if i > 0:
                for dj in range(max(0, j - 1) - j, min(width - 1, j + 1) - j + 1):
                    if arr[i - 1, j + dj] == v:
                        _join(parent, idx, idx - width + dj)
    sizes = np.zeros(height * width, np.int32)
    for idx in range(height * width):
        parent[idx] = parent[parent[idx]]           # parents point lower, so this resolves to the root
        sizes[parent[idx]] += 1
    for i in range(height):
        for j in range(width):
            idx = i * width + j
            if arr[i, j] < n_classes and sizes[parent[idx]] < min_size:
                arr[i, j] = _HOLE


def majority_filter(classes: np.ndarray, size: int = 3, n_classes: int = 16) -> np.ndarray:
    """Majority filter with a size x size window (odd size >= 3; 1 = no filtering)."""
    if size <= 1:
        return classes
    return _majority(np.ascontiguousarray(classes, dtype=np.uint8), size // 2, n_classes)


def remove_small_patches(classes: np.ndarray, min_size: int = 10, n_classes: int = 16) -> np.ndarray:
    """Merge 8-connected patches of one class smaller than min_size pixels into their neighbours."""
    out = np.array(classes, dtype=np.uint8, copy=True)
    if min_size <= 1:
        return out
    original = out.copy()
    parent = np.empty(out.size, np.int32 if out.size < 2 ** 31 else np.int64)     # 480 MB for a full tile
    _mark_small_patches(out, parent, n_classes, min_size)
    del parent
    if (out == _HOLE).any():
        _fill_holes(out, n_classes, max(4, min_size))
        still = out == _HOLE
        out[still] = original[still]
    return out
