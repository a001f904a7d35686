"""The CAMS simulator: physically plausible truth, coarse-grained low-res, unpredictable small scales."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ai4c.simulate.cams import Domain, static_fields, truth

DOMAIN = Domain(2.0, 44.0, 128, 128)


@functools.lru_cache(maxsize=2)
def _scene(hours=48, seed=1):
    static = static_fields(DOMAIN, seed)
    times = pd.date_range("2021-01-01", periods=hours, freq="h")
    return static, truth(DOMAIN, times, seed, static)


def test_pollution_follows_urban_fraction_and_valleys():
    static, hi = _scene()
    mean = hi["pm2p5"].mean("time").values
    urban = static["urban_frac"].values
    assert mean[urban > 0.5].mean() > 2.0 * mean[urban < 0.02].mean()
    assert float(hi["pm2p5"].min()) > 0 and 3 < float(hi["pm2p5"].mean()) < 60


def test_diurnal_cycle_and_wind_transport():
    static, hi = _scene()
    city = hi["pm2p5"].where(static["urban_frac"] > 0.3).mean(("latitude", "longitude")).values
    hours = pd.DatetimeIndex(hi["time"].values).hour
    night, noon = city[(hours >= 0) & (hours <= 4)].mean(), city[(hours >= 12) & (hours <= 15)].mean()
    assert night > 1.3 * noon  # shallow night-time boundary layer
    u, v = float(hi["u10"][0, 0, 0]), float(hi["v10"][0, 0, 0])
    assert 1.0 <= np.hypot(u, v) <= 9.5


def test_small_scales_are_stochastic():
    """Two hours with nearly the same weather differ at small scales: the low-res field cannot determine them."""
    _, hi = _scene(hours=4)
    field = np.log(hi["pm2p5"].values)
    block = field.reshape(4, 16, 8, 16, 8).mean(axis=(2, 4))
    residual = field - np.repeat(np.repeat(block, 8, axis=1), 8, axis=2)
    assert residual.std() > 0.2
    corr = np.corrcoef(residual[1].ravel(), residual[2].ravel())[0, 1]
    assert corr < 0.8
