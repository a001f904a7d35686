"""`ai4c timesen2crop prepare`: TimeSen2Crop tiles -> train/val/test .npy sets for train_lstm, split by tile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ai4c.core.errors import InvalidParameterError
from ai4c.core.io import atomic_path, write_text_atomic
from ai4c.core.outputs import output_folder
from ai4c.core.params import validate
from ai4c.core.progress import track
from ai4c.ml.crops.features import monthly_medians, regular_series
from ai4c.pipelines.parameters import PrepareParameters
from ai4c.products.timesen2crop import BANDS, CLASSES, list_tiles, read_tile, season_start_of


def split_tiles(present: list[str], val_tiles: list[str], test_tiles: list[str]) -> dict[str, list[str]]:
    """Train/val/test tile lists; every named tile must exist and belong to one split only."""
    for name, chosen in (("--val-tiles", val_tiles), ("--test-tiles", test_tiles)):
        missing = [t for t in chosen if t not in present]
        if missing:
            raise InvalidParameterError(f"{name} {','.join(missing)} not in the dataset; it has: {', '.join(present)}")
    both = sorted(set(val_tiles) & set(test_tiles))
    if both:
        raise InvalidParameterError(f"tiles {','.join(both)} are in both --val-tiles and --test-tiles; pick one")
    train = [t for t in present if t not in val_tiles and t not in test_tiles]
    if not train:
        raise InvalidParameterError("no tile left for training; leave at least one tile out of --val-tiles/--test-tiles")
    return {"train": train, "val": list(val_tiles), "test": list(test_tiles)}


def tile_features(root: Path, tile: str, monthly: bool, step: int, max_per_class: int | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-length features [N, ts, 9] (float32) and labels of one tile."""
    samples = read_tile(root, tile, max_per_class)
    season = season_start_of(samples.dates)
    if monthly:
        x = monthly_medians(samples.x, samples.condition, samples.dates, season)
    else:
        x = regular_series(samples.x, samples.condition, samples.dates, season, step)
    return x.astype(np.float32), samples.y


def _save(path: Path, array: np.ndarray) -> None:
    """np.save atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, array)


def prepare(root: Path | str, output_dir: Path | str, val_tiles: list[str] | None = None,
            test_tiles: list[str] | None = None, monthly: bool = False, step: int = 10,
            max_per_class: int | None = None) -> dict:
    """Write train.npy/y_train.npy (and val.npy/y_val.npy, test.npy/y_test.npy) plus prepare.json."""
    root, output_dir = Path(root), Path(output_dir)
    step = validate(PrepareParameters, {"step": step, "max_per_class": max_per_class}).step
    splits = split_tiles(list_tiles(root), list(val_tiles or []), list(test_tiles or []))
    output_folder(output_dir)
    arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for split, tiles in splits.items():
        parts = [tile_features(root, t, monthly, step, max_per_class)
                 for t in track(tiles, f"{split} tiles", total=len(tiles))]
        if parts:
            arrays[split] = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    for split, (x, y) in arrays.items():
        _save(output_dir / f"{split}.npy", x)
        _save(output_dir / f"y_{split}.npy", y)
    report = {"root": str(root), "features": "monthly medians Sep..Aug" if monthly else f"clear series every {step} days",
              "bands": list(BANDS), "classes": list(CLASSES), "tiles": splits,
              "shapes": {s: list(x.shape) for s, (x, _) in arrays.items()},
              "class_counts": {s: np.bincount(y, minlength=len(CLASSES)).tolist() for s, (_, y) in arrays.items()}}
    write_text_atomic(output_dir / "prepare.json", json.dumps(report, indent=2))
    return report
