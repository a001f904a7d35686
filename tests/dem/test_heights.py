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


def _constant_grid(path, value: float) -> None:
    """A world-wide 1-degree geoid grid holding `value` everywhere, in PROJ's GTX format."""
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(path, "w", driver="GTX", width=361, height=181, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(-180.5, 90.5, 1.0, 1.0)) as dst:
        dst.write(np.full((1, 181, 361), value, dtype=np.float32))


def test_geoid_grid_file_from_the_environment(tmp_path, monkeypatch):
    grid = tmp_path / "egm96_15.gtx"
    _constant_grid(grid, 12.25)
    monkeypatch.setenv("AI4C_EGM96_GRID", str(tmp_path))
    geoid._transformer.cache_clear()
    try:
        n = geoid.undulation(np.array([12.5, -70.2]), np.array([41.9, -33.4]))
        assert np.allclose(n, 12.25, atol=1e-4)  # the configured grid wins over any system one
    finally:
        geoid._transformer.cache_clear()
