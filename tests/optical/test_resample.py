import numpy as np
import pytest
from affine import Affine
from pyproj import CRS

from ai4c.core.errors import InvalidParameterError
from ai4c.core.grid import Grid
from ai4c.core.lazyraster import georeferenced
from ai4c.optical.resample import check_methods, resample, resample_array

UTM = CRS.from_epsg(32633)
# SNAP AggregatedOpImageTest_Flags: 4x4 source, pixel 2, origin 2 -> 2x2 target, pixel 4, origin 4
SNAP_SRC = np.array([[5, 1, 2, 3], [9, 6, 3, 2], [7, 5, 7, 1], [7, 5, 9, 5]], np.uint16)
SNAP_SRC_T = Affine(2, 0, 2, 0, -2, -2)
SNAP_DST = Grid(UTM, Affine(4, 0, 4, 0, -4, -4), 2, 2)


@pytest.mark.parametrize("method, expected", [
    ("FlagAnd", [[0, 0], [1, 5]]), ("FlagOr", [[7, 3], [13, 5]]),
    ("FlagMedianAnd", [[7, 0], [1, 5]]), ("FlagMedianOr", [[7, 3], [13, 5]]), ("First", [[6, 2], [5, 5]]),
])
def test_snap_flag_test_vectors(method, expected):
    out = resample_array(SNAP_SRC, SNAP_SRC_T, SNAP_DST, method, flag=True, nodata=117)
    assert out.dtype == np.uint16
    assert out.tolist() == expected


@pytest.mark.parametrize("method, expected", [
    ("First", [[6, 2], [5, 5]]), ("Min", [[3, 1], [5, 5]]), ("Max", [[7, 2], [9, 5]]),
    ("Mean", [[5.25, 1.5], [7, 5]]), ("Median", [[5.5, 1.5], [7, 5]]),
])
def test_downsampling_by_hand(method, expected):
    out = resample_array(SNAP_SRC.astype(np.float32), SNAP_SRC_T, SNAP_DST, method)
    np.testing.assert_allclose(out, expected)


def test_downsampling_ignores_nan_and_all_nan_is_nan():
    src = np.array([[1, np.nan, 8, 8], [3, np.nan, 8, np.nan], [np.nan] * 4, [np.nan] * 4], np.float32)
    grid = Grid(UTM, Affine(2, 0, 0, 0, -2, 0), 2, 2)
    out = resample_array(src, Affine(1, 0, 0, 0, -1, 0), grid, "Mean")
    np.testing.assert_allclose(out[0], [2.0, 8.0])
    assert np.isnan(out[1]).all()


def test_upsampling_by_hand():
    src = np.array([[0, 10]], np.float32)
    grid = Grid(UTM, Affine(5, 0, 0, 0, -5, 0), 4, 2)
    t = Affine(10, 0, 0, 0, -10, 0)
    np.testing.assert_allclose(resample_array(src, t, grid, "Nearest")[0], [0, 0, 10, 10])
    np.testing.assert_allclose(resample_array(src, t, grid, "Bilinear")[0], [0, 2.5, 7.5, 10])
    spike = np.array([[0, 0, 10, 0, 0]], np.float32)
    grid5 = Grid(UTM, Affine(5, 0, -2.5, 0, -10, 0), 10, 1)  # target centres at 0, 5, 10, ... m
    cubic = resample_array(spike, t, grid5, "Bicubic")[0]
    # centre 20 m is half-way between source pixels 1 and 2: Keys weights -1/16, 9/16, 9/16, -1/16 on 0, 0, 10, 0
    np.testing.assert_allclose(cubic[2:7], [10 * -0.0625, 0, 10 * 0.5625, 10, 10 * 0.5625], atol=1e-5)
    ramp = np.arange(8, dtype=np.float32)[None, :].repeat(3, 0) * 10
    g = Grid(UTM, Affine(5, 0, 0, 0, -10, 0), 16, 3)
    np.testing.assert_allclose(resample_array(ramp, t, g, "Bicubic")[1, 4:12], 10 * (np.arange(4, 12) * 0.5 + 0.25 - 0.5), atol=1e-4)


def test_identity_is_exact():
    src = np.random.default_rng(0).random((8, 8)).astype(np.float32)
    grid = Grid(UTM, Affine(1, 0, 2, 0, -1, -3), 4, 4)
    out = resample_array(src, Affine(1, 0, 0, 0, -1, 0), grid, "Bilinear")
    np.testing.assert_array_equal(out, src[3:7, 2:6])


@pytest.mark.parametrize("method", ["Nearest", "Bilinear", "Bicubic", "First", "Mean", "Median", "Max"])
def test_lazy_blocks_match_in_memory(method):
    import dask.array as da

    rng = np.random.default_rng(1)
    values = rng.random((60, 60)).astype(np.float32)
    t = Affine(20, 0, 1000, 0, -20, 5000)
    src = georeferenced(da.from_array(values, chunks=17), t, UTM)
    res = 10 if method in ("Nearest", "Bilinear", "Bicubic") else 60
    grid = Grid(UTM, Affine(res, 0, 1000, 0, -res, 5000), 1200 // res, 1200 // res)
    lazy = resample(src, grid, method, block=16).values
    np.testing.assert_allclose(lazy, resample_array(values, t, grid, method), rtol=1e-6)


def test_outside_the_source_is_nodata():
    import dask.array as da

    src = georeferenced(da.ones((4, 4), np.float32, chunks=2), Affine(10, 0, 0, 0, -10, 40), UTM)
    grid = Grid(UTM, Affine(10, 0, 20, 0, -10, 40), 4, 4)
    out = resample(src, grid, "Bilinear", block=2).values
    assert np.isfinite(out[:, :2]).all() and np.isnan(out[:, 2:]).all()


def test_method_names_are_checked():
    assert check_methods("bilinear", "mean", "flagor") == ("Bilinear", "Mean", "FlagOr")
    with pytest.raises(InvalidParameterError, match="Nearest, Bilinear, Bicubic"):
        check_methods("Lanczos", "Mean", "First")


@pytest.mark.parametrize("method", ["First", "Min", "Max", "Mean"])
@pytest.mark.parametrize("scale,shift", [(2.0, 0.0), (3.0, 0.0), (3.0, -1.0), (6.0, 2.0), (2.0, 5.5)])
def test_numpy_aggregation_equals_the_compiled_kernels(method, scale, shift):
    """The numpy reduceat path (contiguous ranges, clipped at the edges) against the numba loops."""
    from ai4c.optical.aggregate_kernels import aggregate_float
    from ai4c.optical.resample import _METHOD_CODES, aggregate, contributor_ranges

    rng = np.random.default_rng(3)
    values = rng.random((37, 41)).astype(np.float32)
    values[rng.random(values.shape) < 0.3] = np.nan
    values[:6, :6] = np.nan  # whole target pixels without data
    rows = contributor_ranges(scale, shift, int(37 / scale) + 2, 37)
    cols = contributor_ranges(scale, shift, int(41 / scale) + 2, 41)
    expected = aggregate_float(values, rows[0], rows[1], cols[0], cols[1], _METHOD_CODES[method])
    np.testing.assert_array_equal(aggregate(values, rows, cols, method), expected)  # float64 sums, as the kernel
    whole = (slice(0, 36), slice(0, 35))  # k x k blocks (the last column cut at scale 2 and 3): the strided path
    rows, cols = contributor_ranges(scale, 0.0, int(36 / scale), 36), contributor_ranges(scale, 0.0, int(36 / scale), 35)
    expected = aggregate_float(values[whole], rows[0], rows[1], cols[0], cols[1], _METHOD_CODES[method])
    np.testing.assert_array_equal(aggregate(values[whole], rows, cols, method), expected)


@pytest.mark.parametrize("scale", [2.0, 3.0, 6.0])
@pytest.mark.parametrize("shape", [(36, 36), (37, 41)])
def test_mean_without_missing_values_equals_the_compiled_kernel(scale, shape):
    """The strided Mean's fast path (no NaN among the contributors; cells cut by the source's edge redone
    with NaN bookkeeping) gives the numba loop's numbers exactly."""
    from ai4c.optical.aggregate_kernels import aggregate_float
    from ai4c.optical.resample import _METHOD_CODES, aggregate, contributor_ranges

    values = (np.random.default_rng(4).integers(1, 10000, shape).astype(np.float32) - 1000) / 10000
    rows = contributor_ranges(scale, 0.0, int(np.ceil(shape[0] / scale)), shape[0])
    cols = contributor_ranges(scale, 0.0, int(np.ceil(shape[1] / scale)), shape[1])
    expected = aggregate_float(values, rows[0], rows[1], cols[0], cols[1], _METHOD_CODES["Mean"])
    np.testing.assert_array_equal(aggregate(values, rows, cols, "Mean"), expected)
