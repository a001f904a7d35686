"""S1-SLC-preprocess on simulated IW SLC products against the simulator's truth, and on real annotation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import rasterio
from tests.conftest import shared
from tests.s1_cli_errors import assert_bad_input

from ai4c.cli.s1_slc import main
from ai4c.pipelines.s1_slc import run
from ai4c.products.sentinel1 import seconds_since
from ai4c.products.sentinel1_slc import open_slc, read_complex
from ai4c.sar.deburst import deburst, plan_deburst, valid_lines, valid_samples
from ai4c.simulate.s1.slc import BETA, DT, make_truth, ramp_beta0
from ai4c.simulate.s1.slc_safe import NOISE_POWER, write_product

XS = ("s1", "xarray-sentinel", "tests", "data")
S1B_SLC = "S1B_IW_SLC__1SDV_20210401T052622_20210401T052650_026269_032297_EFA4.SAFE"
S1R = ("s1", "s1-reader", "tests", "data", "S1A_IW_SLC__1SDV_20200511T135117_20200511T135144_032518_03C421_7768.zip")

pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")


@pytest.fixture(scope="module")
def targets_product(tmp_path_factory):
    truth = make_truth((41.9, 12.5), height=0.0)
    return write_product(tmp_path_factory.mktemp("slc"), truth, seed=3), truth


def test_reader_matches_xarray_sentinel_on_real_annotation():
    xarray_sentinel = pytest.importorskip("xarray_sentinel")
    path = shared(*XS, S1B_SLC)
    product = open_slc(path)
    swath = product.swaths["IW1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = xarray_sentinel.open_sentinel1_dataset(path, group="IW1/VV")
    assert len(swath.bursts) == ref.attrs["number_of_bursts"] == 9
    assert swath.lines_per_burst == ref.attrs["lines_per_burst"] == 1501
    assert (swath.lines, swath.samples) == ref.measurement.shape
    first = xarray_sentinel.crop_burst_dataset(ref, burst_index=3)
    t = swath.epoch + np.timedelta64(int(round(swath.bursts[3].first_line_time * 1e9)), "ns")
    assert abs((first.azimuth_time.values[0] - t) / np.timedelta64(1, "us")) < 1
    assert product.absolute_orbit == 26269 and product.relative_orbit == 168
    assert valid_samples(swath.bursts[0]) == (529, 20935) and valid_lines(swath.bursts[0]) == (19, 1482)


def test_deburst_plan_of_a_real_three_swath_product():
    product = open_slc(shared(*S1R))
    plan = plan_deburst(list(product.swaths.values()))
    assert plan.max_rounding < 1e-3
    for name, swath in product.swaths.items():
        pieces = [p for p in plan.pieces if p.swath == name]
        assert len(pieces) == len(swath.bursts) == 9
        for a, b in zip(pieces[:-1], pieces[1:], strict=True):  # consecutive bursts abut: no gap, no duplicate
            assert a.out_line1 == b.out_line0
            t_a = swath.bursts[a.burst].first_line_time + (a.out_line1 - 1 - a.out_line0 + a.src_line
                                                        - swath.bursts[a.burst].first_line) * swath.azimuth_time_interval
            t_b = swath.bursts[b.burst].first_line_time + (b.src_line - swath.bursts[b.burst].first_line) \
                * swath.azimuth_time_interval
            assert abs(t_b - t_a - swath.azimuth_time_interval) < 1e-6
    cols = sorted({(p.out_sample0, p.out_sample1) for p in plan.pieces})
    assert all(a[1] == b[0] for a, b in zip(cols[:-1], cols[1:], strict=True))


def test_deburst_reproduces_a_ramp_across_burst_and_swath_joins(tmp_path):
    truth = make_truth((41.9, 12.5), height=0.0, scene="ramp", targets=0)
    product = open_slc(write_product(tmp_path, truth))
    plan = plan_deburst(list(product.swaths.values()))
    images = {k: np.abs(read_complex(s).values.astype(np.complex128)) ** 2 for k, s in product.swaths.items()}
    beta0 = (deburst(images, plan).values - NOISE_POWER) / BETA ** 2
    times = plan.line_time(np.arange(plan.lines)) + float(seconds_since(plan.epoch, truth.epoch))
    ranges = plan.near_range + np.arange(plan.samples) * plan.range_spacing
    expected = ramp_beta0(times[:, None], ranges[None, :])
    valid = np.isfinite(beta0)
    for swath in truth.swaths:  # each sub-swath: one unbroken run of lines from its first to its last valid time
        col = int(round((swath.slant_range(swath.samples // 2) - plan.near_range) / plan.range_spacing))
        rows = np.flatnonzero(valid[:, col])
        assert np.all(np.diff(rows) == 1)
        span = (swath.burst_times()[-1] - swath.first_burst_time) / DT + swath.lines_per_burst - 2 * swath.invalid_lines
        assert rows.size == int(round(span))
    rel = np.abs(beta0[valid] / expected[valid] - 1)
    assert rel.max() < 0.02 and rel.mean() < 0.003
    shifted = ramp_beta0(times[:, None] + DT, ranges[None, :])  # a one-line slip would show
    assert np.abs(beta0[valid] / shifted[valid] - 1).mean() > 0.05


def _target_errors(path, targets):
    """Distances (output pixels) of the targets' brightness centroids from their true positions."""
    from ai4c.demo.sections.s1_slc import target_errors

    return np.array(target_errors(path, targets))


@pytest.mark.parametrize("projection", ["WGS84"])
def test_point_targets_single_look(tmp_path, targets_product, projection):
    path, truth = targets_product
    out = run(path, tmp_path / "o.tif", calibration="Beta", speckle="None", projection=projection,
              azimuth_looks=1, range_looks=1)
    errors = _target_errors(out, truth.targets)
    assert errors.max() < 0.5, errors


def test_point_targets_and_calibration_default_looks(tmp_path, targets_product):
    path, truth = targets_product
    out = run(path, tmp_path / "o.tif", calibration="Beta", speckle="Lee Sigma", projection="UTM")
    errors = _target_errors(out, truth.targets)
    assert errors.max() < 0.5, errors
    with rasterio.open(out) as src:
        values = src.read(1)
        tags = src.tags()
    assert abs(10 * np.log10(np.nanmedian(values) / truth.beta0)) < 0.3
    assert src.res == (10.0, 10.0) and tags is not None


def test_cli_bad_inputs(capsys, tmp_path, targets_product):
    path, _ = targets_product

    def bad(*args):
        return assert_bad_input(main, capsys, tmp_path / "out.tif", *args)

    assert "use S1-GRD-preprocess" in bad("--input", shared(*XS, "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_"
                                                             "026269_032297_ECC8.SAFE"))
    assert "polarization='HV'" in bad("--input", path, "--polarization", "HV")
    assert "bursts [7]" in bad("--input", path, "--bursts", "7")


def test_xarray_sentinel_reads_the_simulated_bursts(targets_product):
    xarray_sentinel = pytest.importorskip("xarray_sentinel")
    path, _ = targets_product
    swath = open_slc(path).swaths["IW2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = xarray_sentinel.open_sentinel1_dataset(path, group="IW2/VV")
        burst = xarray_sentinel.crop_burst_dataset(ref, burst_index=2)
    assert ref.attrs["number_of_bursts"] == len(swath.bursts) == 3
    t = swath.epoch + np.timedelta64(int(round(swath.bursts[2].first_line_time * 1e9)), "ns")
    assert abs((burst.azimuth_time.values[0] - t) / np.timedelta64(1, "us")) < 1
    ours = read_complex(swath).values[swath.bursts[2].first_line:swath.bursts[2].first_line + swath.lines_per_burst]
    np.testing.assert_array_equal(burst.measurement.values, ours)


def test_stripmap_product_needs_no_deburst():
    path = shared(*XS, "S1A_S3_SLC__1SDV_20210401T152855_20210401T152914_037258_04638E_6001.SAFE")
    product = open_slc(path)
    assert product.polarization == "VH" and not product.is_tops
    swath = product.swaths["S3"]
    assert swath.bursts == [] and (swath.lines, swath.samples) == (36895, 18998)
    from ai4c.sar.deburst import plan_stripmap

    plan = plan_stripmap(swath)
    assert len(plan.pieces) == 1 and (plan.lines, plan.samples) == (swath.lines, swath.samples)
    assert plan.near_range == pytest.approx(swath.slant_range_time * 299792458.0 / 2)


def test_simulated_stripmap_product_and_its_point_targets(tmp_path, run_cli):
    code, out, _ = run_cli("simulate", "s1-slc", "--mode", "SM", "--output_path", tmp_path / "cli",
                           "--lines-per-burst", "300", "--bursts", "2", "--samples", "400")
    assert code == 0
    product = open_slc(out.strip().splitlines()[-1])
    assert product.mode == "SM" and not product.is_tops and list(product.swaths) == ["S3"]
    swath = product.swaths["S3"]
    assert swath.bursts == [] and (swath.lines, swath.samples) == (600, 400)
    truth = make_truth((41.9, 12.5), lines_per_burst=300, samples=400, bursts=2, mode="SM", targets=3, height=0.0)
    path = write_product(tmp_path / "api", truth, seed=1)
    out = run(path, tmp_path / "o.tif", calibration="Beta", speckle="None", projection="WGS84", azimuth_looks=1,
              range_looks=1)
    errors = _target_errors(out, truth.targets)
    assert errors.max() < 0.5, errors


def test_aoi_keeps_the_bursts_it_needs(tmp_path, targets_product, capsys):
    path, truth = targets_product
    target = truth.targets[2]
    d = 0.004
    aoi = (f"POLYGON(({target['lon'] - d} {target['lat'] - d}, {target['lon'] + d} {target['lat'] - d}, "
           f"{target['lon'] + d} {target['lat'] + d}, {target['lon'] - d} {target['lat'] + d}, "
           f"{target['lon'] - d} {target['lat'] - d}))")
    from ai4c.pipelines.s1_slc import bursts_for_aoi

    product = open_slc(path)
    bursts_for_aoi(product, aoi, margin_deg=0.001)  # the simulated bursts are only ~2.5 km long
    assert 1 <= sum(len(s.bursts) for s in product.swaths.values()) < 9
    out = run(path, tmp_path / "aoi.tif", calibration="Beta", speckle="None", projection="UTM", aoi=aoi)
    with rasterio.open(out) as src:
        assert src.width * 10 < 1200 and src.height * 10 < 1200  # the AoI (~0.8 km) and no more
    assert _target_errors(out, [target]).max() < 0.5
    far = "POLYGON((0 0, 0.01 0, 0.01 0.01, 0 0.01, 0 0))"
    assert "meets no burst" in assert_bad_input(main, capsys, tmp_path / "x.tif", "--input", path, "--AoI", far)
