"""Reader of the TimeSen2Crop pixel time-series dataset (Weikmann, Paris & Bruzzone 2021).

TimeSen2Crop
============
Source: https://zenodo.org/records/4715631 (CC-BY 4.0), described in G. Weikmann, C. Paris and
L. Bruzzone, "TimeSen2Crop: A Million Labeled Samples Dataset of Sentinel 2 Image Time Series for
Crop-Type Classification", IEEE JSTARS 14, 2021, doi:10.1109/JSTARS.2021.3073965.

Content: ~1.2 million pixels of Austria, agronomic year September 2017 - August 2018, each a time
series of every Sentinel-2 L2A acquisition of its tile, 10 m.

Format::

    <root>/<tile>/dates.csv            one acquisition date a row (YYYYMMDD), header line first
    <root>/<tile>/<class>/<n>.csv      one pixel: (dates x 10) table, header line first;
                                       columns B2,B3,B4,B5,B6,B7,B8A,B11,B12 (reflectance x 10000;
                                       the header may call them B1..B9) and the pixel condition

Pixel condition: 0 clear, 1 cloud, 2 shadow, 3 snow.

Tiles (15): 32TNT 32TPT 32TQT 33TUM 33TUN 33TVM 33TVN 33TWM 33TWN 33TXN 33UUP 33UVP 33UWP 33UWQ 33UXP,
plus ``2019_33UVP`` (tile 33UVP in the following agronomic year, September 2018 - August 2019,
distributed for testing temporal transfer).

Classes (16): see ``CLASSES``; codes 0..15 are the sub-folder names.

Splits: none are prescribed; ai4c splits by tile (``ai4c timesen2crop prepare --val-tiles ...
--test-tiles ...``) so the test measures transfer to unseen places.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai4c.core.errors import InputNotFoundError, InvalidProductError

BANDS = ("B2", "B3", "B4", "B5", "B6", "B7", "B8A", "B11", "B12")
CLASSES = ("Legumes", "Grassland", "Maize", "Potato", "Sunflower", "Soy", "Winter Barley", "Winter Caraway",
           "Rye", "Rapeseed", "Beet", "Spring Cereals", "Winter Wheat", "Winter Triticale",
           "Permanent Plantations", "Other Crops")
TILES = ("32TNT", "32TPT", "32TQT", "33TUM", "33TUN", "33TVM", "33TVN", "33TWM", "33TWN", "33TXN",
         "33UUP", "33UVP", "33UWP", "33UWQ", "33UXP")
EXTRA_TILES = ("2019_33UVP",)
CONDITIONS = {0: "clear", 1: "cloud", 2: "shadow", 3: "snow"}
# Colours of the class legend (map, quick-look, GeoTIFF colour table).
COLOURS = ("#b15928", "#b2df8a", "#ffd92f", "#a6761d", "#ff7f00", "#fb9a99", "#1f78b4", "#cab2d6",
           "#6a3d9a", "#ffff33", "#e31a1c", "#a6cee3", "#33a02c", "#17becf", "#006d2c", "#999999")


@dataclass
class TileSamples:
    """All samples of one tile: x [N, T, 9] reflectance x10000, condition [N, T], labels y [N], dates [T]."""

    tile: str
    dates: np.ndarray
    x: np.ndarray
    condition: np.ndarray
    y: np.ndarray


def season_start_of(dates: np.ndarray) -> int:
    """The agronomic year (September start) that contains the first date."""
    first = np.asarray(dates, dtype="datetime64[D]").min().astype(object)
    return first.year if first.month >= 9 else first.year - 1


def list_tiles(root: Path | str) -> list[str]:
    """Tile folders present under root (any folder holding a dates.csv), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise InputNotFoundError(f"TimeSen2Crop root {root} does not exist; give the folder holding the tile "
                                 f"folders ({', '.join(TILES[:3])}, ...)")
    tiles = sorted(p.name for p in root.iterdir() if (p / "dates.csv").is_file())
    if not tiles:
        raise InvalidProductError(f"no tile folder with a dates.csv in {root}; expected <root>/<tile>/dates.csv "
                                  f"for tiles such as {', '.join(TILES[:3])}")
    return tiles


def read_dates(tile_dir: Path) -> np.ndarray:
    """Acquisition dates of a tile (datetime64[D]) from dates.csv (YYYYMMDD or YYYY-MM-DD values)."""
    path = Path(tile_dir) / "dates.csv"
    if not path.is_file():
        raise InputNotFoundError(f"{path} is missing; every TimeSen2Crop tile folder has a dates.csv")
    values = []
    for line in path.read_text().split():
        token = line.split(",")[-1].strip().replace("-", "")
        if len(token) == 8 and token.isdigit():
            values.append(f"{token[:4]}-{token[4:6]}-{token[6:]}")
    if not values:
        raise InvalidProductError(f"{path} holds no dates; expected one YYYYMMDD a line")
    return np.array(values, dtype="datetime64[D]")


def read_sample(path: Path, n_dates: int) -> tuple[np.ndarray, np.ndarray]:
    """One pixel's (dates x 9) reflectance and (dates,) condition from its CSV."""
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    except ValueError as exc:
        raise InvalidProductError(f"{path} is not a numeric TimeSen2Crop table: {exc}") from exc
    if table.shape != (n_dates, 10):
        raise InvalidProductError(f"{path} has shape {table.shape}; expected ({n_dates}, 10): one row per date "
                                  f"of dates.csv, 9 bands and the pixel condition")
    return table[:, :9], table[:, 9].astype(np.uint8)


def read_tile(root: Path | str, tile: str, max_per_class: int | None = None) -> TileSamples:
    """Every sample of one tile (or the first `max_per_class` of each class), in class then file order."""
    tile_dir = Path(root) / tile
    dates = read_dates(tile_dir)
    xs, conds, ys = [], [], []
    for code in range(len(CLASSES)):
        class_dir = tile_dir / str(code)
        if not class_dir.is_dir():
            continue
        files = sorted(class_dir.glob("*.csv"), key=lambda p: (len(p.stem), p.stem))[:max_per_class]
        for path in files:
            values, condition = read_sample(path, dates.size)
            xs.append(values)
            conds.append(condition)
            ys.append(code)
    if not xs:
        raise InvalidProductError(f"tile {tile_dir} has no samples; expected <tile>/<class 0..15>/<n>.csv")
    return TileSamples(tile, dates, np.stack(xs), np.stack(conds), np.asarray(ys, dtype=np.int64))
