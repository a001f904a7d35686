"""Planted land-cover changes of known spectral direction (reflectance deltas per Sentinel-2 band).

Used by `ai4c simulate s2-pair` and by the CVA tests: a change adds its delta to the date-1 reflectance,
so the difference vector of a changed pixel points in a known direction with a known length.
"""

from __future__ import annotations

import numpy as np

S2_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12")

#: change id -> (name, {band: reflectance delta}); ids are the values of the truth change map
CHANGES: dict[int, tuple[str, dict[str, float]]] = {
    1: ("new buildings", dict(zip(S2_BANDS, (0.12, 0.12, 0.10, 0.10, 0.09, 0.06, 0.04, 0.02, 0.02, 0.02, 0.10, 0.10),
                                 strict=True))),
    2: ("clear-cut forest", dict(zip(S2_BANDS, (0.03, 0.04, 0.05, 0.10, 0.08, -0.02, -0.08, -0.12, -0.12, -0.05,
                                                0.12, 0.12), strict=True))),
    3: ("harvested crops", dict(zip(S2_BANDS, (0.04, 0.05, 0.03, 0.08, 0.06, -0.12, -0.25, -0.30, -0.30, -0.12,
                                               0.10, 0.10), strict=True))),
    4: ("flooding", dict(zip(S2_BANDS, (-0.02, -0.02, -0.03, -0.03, -0.05, -0.15, -0.18, -0.20, -0.20, -0.10,
                                        -0.15, -0.12), strict=True))),
}


def delta_vector(change: int, bands: list[str] | tuple[str, ...]) -> np.ndarray:
    """The reflectance delta of a change type for the given bands (`B02` or `B2`; B10 cirrus: 0)."""
    from ai4c.products.sentinel2 import normalise_band

    deltas = CHANGES[change][1]
    return np.array([deltas.get(normalise_band(b), 0.0) for b in bands], dtype=np.float64)


def plant_blobs(shape: tuple[int, int], n_per_type: int, size: int, rng: np.random.Generator,
                types: tuple[int, ...] = tuple(CHANGES)) -> np.ndarray:
    """A (y, x) uint8 map with `n_per_type` square patches of side ~`size` per change type, 0 elsewhere."""
    change = np.zeros(shape, dtype=np.uint8)
    height, width = shape
    for kind in types:
        for _ in range(n_per_type):
            side = int(rng.integers(max(2, size // 2), size + 1))
            y0 = int(rng.integers(0, max(1, height - side)))
            x0 = int(rng.integers(0, max(1, width - side)))
            change[y0:y0 + side, x0:x0 + side] = kind
    return change


def apply_changes(reflectance: np.ndarray, change: np.ndarray, bands: list[str] | tuple[str, ...]) -> np.ndarray:
    """Date-2 reflectance (band, y, x): date 1 plus each change's delta where planted, clipped to >= 0.001."""
    out = np.array(reflectance, dtype=np.float32, copy=True)
    for kind in CHANGES:
        where = change == kind
        if where.any():
            out[:, where] += delta_vector(kind, bands)[:, None].astype(np.float32)
    return np.clip(out, 0.001, None)


def array_pair(seed: int = 0, size: int = 160, *, gain: float = 1.1, offset: float = 0.01, noise: float = 0.006,
               bands: tuple[str, ...] = ("B2", "B3", "B4", "B8"), types: tuple[int, ...] = tuple(CHANGES),
               nodata_edge: bool = False) -> dict[str, np.ndarray]:
    """Two dates as arrays (no file format): four land covers with texture, planted changes of `types`, a gain
    and offset on date 2, a cloud in date 2; keys date1, date2 (band, y, x), change (y, x), cloud (y, x), cover,
    nodata (y, x). With `nodata_edge`, a slanted swath edge on the east side (1-3 pixels wide) holds the
    unphysical values a real L2A edge has where its SCL says no data (0): 15-25 times a real change."""
    rng = np.random.default_rng(seed)
    spectra = {"B2": (0.05, 0.04, 0.10, 0.08), "B3": (0.08, 0.06, 0.13, 0.09), "B4": (0.06, 0.04, 0.17, 0.10),
               "B8": (0.40, 0.32, 0.30, 0.30)}
    table = np.array([spectra.get(b, spectra["B8"]) for b in bands]).T  # (cover, band)
    cover = np.add.outer(np.arange(size) // 40, np.arange(size) // 40) % 4
    base = table[cover].transpose(2, 0, 1) * rng.uniform(0.8, 1.2, size=(1, size, size))
    change = plant_blobs((size, size), 4, 16, rng, types)
    date1 = base + rng.normal(0, noise, base.shape)
    date2 = gain * (apply_changes(base, change, bands) + rng.normal(0, noise, base.shape)) + offset
    cloud = np.zeros((size, size), bool)
    cloud[: size // 8, -size // 5:] = True
    date2[:, cloud] = np.nan
    nodata = swath_edge(size) if nodata_edge else np.zeros((size, size), bool)
    if nodata_edge:
        edge_rng = np.random.default_rng([seed, 7919])
        date1[:, nodata] = edge_rng.uniform(0.0001, 0.002, (len(bands), int(nodata.sum())))
        date2[:, nodata] = edge_rng.uniform(2.0, 4.0, (len(bands), int(nodata.sum())))
    return {"date1": date1.astype(np.float32), "date2": date2.astype(np.float32), "change": change,
            "cloud": cloud, "cover": cover.astype(np.uint8), "nodata": nodata}


def swath_edge(size: int) -> np.ndarray:
    """A slanted strip along the east side, 1 to 3 pixels wide (the end of an orbit's swath)."""
    rows, cols = np.mgrid[0:size, 0:size]
    return cols >= size - 1 - (2 * rows) // max(size - 1, 1)
