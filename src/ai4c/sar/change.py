"""S1 change detection products on a common map grid: the change rule (log-ratio significance combined with
coherence loss), the ACD and MTC colour composites (seed table 5)."""

from __future__ import annotations

import numpy as np

NO_DATA = 255


def log_ratio_db(backscatter1: np.ndarray, backscatter2: np.ndarray) -> np.ndarray:
    """10 log10(b2 / b1) in dB (NaN where either is missing or not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 10.0 * np.log10(backscatter2 / backscatter1)
    out[~np.isfinite(out)] = np.nan
    return out


def change_mask(backscatter1: np.ndarray, backscatter2: np.ndarray, coherence: np.ndarray,
                ratio_db: float = 3.0, coherence_max: float = 0.5) -> np.ndarray:
    """1 where |10 log10(b2/b1)| >= ratio_db AND coherence < coherence_max (the surface changed: its
    backscatter moved by more than speckle explains and its scatterers were rearranged), 0 elsewhere,
    255 where any input is no data."""
    ratio = log_ratio_db(backscatter1, backscatter2)
    valid = np.isfinite(ratio) & np.isfinite(coherence)
    out = np.zeros(ratio.shape, np.uint8)
    out[valid & (np.abs(np.nan_to_num(ratio)) >= ratio_db) & (np.nan_to_num(coherence, nan=1.0) < coherence_max)] = 1
    out[~valid] = NO_DATA
    return out


def stretch(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Linear stretch of `values` between `low` and `high` to 1..255 bytes (0 = no data)."""
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    out = (1 + np.clip(np.nan_to_num(scaled), 0, 1) * 254).astype(np.uint8)
    out[~np.isfinite(values)] = 0
    return out


def percentiles(*images: np.ndarray, low: float = 2.5, high: float = 97.5) -> tuple[float, float]:
    """Common low/high percentiles of the finite values of several images (dB)."""
    values = np.concatenate([im[np.isfinite(im)].ravel() for im in images])
    if values.size == 0:
        return 0.0, 1.0
    return float(np.percentile(values, low)), float(np.percentile(values, high))


DB_EDGES = np.linspace(-100.0, 60.0, 16001)  # 0.01 dB bins: percentiles of any image size in bounded memory


def db_histogram(*backscatter: np.ndarray) -> np.ndarray:
    """Counts of the finite dB values of linear backscatter blocks in DB_EDGES bins (outliers in the end bins)."""
    counts = np.zeros(DB_EDGES.size - 1, np.int64)
    for block in backscatter:
        values = to_db(np.asarray(block, np.float32))
        values = np.clip(values[np.isfinite(values)], DB_EDGES[0], DB_EDGES[-1])
        counts += np.histogram(values, DB_EDGES.size - 1, (DB_EDGES[0], DB_EDGES[-1]))[0]  # equal bins: no search
    return counts


def histogram_percentiles(counts: np.ndarray, low: float = 2.5, high: float = 97.5) -> tuple[float, float]:
    """`percentiles` from a DB_EDGES histogram (to within one 0.01 dB bin), for images seen block by block."""
    total = counts.sum()
    if total == 0:
        return 0.0, 1.0
    cumulative = np.cumsum(counts)

    def at(q: float) -> float:
        rank = q / 100 * (total - 1) + 0.5  # the order statistic, inside its bin
        k = int(np.searchsorted(cumulative, rank))
        before = cumulative[k - 1] if k else 0
        return float(DB_EDGES[k] + (rank - before) / counts[k] * (DB_EDGES[k + 1] - DB_EDGES[k]))

    return at(low), at(high)


def to_db(values: np.ndarray) -> np.ndarray:
    """10 log10 of positive values, NaN elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 10.0 * np.log10(values)
    out[~np.isfinite(out)] = np.nan
    return out


def acd(backscatter1: np.ndarray, backscatter2: np.ndarray, limits: tuple[float, float] | None = None) -> np.ndarray:
    """ACD composite (3, y, x) bytes: R image 1, G image 2, B image 2, in dB stretched between the 2.5 and
    97.5 percentiles of both (`limits` when they were found over the whole images; decreases show red,
    increases cyan)."""
    d1, d2 = to_db(backscatter1), to_db(backscatter2)
    low, high = limits if limits is not None else percentiles(d1, d2)
    green = stretch(d2, low, high)
    return np.stack([stretch(d1, low, high), green, green])


def mtc(backscatter1: np.ndarray, backscatter2: np.ndarray, coherence: np.ndarray,
        limits: tuple[float, float] | None = None) -> np.ndarray:
    """MTC composite (3, y, x) bytes: R backscatter 1, G backscatter 2 (dB, percentile stretch as in `acd`),
    B coherence 0..1 -> 0..255."""
    d1, d2 = to_db(backscatter1), to_db(backscatter2)
    low, high = limits if limits is not None else percentiles(d1, d2)
    blue = (np.clip(np.nan_to_num(coherence), 0, 1) * 255).astype(np.uint8)
    return np.stack([stretch(d1, low, high), stretch(d2, low, high), blue])
