"""DEM windows for geocoding: the real Rome DEM (EGM96 compound CRS), voids, and the geoid fallback."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import shared

from ai4c.core.errors import DependencyMissingError, InvalidProductError
from ai4c.dem import geoid
from ai4c.dem.heights import read_dem_window


def test_rome_dem_window():
    path = shared("dem", "Rome-30m-DEM.tif")
    sampler = read_dem_window(path, (12.47, 41.97, 12.53, 42.03))
    h = sampler(np.array([12.5, 12.48]), np.array([42.0, 41.99]))
    assert np.all(np.isfinite(h)) and np.all((h > 0) & (h < 200))  # Rome: 10-140 m
    assert np.isnan(sampler(np.array([13.5]), np.array([42.0])))[0]
    with pytest.raises(DependencyMissingError, match="does not cover"):
        read_dem_window(path, (0.0, 0.0, 0.1, 0.1))


def test_unreadable_dem(tmp_path):
    bad = tmp_path / "x.tif"
    bad.write_text("nope")
    with pytest.raises(InvalidProductError, match="unreadable"):
        read_dem_window(bad, (0, 0, 1, 1))


def test_geoid_is_explicit_about_its_grid():
    n = geoid.undulation(np.array([12.5]), np.array([41.9]))
    if geoid.available():
        assert 40 < n[0] < 55  # EGM96 near Rome is about +47 m
    else:
        assert n is None
