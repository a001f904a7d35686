"""A random REFBOA/LAI series (one BOA and one LAI GeoTIFF per date) for composite tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from affine import Affine

from ai4c.products.refboa import TIMESEN2CROP_BANDS


def series_dates(season_start: int, count: int, skip_months: tuple[int, ...] = ()) -> list[dt.date]:
    """`count` dates spread over September `season_start` .. August +1, avoiding `skip_months`."""
    start = dt.date(season_start, 9, 1)
    days = np.linspace(0, 364, count).round().astype(int)
    dates = [start + dt.timedelta(days=int(d)) for d in days]
    return sorted({d for d in dates if d.month not in skip_months})


def _acquisition_window(rng: np.random.Generator, rows: tuple[int, int], cols: tuple[int, int], size: int,
                        bands: int, season: float, invalid_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """BOA (uint16: a smooth pattern scaled by the season, plus noise) and LAI (invalid samples as -999, NaN
    or negative) of one window of a `size`-pixel acquisition; the same draws as for the whole image at once."""
    h, w = rows[1] - rows[0], cols[1] - cols[0]
    yy, xx = np.mgrid[rows[0]:rows[1], cols[0]:cols[1]] / max(size, 1) * 2 * np.pi
    pattern = np.stack([(np.sin(3 * xx + b) * np.cos(2 * yy - b) + 1) / 2 for b in range(bands)])
    noise = rng.integers(-300, 301, size=(bands, h, w))
    boa = np.clip(800 + 4000 * pattern * season + noise, 1, 65535).astype(np.uint16)
    lai = rng.uniform(0, 6, size=(h, w)).astype(np.float32)
    bad = rng.random((h, w)) < invalid_fraction
    kind = rng.integers(0, 3, size=(h, w))
    lai[bad & (kind == 0)] = -999.0
    lai[bad & (kind == 1)] = np.nan
    lai[bad & (kind == 2)] = -0.5
    return boa, lai


def _season(date: dt.date) -> float:
    """The seasonal scale of reflectance on `date`."""
    return 1 + 0.3 * np.sin(2 * np.pi * date.timetuple().tm_yday / 365.0)


def write_refboa_series(root: Path | str, dates: list[dt.date], *, size: int = 64, bands: int = 9,
                        invalid_fraction: float = 0.3, seed: int = 0, tile: str = "33UVP",
                        block: int = 256) -> dict[dt.date, tuple[np.ndarray, np.ndarray]]:
    """Write REFBOA/<tile>_<date>_BOA.tif (uint16) and LAI/<tile>_<date>_LAI.tif (float32, invalid as
    -999 no data, NaN or negative); returns {date: (boa (band, y, x), lai (y, x))} as written."""
    import rasterio

    root = Path(root)
    (root / "REFBOA").mkdir(parents=True, exist_ok=True)
    (root / "LAI").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    transform = Affine(10.0, 0, 399960.0, 0, -10.0, 5400000.0)
    names = list(TIMESEN2CROP_BANDS) if bands == 9 else [f"band{i + 1}" for i in range(bands)]
    blk = min(block, size) if size % 16 == 0 else None
    common = {"driver": "GTiff", "height": size, "width": size, "crs": "EPSG:32633", "transform": transform}
    if blk and blk % 16 == 0:
        common.update(tiled=True, blockxsize=blk, blockysize=blk)
    truth = {}
    for date in dates:
        boa, lai = _acquisition_window(rng, (0, size), (0, size), size, bands, _season(date), invalid_fraction)
        stamp = f"{date:%Y%m%d}"
        with rasterio.open(root / "REFBOA" / f"{tile}_{stamp}_BOA.tif", "w", count=bands, dtype="uint16",
                           compress="deflate", **common) as dst:
            dst.write(boa)
            for i, name in enumerate(names, start=1):
                dst.set_band_description(i, name)
        with rasterio.open(root / "LAI" / f"{tile}_{stamp}_LAI.tif", "w", count=1, dtype="float32",
                           nodata=-999.0, compress="deflate", **common) as dst:
            dst.write(lai, 1)
        truth[date] = (boa, lai)
    return truth


def write_refboa_series_large(root: Path | str, dates: list[dt.date], *, size: int = 10980, bands: int = 9,
                              distinct: int = 4, seed: int = 0, tile: str = "33UVP", block: int = 512,
                              invalid_fraction: float = 0.3) -> list[Path]:
    """A full-size REFBOA/LAI series (benchmarks) without a full-size array in memory nor 70 full files on
    disk: only the first `distinct` dates are simulated (tile by tile, like write_refboa_series: a smooth
    seasonal pattern + noise, LAI with -999/NaN/negative invalid samples); every other date is a hard
    link to the file of date i % distinct under its own dated name. Returns the BOA paths."""
    import os

    import rasterio
    from rasterio.windows import Window

    root = Path(root)
    for sub in ("REFBOA", "LAI"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    common = {"driver": "GTiff", "height": size, "width": size, "crs": "EPSG:32633", "tiled": True,
              "transform": Affine(10.0, 0, 399960.0, 0, -10.0, 5400000.0), "blockxsize": block,
              "blockysize": block, "compress": "deflate", "predictor": 2, "bigtiff": "YES", "num_threads": "ALL_CPUS"}
    names = list(TIMESEN2CROP_BANDS) if bands == 9 else [f"band{i + 1}" for i in range(bands)]
    paths = []
    for index, date in enumerate(dates):
        boa = root / "REFBOA" / f"{tile}_{date:%Y%m%d}_BOA.tif"
        lai = root / "LAI" / f"{tile}_{date:%Y%m%d}_LAI.tif"
        paths.append(boa)
        if boa.exists() and lai.exists():
            continue
        if index >= distinct:
            os.link(paths[index % distinct], boa)
            os.link(root / "LAI" / f"{tile}_{dates[index % distinct]:%Y%m%d}_LAI.tif", lai)
            continue
        season = _season(date)
        with rasterio.open(boa, "w", count=bands, dtype="uint16", **common) as dst_boa, \
                rasterio.open(lai, "w", count=1, dtype="float32", nodata=-999.0, **common) as dst_lai:
            for i, name in enumerate(names, start=1):
                dst_boa.set_band_description(i, name)
            for row in range(0, size, block):
                for col in range(0, size, block):
                    rng = np.random.default_rng([seed, index, row, col])
                    h, w = min(block, size - row), min(block, size - col)
                    values, leaf = _acquisition_window(rng, (row, row + h), (col, col + w), size, bands, season,
                                                       invalid_fraction)
                    window = Window(col, row, w, h)
                    dst_boa.write(values, window=window)
                    dst_lai.write(leaf, 1, window=window)
    return paths


def expected_composite(truth: dict[dt.date, tuple[np.ndarray, np.ndarray]], year: int, month: int) -> np.ndarray | None:
    """The composite a month must give, straight from the truth: numpy's median of the BOA samples whose
    LAI is valid (finite and >= 0; the simulator's invalid values are -999, NaN, -0.5), 0 where none is;
    None when the month has no acquisition."""
    import warnings

    chosen = [truth[d] for d in truth if (d.year, d.month) == (year, month)]
    if not chosen:
        return None
    boa = np.stack([c[0] for c in chosen]).astype(float)
    valid = np.stack([np.isfinite(c[1]) & (c[1] >= 0) for c in chosen])
    boa[~np.broadcast_to(valid[:, None], boa.shape)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels: no valid sample
        median = np.nanmedian(boa, axis=0)
    return np.rint(np.nan_to_num(median, nan=0.0)).astype(np.uint16)
