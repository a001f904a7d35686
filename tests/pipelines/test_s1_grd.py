"""S1-GRD-preprocess end to end on simulated products: geolocation of point targets and radiometry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from ai4c.pipelines.s1_grd import run
from ai4c.simulate.s1.grd import simulate_grd


@pytest.fixture(scope="module", params=[("flat", False), ("hilly", True), ("flat", True), ("hilly", False)],
                ids=["flat-desc", "hilly-asc", "flat-asc", "hilly-desc"])
def product(request, tmp_path_factory):
    terrain, ascending = request.param
    folder = tmp_path_factory.mktemp(f"s1-{terrain}")
    sim = simulate_grd(folder, size=(320, 320), terrain=terrain, ascending=ascending, seed=3)
    dem = sim.truth_path.with_name(sim.truth_path.name.replace(".truth.json", ".truth-dem.tif"))
    return sim, dem, request.param


def _peak_errors(path, targets) -> list[float]:
    """Distance (output pixels) between each target's true position and the intensity centroid around the peak."""
    from pyproj import Transformer

    with rasterio.open(path) as src:
        data = src.read(1)
        inv = ~src.transform
        to_map = Transformer.from_crs(4326, src.crs, always_xy=True)
    errors = []
    for t in targets:
        col, row = inv * to_map.transform(t["lon"], t["lat"])
        r0, c0 = int(row), int(col)
        win = np.nan_to_num(data[r0 - 6:r0 + 7, c0 - 6:c0 + 7])
        pr, pc = np.unravel_index(np.argmax(win), win.shape)
        sub = win[max(pr - 1, 0):pr + 2, max(pc - 1, 0):pc + 2]
        rr, cc = np.mgrid[max(pr - 1, 0):pr + 2, max(pc - 1, 0):pc + 2][:, :sub.shape[0], :sub.shape[1]]
        peak_r = (rr * sub).sum() / sub.sum() + r0 - 6 + 0.5
        peak_c = (cc * sub).sum() / sub.sum() + c0 - 6 + 0.5
        errors.append(float(np.hypot(peak_r - row, peak_c - col)))
    return errors


@pytest.mark.parametrize("projection", ["WGS84", "UTM"])
def test_point_targets_within_one_pixel(product, projection, tmp_path):
    sim, dem, _ = product
    out = run(sim.path, tmp_path / "out.tif", speckle="None", dem=str(dem), dem_geoid="none",
              projection=projection, resolution=10)
    errors = _peak_errors(out, sim.targets)
    assert len(errors) == 5
    assert max(errors) < 1.0, errors


def test_radiometry_within_0_2_db(product, tmp_path):
    sim, dem, (terrain, ascending) = product
    if terrain != "flat" or ascending:
        pytest.skip("radiometry is checked once, on flat terrain (descending)")
    truth = json.loads(sim.truth_path.read_text())
    with rasterio.open(dem) as src:
        classes = src.read(2)
        dem_transform = src.transform
    for kind in ("Sigma", "Gamma", "Beta", "SigmaDB", "GammaDB", "BetaDB"):
        out = run(sim.path, tmp_path / f"{kind}.tif", calibration=kind, speckle="None", dem=str(dem),
                  dem_geoid="none", resolution=10)
        with rasterio.open(out) as src:
            data = src.read(1)
            xs, ys = src.xy(*np.mgrid[0:data.shape[0], 0:data.shape[1]].reshape(2, -1))
        rows, cols = rasterio.transform.rowcol(dem_transform, xs, ys)
        klass = classes[np.clip(rows, 0, classes.shape[0] - 1), np.clip(cols, 0, classes.shape[1] - 1)]
        klass = klass.reshape(data.shape)
        incidence = _incidence(out, sim.path)
        far = _far_from_targets(out, sim.targets, data.shape)
        for k, sigma0 in enumerate(truth["class_sigma0"]):
            inner = (klass == k) & np.isfinite(data) & _interior(klass == k) & far
            if inner.sum() < 500:
                continue
            values = 10 ** (data[inner] / 10) if kind.endswith("DB") else data[inner]
            expected = {"Sigma": sigma0, "Gamma": sigma0 / np.cos(incidence[inner]),
                        "Beta": sigma0 / np.sin(incidence[inner])}[kind.removesuffix("DB")]
            error_db = 10 * np.log10(values.mean() / np.mean(expected))
            assert abs(error_db) < 0.2, (kind, k, error_db)


def _far_from_targets(path, targets, shape, radius: int = 10) -> np.ndarray:
    """False within `radius` pixels of a point target (their energy is not part of the area's sigma0)."""
    with rasterio.open(path) as src:
        inv = ~src.transform
    rr, cc = np.mgrid[0:shape[0], 0:shape[1]]
    keep = np.ones(shape, bool)
    for t in targets:
        col, row = inv * (t["lon"], t["lat"])
        keep &= (rr - row) ** 2 + (cc - col) ** 2 > radius ** 2
    return keep


def _interior(mask: np.ndarray, margin: int = 6) -> np.ndarray:
    from scipy.ndimage import binary_erosion

    return binary_erosion(mask, iterations=margin)


def _incidence(path, product_path) -> np.ndarray:
    """Ellipsoid incidence (radians) of the output pixels, from the product's own geolocation grid."""
    from scipy.interpolate import griddata

    from ai4c.products.sentinel1 import open_grd

    g = open_grd(product_path).geolocation
    with rasterio.open(path) as src:
        rows, cols = np.mgrid[0:src.height, 0:src.width]
        xs, ys = src.xy(rows.ravel(), cols.ravel())
    inc = griddata(np.column_stack([g.longitude, g.latitude]), g.incidence_angle, (np.asarray(xs), np.asarray(ys)),
                   method="linear")
    return np.radians(inc.reshape(rows.shape))
