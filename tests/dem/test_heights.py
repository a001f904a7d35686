"""DEM windows for geocoding: the real Rome DEM (EGM96 compound CRS), voids, and the geoid fallback."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import shared

from ai4c.core.errors import DependencyMissingError, InvalidProductError
from ai4c.core.log import collect_warnings
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


def test_one_reader_for_hgt_folders(tmp_path):
    """Geocoding's window and the lazy DEM read a folder of tiles (any extension case, zipped or not) alike."""
    import zipfile

    from ai4c.dem.source import open_dem

    lat = np.linspace(42, 41, 1201)[:, None]
    lon = np.linspace(12, 13, 1201)[None, :]
    plane = (1000 * (lon - 12) + 100 * (lat - 41)).astype(">i2")
    plane[:10, :10] = -32768  # a void in the north-west corner
    plane.tofile(tmp_path / "N41E012.HGT")
    with zipfile.ZipFile(tmp_path / "N41E013.hgt.zip", "w") as archive:
        archive.writestr("N41E013.hgt", np.full((1201, 1201), 7, ">i2").tobytes())
    sampler = read_dem_window(tmp_path, (12.2, 41.2, 13.5, 41.8))
    h = sampler(np.array([12.25, 12.75, 13.3, 12.0005]), np.array([41.5, 41.25, 41.5, 41.9995]))
    np.testing.assert_allclose(h[:3], [250 + 50, 750 + 25, 7], atol=1.0)
    assert np.isnan(h[3])  # the void
    lazy = open_dem(tmp_path)
    assert lazy.shape == (1201, 2401) and float(lazy.sel(x=12.75, y=41.25, method="nearest")) == pytest.approx(775, abs=1)
    empty = tmp_path / "empty"
    empty.mkdir()
    for reader in (lambda p: read_dem_window(p, (0, 0, 1, 1)), open_dem):
        with pytest.raises(InvalidProductError, match="holds no SRTM .hgt tiles"):
            reader(empty)


def test_broken_geoid_grid_is_skipped_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "egm96_15.gtx").write_bytes(b"not a grid")
    monkeypatch.setenv("AI4C_EGM96_GRID", str(tmp_path))
    geoid._transformer.cache_clear()
    try:
        with collect_warnings() as warnings:
            geoid.available()
        assert any("egm96_15.gtx" in w and "skipped" in w for w in warnings)
    finally:
        geoid._transformer.cache_clear()
