"""A simulated TimeSen2Crop dataset in the exact layout of the real one (see products.timesen2crop)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ai4c.core.errors import InvalidParameterError, OutputError
from ai4c.products.timesen2crop import CLASSES, EXTRA_TILES, TILES
from ai4c.simulate.crops import phenology, sky

HEADER = "B1,B2,B3,B4,B5,B6,B7,B8,B9,Label"
# Relative class frequencies (grassland and winter wheat common, caraway and soy rare), as in the real set.
FREQUENCY = (0.6, 2.0, 1.5, 0.6, 0.5, 0.5, 1.0, 0.4, 0.7, 0.8, 0.7, 1.0, 1.5, 0.8, 0.6, 0.8)


def _check_tiles(tiles: list[str]) -> list[str]:
    """Tile names of the real dataset only, so the simulated layout matches it."""
    allowed = TILES + EXTRA_TILES
    bad = [t for t in tiles if t not in allowed]
    if bad or not tiles:
        raise InvalidParameterError(f"tiles={bad or tiles!r} are not TimeSen2Crop tiles; use some of: "
                                    f"{', '.join(allowed)}")
    return list(tiles)


def class_counts(samples_per_class: int, balanced: bool = False) -> list[int]:
    """Samples to draw per class: `samples_per_class` scaled by the class frequency (>= 5 each)."""
    if samples_per_class < 1:
        raise InvalidParameterError(f"samples_per_class={samples_per_class} must be >= 1")
    weights = np.ones(len(CLASSES)) if balanced else np.asarray(FREQUENCY)
    return [max(5, int(round(samples_per_class * w))) for w in weights]


def simulate_tile(tile: str, counts: list[int], rng: np.random.Generator) -> dict:
    """Dates, per-class series [n, T, 9] (uint16) and conditions [n, T] of one tile."""
    season = 2018 if tile.startswith("2019_") else 2017
    dates = sky.acquisition_dates(season, rng)
    t = phenology.season_day(dates, season)
    effect = phenology.tile_effect(tile)
    cover = sky.cloud_cover(t, rng)
    classes = {}
    for code, n in enumerate(counts):
        refl, _ = phenology.sample_series(code, t, n, rng, effect)
        cond = sky.draw_conditions(t, n, rng, cover)
        values = np.clip(np.rint(sky.apply_conditions(refl, cond, rng)), 1, 65535).astype(np.uint16)
        classes[code] = (values, cond)
    return {"dates": dates, "classes": classes}


def _write_tile(tile_dir: Path, sim: dict) -> None:
    """Write dates.csv and one CSV per sample in the real layout."""
    tile_dir.mkdir(parents=True)
    dates = [str(d).replace("-", "") for d in sim["dates"]]
    (tile_dir / "dates.csv").write_text("acquisition_date\n" + "\n".join(dates) + "\n")
    for code, (values, cond) in sim["classes"].items():
        class_dir = tile_dir / str(code)
        class_dir.mkdir()
        for index in range(values.shape[0]):
            rows = np.column_stack([values[index], cond[index]])
            body = "\n".join(",".join(map(str, row)) for row in rows.tolist())
            (class_dir / f"{index}.csv").write_text(f"{HEADER}\n{body}\n")


def simulate_dataset(root: Path | str, tiles: list[str] | None = None, samples_per_class: int = 50,
                     seed: int = 0, balanced: bool = False) -> Path:
    """Write a TimeSen2Crop-layout dataset under root (which must not exist yet or be empty)."""
    root = Path(root)
    tiles = _check_tiles(list(tiles or TILES))
    if root.exists() and any(root.iterdir()):
        raise OutputError(f"{root} exists and is not empty; give a new folder for the simulated dataset")
    if not root.parent.is_dir():
        raise OutputError(f"folder {root.parent} does not exist; create it first")
    counts = class_counts(samples_per_class, balanced)
    scratch = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".partial", dir=root.parent))
    try:
        for tile in tiles:
            rng = np.random.default_rng([seed, *tile.encode()])
            _write_tile(scratch / tile, simulate_tile(tile, counts, rng))
        if root.exists():
            root.rmdir()
        os.replace(scratch, root)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return root
