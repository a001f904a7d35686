"""`extract_data`: cut labelled tiles into patches, hold out a spatially separate validation part and
write an indexed dataset (`train.h5`, `val.h5`: images, labels, source and origin per patch) with band
statistics (`dataset.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import rasterio
from rasterio.windows import Window

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.core.io import atomic_path, write_text_atomic
from ai4c.core.log import warn
from ai4c.core.progress import track
from ai4c.ml.segmentation.infer import window_starts
from ai4c.pipelines.unet.layout import (
    Sample,
    band_indexes,
    check_same_grid,
    check_tile_size,
    discover,
    read_label,
)
from ai4c.pipelines.unet.params import patch_side

SPLITS = ("train", "val")
MANIFEST = "dataset.json"


@dataclass
class Region:
    """A rectangle of one sample assigned to a split (row0, col0, height, width)."""

    sample: Sample
    split: str
    row0: int
    col0: int
    height: int
    width: int


@dataclass
class Patches:
    """Patches of one split in memory."""

    images: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    origin: list[tuple[int, int]] = field(default_factory=list)


def plan_regions(samples: list[Sample], shapes: dict[str, tuple[int, int]], patch: int, val_fraction: float,
                 seed: int) -> list[Region]:
    """Spatially separate split: whole images/scenes when there are >= 5 groups, else the southern strip of
    each image (at least one patch high) is validation and the rest training."""
    groups = sorted({s.group for s in samples})
    if len(groups) >= 5:
        rng = np.random.default_rng(seed)
        n_val = max(1, round(val_fraction * len(groups)))
        val = set(rng.permutation(groups)[:n_val].tolist())
        return [Region(s, "val" if s.group in val else "train", 0, 0, *shapes[s.name]) for s in samples]
    regions = []
    for s in samples:
        h, w = shapes[s.name]
        strip = max(patch, int(round(h * val_fraction)))
        if h - strip >= patch:
            regions += [Region(s, "train", 0, 0, h - strip, w), Region(s, "val", h - strip, 0, strip, w)]
        else:
            regions.append(Region(s, "train", 0, 0, h, w))
    return regions


def _cut_region(region: Region, bands: list[str], patch: int, simplified: bool, out: Patches) -> None:
    """Patches of one region (overlapping where it does not divide), dropped when wholly unlabelled."""
    s = region.sample
    with rasterio.open(s.image) as img, rasterio.open(s.label) as lab:
        idx = band_indexes(img, bands, s.sen12ms)
        for r in window_starts(region.height, patch, patch):
            for c in window_starts(region.width, patch, patch):
                win = Window(region.col0 + c, region.row0 + r, patch, patch)
                label = read_label(lab, win, s, simplified)
                if not label.any():
                    continue
                out.images.append(img.read(idx, window=win).astype(np.float32))
                out.labels.append(label)
                out.source.append(s.image.name)
                out.origin.append((region.row0 + r, region.col0 + c))


def _write_split(path: Path, patches: Patches, bands: list[str], patch: int) -> None:
    """One HDF5 file per split: images (N, C, P, P) float32, labels (N, P, P) uint8, source, origin."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        n = len(patches.images)
        h5.create_dataset("images", data=np.stack(patches.images) if n else np.zeros((0, len(bands), patch, patch),
                          np.float32), chunks=(1, len(bands), patch, patch) if n else None)
        h5.create_dataset("labels", data=np.stack(patches.labels) if n else np.zeros((0, patch, patch), np.uint8))
        h5.create_dataset("source", data=np.array(patches.source, dtype=h5py.string_dtype()))
        h5.create_dataset("origin", data=np.array(patches.origin, np.int32).reshape(-1, 2))
        h5.attrs["bands"] = ",".join(bands)
        h5.attrs["patch_size"] = patch


def band_statistics(images: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-band mean and standard deviation of training patches (the model's input normalisation)."""
    flat = images.transpose(1, 0, 2, 3).reshape(images.shape[1], -1).astype(np.float64)
    return flat.mean(1).tolist(), np.maximum(flat.std(1), 1e-6).tolist()


def extract(input_dir: Path | str, output_dir: Path | str, bands: list[str], patch: int, *, simplified: bool = False,
            val_fraction: float = 0.2, seed: int = 0) -> dict:
    """Cut, split and write the dataset; returns the manifest (also written as dataset.json)."""
    patch_side("-patch_size", patch)
    if not 0 < val_fraction < 1:
        raise InvalidParameterError(f"-val_fraction {val_fraction} must be between 0 and 1")
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    samples = discover(input_dir, need_labels=True)
    shapes = {}
    for s in samples:
        with rasterio.open(s.image) as img, rasterio.open(s.label) as lab:
            check_tile_size(img)
            check_same_grid(img, lab)
            band_indexes(img, bands, s.sen12ms)
            shapes[s.name] = (img.height, img.width)
    regions = plan_regions(samples, shapes, patch, val_fraction, seed)
    parts = {k: Patches() for k in SPLITS}
    for region in track(regions, "cutting patches"):
        _cut_region(region, bands, patch, simplified, parts[region.split])
    if not parts["train"].images:
        raise InvalidProductError(f"no labelled pixel in the training part of {input_dir}; labels must hold classes 1..N")
    if not parts["val"].images:
        raise InvalidProductError(f"{input_dir} is too small for a spatially separate validation part: give tiles of "
                                  f"at least {2 * patch} rows or at least 5 images")
    mean, std = band_statistics(np.stack(parts["train"].images))
    counts = {k: np.bincount(np.stack(v.labels).ravel(), minlength=256).tolist() for k, v in parts.items()}
    manifest = {"bands": bands, "patch_size": patch, "simplified": simplified, "mean": mean, "std": std,
                "patches": {k: len(v.images) for k, v in parts.items()},
                "label_counts": {k: {str(i): c for i, c in enumerate(v) if c} for k, v in counts.items()},
                "regions": [{"image": str(r.sample.image), "label": str(r.sample.label), "split": r.split,
                             "window": [r.row0, r.col0, r.height, r.width]} for r in regions],
                "input_dir": str(input_dir)}
    for k in SPLITS:
        _write_split(out_dir / f"{k}.h5", parts[k], bands, patch)
    write_text_atomic(out_dir / MANIFEST, json.dumps(manifest, indent=1))
    return manifest


def load_split(folder: Path | str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one split of an extracted dataset."""
    path = Path(folder) / f"{split}.h5"
    if not path.exists():
        raise InputNotFoundError(f"{path} not found: run -action extract_data first (or -action full)")
    with h5py.File(path, "r") as h5:
        return h5["images"][...], h5["labels"][...]


def load_manifest(folder: Path | str) -> dict:
    """dataset.json of an extracted dataset."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise InputNotFoundError(f"{path} not found: -input_dir of -action train must be an extract_data output")
    return json.loads(path.read_text())


def warn_unused(counts: dict[str, int], selected: list[int]) -> None:
    """Warn about label values present in the data but not selected (they become background)."""
    unused = sorted(int(k) for k in counts if int(k) and int(k) not in selected)
    if unused:
        warn(f"label values {unused} are not in -selected-classes and become background 0")
