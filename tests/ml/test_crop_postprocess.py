"""Majority filter and small-patch removal on known class maps."""

from __future__ import annotations

import numpy as np

from ai4c.ml.crops.postprocess import IGNORED, majority_filter, remove_small_patches


def test_majority_filter_removes_salt_keeps_ignored():
    classes = np.full((20, 20), 3, np.uint8)
    classes[:, 10:] = 7
    classes[5, 5] = 9
    classes[15, 15] = 2
    classes[0:3, 0:3] = IGNORED
    out = majority_filter(classes, 3)
    assert out[5, 5] == 3 and out[15, 15] == 7
    assert (out[0:3, 0:3] == IGNORED).all()
    assert (out[:, 3:9] == 3).all() and (out[:, 11:] == 7).all()
    assert majority_filter(classes, 1) is classes


def test_small_patches_merge_into_neighbours():
    classes = np.full((30, 30), 1, np.uint8)
    classes[2:4, 2:4] = 5             # 4 pixels: removed
    classes[10:20, 10:20] = 6         # 100 pixels: kept
    classes[25:30, 25:30] = IGNORED
    classes[27, 27] = 8               # isolated in ignored pixels: no neighbour to merge into, kept
    out = remove_small_patches(classes, min_size=10)
    assert (out[2:4, 2:4] == 1).all()
    assert (out[10:20, 10:20] == 6).all()
    assert out[27, 27] == 8 and (out[25:30, 25:30][out[25:30, 25:30] != 8] == IGNORED).all()
    assert (remove_small_patches(classes, 0) == classes).all()


def test_small_patches_match_scipy_labelling_per_class():
    from scipy import ndimage

    from ai4c.ml.crops.postprocess import _HOLE, _mark_small_patches

    rng = np.random.default_rng(7)
    arr = rng.integers(0, 6, (14, 21)).astype(np.uint8)[np.arange(70)[:, None] // 5, np.arange(105)[None, :] // 5]
    noise = rng.random(arr.shape) < 0.15
    arr[noise] = rng.integers(0, 6, noise.sum())
    arr[rng.random(arr.shape) < 0.05] = 255
    expected = np.zeros(arr.shape, bool)
    for value in range(6):
        labels, _ = ndimage.label(arr == value, structure=np.ones((3, 3), bool))
        sizes = np.bincount(labels.ravel())
        expected |= (labels > 0) & (sizes[labels] < 8)
    marked = arr.copy()
    _mark_small_patches(marked, np.empty(arr.size, np.int32), 16, 8)
    assert ((marked == _HOLE) == expected).all() and expected.sum() > 50
    assert (marked[~expected] == arr[~expected]).all()
