"""CVA on synthetic arrays: detection, false alarms despite a radiometric gain, K-means purity, checks."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ai4c.core.errors import BadInputError
from ai4c.optical.cva import NO_DATA, change_vector_analysis
from ai4c.optical.radiometric import fit_normalisation
from ai4c.simulate.s2.changes import CHANGES, array_pair

BANDS = ["B2", "B3", "B4", "B8"]


def _pair(seed=0, size=160):
    """Two dates with texture, land covers, planted changes, a gain/offset on date 2 and a cloud."""
    pair = array_pair(seed, size)
    da = lambda a: xr.DataArray(a, dims=("band", "y", "x"), coords={"band": BANDS})  # noqa: E731
    valid = xr.DataArray(~pair["cloud"], dims=("y", "x"))
    return da(pair["date1"]), da(pair["date2"]), valid, pair["change"], pair["cloud"]


@pytest.fixture(scope="module")
def result():
    ref, tgt, valid, change, cloud = _pair()
    return change_vector_analysis(ref, tgt, valid=valid), change, cloud


def test_detection_and_false_alarms(result):
    res, change, cloud = result
    classes = res.classes.values
    clear = ~cloud
    detected = (classes[(change > 0) & clear] != 0).mean()
    false_alarm = (classes[(change == 0) & clear] != 0).mean()
    assert detected >= 0.95, detected
    assert false_alarm <= 0.01, false_alarm
    assert np.all(classes[cloud] == NO_DATA)
    assert np.isnan(res.rho.values[cloud]).all()


def test_gain_recovered(result):
    res, _, _ = result
    np.testing.assert_allclose(res.normalisation.gain, 1.1, atol=0.02)
    np.testing.assert_allclose(res.normalisation.offset, 0.01, atol=0.004)


def test_kmeans_purity(result):
    res, change, cloud = result
    classes = res.classes.values
    hits = (change > 0) & (classes > 0) & (classes < NO_DATA)
    purity = 0
    for label in np.unique(classes[hits]):
        purity += np.bincount(change[hits & (classes == label)]).max()
    assert purity / hits.sum() >= 0.9
    assert len(np.unique(classes[hits])) == len(CHANGES)


def test_classes_ordered_by_angle(result):
    res, _, _ = result
    angles = [np.nanmean(res.alpha.values[res.classes.values == k]) for k in range(1, 5)]
    assert angles == sorted(angles)


def test_higher_confidence_never_adds_changes():
    ref, tgt, valid, _, _ = _pair(seed=4, size=96)
    previous = None
    for level in (90.0, 99.0, 99.99, 99.9999):
        changed = change_vector_analysis(ref, tgt, valid=valid, level_confidence=level).classes.values
        changed = (changed > 0) & (changed < NO_DATA)
        if previous is not None:
            assert not np.any(changed & ~previous)
        previous = changed


def test_trim_normalisation_also_works():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.02, 0.4, size=(4000, 3))
    y = 0.9 * x + 0.02 + rng.normal(0, 0.003, x.shape)
    y[:400] += 0.2
    for method in ("irmad", "trim"):
        norm = fit_normalisation(x, y, method)
        np.testing.assert_allclose(norm.gain, 0.9, atol=0.01)
        assert norm.no_change[:400].mean() < 0.05


@pytest.mark.parametrize("kwargs,message", [
    ({"reference_vector": "1,0"}, "referenceVector has 2 values"),
    ({"level_confidence": 100}, "levelConfidence"),
    ({"level_confidence": 0}, "levelConfidence"),
    ({"number_classes": 0}, "numberClasses"),
])
def test_bad_parameters(kwargs, message):
    ref, tgt, valid, _, _ = _pair(size=32)
    with pytest.raises(BadInputError, match=message):
        change_vector_analysis(ref, tgt, valid=valid, **kwargs)
