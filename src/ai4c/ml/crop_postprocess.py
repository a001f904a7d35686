"""Morphological clean-up of a class map: majority filter and removal of patches below a minimum size.

Both work in place on a uint8 map with numba kernels, so memory stays at the map itself (120 MB for a
full 10980 x 10980 tile) plus one label image for the patch step. `IGNORED` (255) pixels never vote and
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


def majority_filter(classes: np.ndarray, size: int = 3, n_classes: int = 16) -> np.ndarray:
    """Majority filter with a size x size window (odd size >= 3; 1 = no filtering)."""
    if size <= 1:
        return classes
    return _majority(np.ascontiguousarray(classes, dtype=np.uint8), size // 2, n_classes)


def remove_small_patches(classes: np.ndarray, min_size: int = 10, n_classes: int = 16) -> np.ndarray:
    """Merge 8-connected patches of one class smaller than min_size pixels into their neighbours."""
    from scipy import ndimage

    out = np.array(classes, dtype=np.uint8, copy=True)
    if min_size <= 1:
        return out
    original = out.copy()
    structure = np.ones((3, 3), dtype=bool)
    present = np.flatnonzero(np.bincount(out.ravel(), minlength=256)[:n_classes])    # no sort of the map
    for value in present:
        labels, count = ndimage.label(out == value, structure=structure)
        if count == 0:
            continue
        sizes = np.bincount(labels.ravel())
        small = sizes < min_size
        small[0] = False
        out[small[labels]] = _HOLE
        del labels
    if (out == _HOLE).any():
        _fill_holes(out, n_classes, max(4, min_size))
        still = out == _HOLE
        out[still] = original[still]
    return out
