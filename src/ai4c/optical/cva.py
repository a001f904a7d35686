"""Change Vector Analysis in the polar domain (Bovolo & Bruzzone 2007) on two co-registered dates.

date 2 is normalised to date 1 (optical.radiometric), the difference of each band is divided by its
no-change standard deviation, the magnitude rho of that vector is tested against a chi-squared quantile
and its angle alpha to a reference vector; changed pixels are grouped by K-means on (rho, alpha).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy.stats import chi2

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.optical.cva_pass import BlockSpill, polar_layers, read_once
from ai4c.optical.radiometric import MIN_SAMPLES, Normalisation, _robust_sigma, fit_normalisation

NO_CHANGE, NO_DATA = 0, 255


@dataclass
class CvaResult:
    """Magnitude, angle (degrees), classes (0 no change, 1..N, 255 no data) and fitted statistics."""

    rho: xr.DataArray
    alpha: xr.DataArray
    classes: xr.DataArray
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


def check_confidence(level: float) -> float:
    """A confidence level in percent, strictly between 0 and 100."""
    try:
        value = float(level)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"levelConfidence={level!r} is not a number; use e.g. 99.99") from err
    if not 0 < value < 100:
        raise InvalidParameterError(f"levelConfidence={level!r} must be > 0 and < 100 (percent), e.g. 99.99")
    return value


def check_classes(number: int) -> int:
    """At least one change class."""
    try:
        value = int(number)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"numberClasses={number!r} is not an integer; use e.g. 4") from err
    if value < 1 or value > 254 or value != float(number):
        raise InvalidParameterError(f"numberClasses={number!r} must be an integer in 1..254")
    return value


def _samples(spill: BlockSpill) -> tuple[np.ndarray, np.ndarray]:
    """(n, bands) samples of both dates among the valid sampled pixels, preferring those of the same scene
    class in both dates (falls back to all valid ones when too few)."""
    keep = spill.sample_valid.copy()
    if (keep & spill.sample_same).sum() >= MIN_SAMPLES:
        keep &= spill.sample_same
    n = spill.n_bands
    return spill.samples[keep, :n].astype(np.float64), spill.samples[keep, n:].astype(np.float64)


KMEANS_CLIP = 4.0   # robust units (IQR / 1.349) above the median beyond which a magnitude is clipped for K-means


def robust_centre_scale(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column median and inter-quartile range / 1.349 (the standard deviation of a normal sample), with
    the standard deviation, then 1, where the IQR is 0."""
    q25, median, q75 = np.percentile(features, [25, 50, 75], axis=0)
    scale = (q75 - q25) / 1.349
    fallback = features.std(axis=0)
    scale = np.where(scale > 0, scale, np.where(fallback > 0, fallback, 1.0))
    return median, scale


def kmeans_classes(rho: np.ndarray, alpha: np.ndarray, changed: np.ndarray, n_classes: int, *,
                   max_fit: int = 200_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """K-means on robustly standardised (rho, alpha) of the changed pixels; labels 1..N ordered by mean angle
    (0 elsewhere) and the class centres (rho, alpha).

    The features are centred on their medians, scaled by their inter-quartile ranges, and magnitudes are
    clipped at `KMEANS_CLIP` robust units, so a small fraction of extreme magnitudes (a damaged swath edge, saturated
    pixels) neither takes a class of its own nor stretches the scale until two real change types merge."""
    from sklearn.cluster import KMeans

    labels = np.zeros(rho.shape, dtype=np.uint8)
    features = np.column_stack([rho[changed], alpha[changed]]).astype(np.float64)
    if len(features) == 0:
        return labels, np.zeros((0, 2))
    centre, scale = robust_centre_scale(features)
    unique = len(np.unique(features, axis=0)) if len(features) < 10 * n_classes else n_classes
    k = max(1, min(n_classes, unique))
    rng = np.random.default_rng(seed)
    standard = (features - centre) / scale
    standard[:, 0] = np.minimum(standard[:, 0], KMEANS_CLIP)     # extreme magnitudes only; angles are bounded
    fit = standard if len(standard) <= max_fit else standard[rng.choice(len(standard), max_fit, replace=False)]
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(fit)
    raw = model.predict(standard)
    centres = np.array([features[raw == i].mean(axis=0) if (raw == i).any() else
                        model.cluster_centers_[i] * scale + centre for i in range(k)])
    order = np.argsort(centres[:, 1], kind="stable")
    rank = np.empty(k, dtype=np.uint8)
    rank[order] = np.arange(1, k + 1, dtype=np.uint8)
    labels[changed] = rank[raw]
    return labels, centres[order]


def change_vector_analysis(ref: xr.DataArray, tgt: xr.DataArray, *, valid: xr.DataArray,
                           same_class: xr.DataArray | None = None, reference_vector: list[float] | str | None = None,
                           level_confidence: float = 99.99, number_classes: int = 4,
                           normalisation: str = "irmad", max_samples: int = 250_000) -> CvaResult:
    """Run CVA on (band, y, x) reflectances of two dates; `valid` is clear in both dates and in the AoI,
    `same_class` where both dates have the same scene class (candidates for the normalisation).

    The inputs are computed once (optical.cva_pass): the normalisation and sigma are fitted on a stratified
    random sample of ~`max_samples` pixels (seed cva_pass.SAMPLE_SEED), the magnitude and angle are then
    computed block by block; K-means is fitted on at most 200 000 changed pixels (seed 0)."""
    level = check_confidence(level_confidence)
    n_classes = check_classes(number_classes)
    reference = check_reference_vector(reference_vector, ref.sizes["band"])
    spill = read_once(ref, tgt, valid, same_class, max_samples)
    try:
        x, y = _samples(spill)
        if len(x) < MIN_SAMPLES:
            raise InvalidProductError(f"only {len(x)} pixels are clear in both dates; choose less cloudy "
                                      "products or a larger AoI")
        norm = fit_normalisation(x, y, normalisation)
        diff = (y - norm.offset) / norm.gain - x
        sigma = _robust_sigma(diff[norm.not_changed])
        rho_np, alpha_np = polar_layers(spill, norm.gain, norm.offset, sigma, reference)
        ok = spill.valid
    finally:
        spill.close()
    threshold = float(np.sqrt(chi2.ppf(level / 100.0, ref.sizes["band"])))
    changed = ok & (rho_np > threshold)
    labels, centres = kmeans_classes(rho_np, alpha_np, changed, n_classes)
    labels[~ok] = NO_DATA
    coords = {"y": ref.coords["y"], "x": ref.coords["x"]} if "y" in ref.coords else {}
    as_da = lambda a, name: xr.DataArray(a, dims=("y", "x"), coords=coords, name=name)  # noqa: E731
    return CvaResult(as_da(rho_np, "magnitude"), as_da(alpha_np, "angle"),
                     as_da(labels, "class"), threshold, sigma, norm, centres)
