"""Change Vector Analysis in the polar domain (Bovolo & Bruzzone 2007) on two co-registered dates.

date 2 is normalised to date 1 (optical.radiometric), the difference of each band is divided by its
no-change standard deviation, the magnitude rho of that vector is tested against a chi-squared quantile
and its angle alpha to a reference vector; changed pixels are grouped by K-means on (rho, alpha).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.optical.cva_pass import MAX_SAMPLES, BlockSpill, polar_layers, read_once
from ai4c.optical.options import check_classes, check_confidence
from ai4c.optical.radiometric import MIN_SAMPLES, Normalisation, _robust_sigma, fit_normalisation

NO_CHANGE, NO_DATA = 0, 255

if TYPE_CHECKING:
    import xarray as xr


@dataclass
class CvaResult:
    """Magnitude, angle (degrees), classes (0 no change, 1..N, 255 no data) and fitted statistics. The layers
    are (y, x) numpy arrays, or DataArrays from `change_vector_analysis`."""

    rho: Any
    alpha: Any
    classes: Any
    threshold: float
    sigma: np.ndarray
    normalisation: Normalisation
    centres: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


def check_reference_vector(vector: list[float] | str | None, n_bands: int) -> np.ndarray:
    """The reference vector as floats; default (1, 0, ..., 0); its length must be the number of bands."""
    if vector is None or (isinstance(vector, str) and not vector.strip()):
        return np.eye(n_bands)[0]
    items = vector.split(",") if isinstance(vector, str) else list(vector)
    try:
        values = np.array([float(v) for v in items], dtype=np.float64)
    except ValueError as err:
        raise InvalidParameterError(f"referenceVector={vector!r} must be numbers separated by commas") from err
    if len(values) != n_bands:
        raise InvalidParameterError(f"referenceVector has {len(values)} values but {n_bands} bands are used; "
                                    f"give {n_bands} comma-separated numbers, e.g. {','.join(['1'] + ['0'] * (n_bands - 1))}")
    if not np.any(values) or not np.all(np.isfinite(values)):
        raise InvalidParameterError(f"referenceVector={vector!r} must be finite and not all zero")
    return values


def _samples(spill: BlockSpill) -> tuple[np.ndarray, np.ndarray]:
    """(n, bands) samples of both dates among the valid sampled pixels, preferring those of the same scene
    class in both dates (falls back to all valid ones when too few)."""
    keep = spill.sample_valid.copy()
    if (keep & spill.sample_same).sum() >= MIN_SAMPLES:
        keep &= spill.sample_same
    n = spill.n_bands
    return spill.samples[keep, :n].astype(np.float64), spill.samples[keep, n:].astype(np.float64)


KMEANS_FENCE = 3.0   # Tukey's "far out" fence: magnitudes above Q3 + 3 IQR do not shape the K-means classes


def magnitude_fence(features: np.ndarray) -> float:
    """Tukey's far-out fence of the changed pixels' magnitudes: Q3 + 3 IQR."""
    q25, q75 = np.percentile(features[:, 0], [25, 75])
    return float(q75 + KMEANS_FENCE * (q75 - q25))


def kmeans_classes(rho: np.ndarray, alpha: np.ndarray, changed: np.ndarray, n_classes: int, *,
                   max_fit: int = 200_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """K-means on standardised (rho, alpha) of the changed pixels; labels 1..N ordered by mean angle
    (0 elsewhere) and the class centres (rho, alpha).

    A small fraction of extreme magnitudes (a damaged swath edge, saturated pixels: above `magnitude_fence`)
    does not shape the classes: the scaling and the K-means fit use the other pixels, and the extreme ones are
    then given the nearest class. Otherwise they take a class of their own and inflate the magnitude's
    standard deviation until two real change types merge. Without such pixels nothing changes.

    The K-means is optical.kmeans (scikit-learn's algorithm in numpy: the same partitions, without its imports)."""
    from ai4c.optical.kmeans import kmeans, nearest

    labels = np.zeros(rho.shape, dtype=np.uint8)
    features = np.column_stack([rho[changed], alpha[changed]]).astype(np.float64)
    if len(features) == 0:
        return labels, np.zeros((0, 2))
    inliers = features[features[:, 0] <= magnitude_fence(features)]
    if len(inliers) < n_classes:
        inliers = features
    scale = inliers.std(axis=0)
    scale[scale == 0] = 1.0
    centre = inliers.mean(axis=0)
    unique = len(np.unique(inliers, axis=0)) if len(inliers) < 10 * n_classes else n_classes
    k = max(1, min(n_classes, unique))
    rng = np.random.default_rng(seed)
    fit = inliers if len(inliers) <= max_fit else inliers[rng.choice(len(inliers), max_fit, replace=False)]
    fitted = kmeans((fit - centre) / scale, k, n_init=10, seed=seed)
    raw = nearest((features - centre) / scale, fitted)[0]
    centres = fitted * scale + centre
    order = np.argsort(centres[:, 1], kind="stable")
    rank = np.empty(k, dtype=np.uint8)
    rank[order] = np.arange(1, k + 1, dtype=np.uint8)
    labels[changed] = rank[raw]
    return labels, centres[order]


def change_vector_analysis(ref: xr.DataArray, tgt: xr.DataArray, *, valid: xr.DataArray,
                           same_class: xr.DataArray | None = None, reference_vector: list[float] | str | None = None,
                           level_confidence: float = 99.99, number_classes: int = 4,
                           normalisation: str = "irmad", max_samples: int = MAX_SAMPLES) -> CvaResult:
    """Run CVA on (band, y, x) reflectances of two dates; `valid` is clear in both dates and in the AoI,
    `same_class` where both dates have the same scene class (candidates for the normalisation).

    The inputs are computed once (optical.cva_pass.read_once), then analysed as `analyse` says; the layers
    come back as DataArrays on the inputs' coordinates."""
    import xarray as xr

    level = check_confidence(level_confidence)
    n_classes = check_classes(number_classes)
    check_reference_vector(reference_vector, ref.sizes["band"])
    spill = read_once(ref, tgt, valid, same_class, max_samples)
    result = analyse(spill, reference_vector=reference_vector, level_confidence=level, number_classes=n_classes,
                     normalisation=normalisation)
    coords = {"y": ref.coords["y"], "x": ref.coords["x"]} if "y" in ref.coords else {}
    for name, label in (("rho", "magnitude"), ("alpha", "angle"), ("classes", "class")):
        setattr(result, name, xr.DataArray(getattr(result, name), dims=("y", "x"), coords=coords, name=label))
    return result


def analyse(spill: BlockSpill, *, reference_vector: list[float] | str | None = None, level_confidence: float = 99.99,
            number_classes: int = 4, normalisation: str = "irmad") -> CvaResult:
    """CVA of the two dates held by `spill` (closed on return), numpy layers: the normalisation and sigma are
    fitted on its stratified random sample, the magnitude and angle computed block by block; K-means is fitted
    on at most 200 000 changed pixels (seed 0)."""
    from scipy.special import chdtri

    level = check_confidence(level_confidence)
    n_classes = check_classes(number_classes)
    reference = check_reference_vector(reference_vector, spill.n_bands)
    try:
        x, y = _samples(spill)
        if len(x) < MIN_SAMPLES:
            raise InvalidProductError(f"only {len(x)} pixels are clear in both dates; choose less cloudy "
                                      "products or a larger AoI")
        norm = fit_normalisation(x, y, normalisation)
        diff = (y - norm.offset) / norm.gain - x
        sigma = _robust_sigma(diff[norm.not_changed])
        rho, alpha = polar_layers(spill, norm.gain, norm.offset, sigma, reference)
        ok = spill.valid
    finally:
        spill.close()
    threshold = float(np.sqrt(chdtri(spill.n_bands, 1.0 - level / 100.0)))  # chi2.ppf(level / 100, bands)
    changed = ok & (rho > threshold)
    labels, centres = kmeans_classes(rho, alpha, changed, n_classes)
    labels[~ok] = NO_DATA
    return CvaResult(rho, alpha, labels, threshold, sigma, norm, centres)
