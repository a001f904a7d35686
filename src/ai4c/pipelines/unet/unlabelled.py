"""Patches of unlabelled images (any layout, labels ignored) for self-supervised pre-training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from ai4c.core.progress import track
from ai4c.ml.segmentation.infer import window_starts
from ai4c.pipelines.unet.layout import band_indexes, check_tile_size, discover


def read_patches(input_dir: Path | str, bands: list[str], patch: int) -> np.ndarray:
    """(N, C, P, P) float32 patches tiling every image; all-zero (no data) patches skipped."""
    out = []
    for s in track(discover(input_dir, need_labels=False), "reading patches"):
        with rasterio.open(s.image) as src:
            check_tile_size(src)
            idx = band_indexes(src, bands, s.sen12ms)
            for r in window_starts(src.height, patch, patch):
                for c in window_starts(src.width, patch, patch):
                    data = src.read(idx, window=Window(c, r, patch, patch)).astype(np.float32)
                    if data.shape[1:] == (patch, patch) and data.any():
                        out.append(data)
    return np.stack(out) if out else np.zeros((0, len(bands), patch, patch), np.float32)
