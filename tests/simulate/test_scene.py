"""The truth scene: classes, DEM, clouds and their shadows, quantised reflectance, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai4c.core.errors import BadInputError
from ai4c.simulate.scene.noise import fbm, upsample2
from ai4c.simulate.scene.truth import BANDS, SPECTRA, make_scene, scl_from_truth


@pytest.fixture(scope="module")
def scene():
    return make_scene(256, 11)


def test_grid_and_variables(scene):
    assert scene.rio.crs.to_epsg() == 32633
    assert tuple(scene.rio.transform())[:6] == (10.0, 0.0, 399960.0, 0.0, -10.0, 5400000.0)
    assert list(scene.band.values) == list(BANDS) and scene.reflectance.shape == (13, 256, 256)
    assert set(np.unique(scene.landcover.values)) == {1, 2, 3, 4, 5, 6}


def test_sea_is_at_zero_and_land_above(scene):
    lc, dem = scene.landcover.values, scene.dem.values
    assert (dem[lc == 5] == 0).all() and (dem[lc != 5] >= 1).all()
    assert 0.05 < (lc == 5).mean() < 0.4
    assert dem.max() > 100 and np.abs(np.diff(dem[lc != 5])).mean() < 30


def test_reflectance_is_quantised_and_class_like(scene):
    refl = scene.reflectance.values
    k = refl.astype(np.float64) * 10000
    assert np.array_equal((np.round(k) / 10000).astype(np.float32), refl) and (refl > 0).all()
    clear = ~(scene.cloud.values | scene.cirrus.values | scene.shadow.values)
    for cls in (2, 3, 5):
        pixels = clear & (scene.landcover.values == cls)
        mean = refl[:, pixels].mean(axis=1)
        assert np.allclose(mean, SPECTRA[cls], atol=0.01 + 0.05 * SPECTRA[cls])
    veg = clear & (scene.landcover.values == 2)
    assert 0.003 < refl[BANDS.index("B04"), veg].std() < 0.02  # texture + noise, not flat


def test_clouds_shadows_and_scl(scene):
    cloud, shadow = scene.cloud.values, scene.shadow.values
    assert 0.05 < cloud.mean() < 0.3 and shadow.any() and not (cloud & shadow).any()
    az, zen = math.radians(scene.attrs["sun_azimuth"]), math.radians(scene.attrs["sun_zenith"])
    d = scene.attrs["cloud_height"] * math.tan(zen) / 20
    drow, dcol = round(math.cos(az) * d), round(-math.sin(az) * d)
    c20 = cloud[::2, ::2]
    assert drow < 0 and dcol < 0  # sun in the south-east: shadows fall to the north-west
    rows, cols = np.nonzero(c20)
    rows, cols = rows + drow, cols + dcol
    inside = (rows >= 0) & (cols >= 0) & (rows < c20.shape[0]) & (cols < c20.shape[1])
    moved = np.zeros_like(c20)
    moved[rows[inside], cols[inside]] = True
    assert np.array_equal(shadow[::2, ::2], moved & ~c20)
    refl = scene.reflectance.sel(band="B02").values
    assert refl[cloud & (scene.cloud_prob.values >= 65)].mean() > 3 * refl[~cloud & ~shadow].mean()
    scl = scene.scl_truth.values
    assert np.array_equal(scl, scl_from_truth(scene.landcover.values, cloud, scene.cloud_prob.values,
                                              scene.cirrus.values, shadow, scene.nodata.values))
    assert set(np.unique(scl)) <= {0, 3, 4, 5, 6, 8, 9, 10, 11} and {0, 3, 8, 9, 10} <= set(np.unique(scl))


def test_deterministic_per_seed():
    a, b, c = make_scene(96, 5), make_scene(96, 5), make_scene(96, 6)
    assert np.array_equal(a.reflectance.values, b.reflectance.values)
    assert np.array_equal(a.landcover.values, b.landcover.values)
    assert not np.array_equal(a.landcover.values, c.landcover.values)


def test_other_grid_and_bad_size():
    from rasterio.transform import Affine

    ds = make_scene(64, 1, crs="EPSG:32632", transform=Affine(10, 0, 500000, 0, -10, 5000000))
    assert ds.rio.crs.to_epsg() == 32632 and float(ds.x[0]) == 500005.0
    with pytest.raises(BadInputError, match="size"):
        make_scene(0, 1)


def test_fbm_is_normalised_and_correlated():
    field = fbm((300, 200), np.random.default_rng(0), largest=64, smallest=2)
    assert field.shape == (300, 200) and abs(field.mean()) < 1e-5 and abs(field.std() - 1) < 1e-4
    assert np.corrcoef(field[:, :-1].ravel(), field[:, 1:].ravel())[0, 1] > 0.9
    assert np.array_equal(upsample2(np.array([[0, 2], [4, 6]], np.float32)),
                          np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6]], np.float32))
