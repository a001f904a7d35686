"""The one-pass numba kernels of the coregistration tiles against the numpy formulas they replace: TOPS
deramp/reramp (exp(-/+ j tops_phase)), the interferometric products, and the sampled window sums."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ai4c.sar.boxcar import sampled_window_sums
from ai4c.sar.coregistration import BurstOffsets
from ai4c.sar.interferogram import burst_products
from ai4c.sar.tops import apply_steering, tops_phase

BURST = SimpleNamespace(lines=1500, azimuth_steering_rate=0.0276, doppler_centroid=(5.36e-3, np.array([-20.0, 4e4, -1e7])),
                        fm_rate=(5.36e-3, np.array([-2300.0, 4.5e5, -7e7])))
GEOMETRY = {"slant_range_time": 5.36e-3, "range_sampling_rate": 64345238.0, "line_interval": 2.0555e-3,
            "velocity": 7590.0, "wavelength": 0.05546576}


def _values(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


def test_steering_kernel_matches_the_phase_formula():
    lines = np.linspace(-3.0, 1503.0, 40)[:, None] + np.zeros((1, 50))
    samples = np.linspace(0.0, 21000.0, 50)[None, :] + 0.37 * np.sin(lines)  # irregular positions, as resampled
    values = _values(lines.shape)
    g = GEOMETRY
    tau = g["slant_range_time"] + samples / g["range_sampling_rate"]
    tau_mid = g["slant_range_time"] + 10816 / g["range_sampling_rate"]
    phase = tops_phase(BURST, lines, tau, g["line_interval"], g["velocity"], g["wavelength"], tau_mid)
    for sign in (-1, 1):
        out = apply_steering(values, BURST, lines, samples, sign, g["slant_range_time"], g["range_sampling_rate"],
                             g["line_interval"], g["velocity"], g["wavelength"], tau_mid)
        np.testing.assert_allclose(out, values * np.exp(sign * 1j * phase), rtol=1e-5, atol=1e-5)


def test_products_kernel_matches_numpy():
    m, s = _values((30, 40), 1), _values((30, 40), 2)
    nodes_l, nodes_s = np.array([0.0, 40.0]), np.array([0.0, 50.0])
    delta = np.array([[0.1, 3.7], [1.2, -2.5]])
    offsets = BurstOffsets(0, 0, nodes_l, nodes_s, delta, delta, delta)
    lines, samples = np.arange(30.0), np.arange(40.0)
    out = burst_products(m, s, offsets, lines, samples, 0.0555)
    product = m * np.conj(s) * np.exp(4j * np.pi / 0.0555 * offsets.at(lines, samples, "delta_range"))
    np.testing.assert_allclose(out, np.stack([product.real, product.imag, np.abs(m) ** 2, np.abs(s) ** 2]),
                               rtol=1e-4, atol=1e-5)


def test_sampled_window_sums_equal_direct_sums():
    rng = np.random.default_rng(3)
    layers = rng.standard_normal((2, 23, 31)).astype(np.float32)
    layers[0, 4:7, 5:9] = np.nan
    layers[1, 10, 12] = np.nan
    rows, cols = np.array([0, 2, 5, 22]), np.array([1, 3, 4, 17, 30])
    for joint in (True, False):
        sums, counts = sampled_window_sums(layers, (3, 5), rows, cols, joint)
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                cut = layers[:, max(r - 2, 0):r + 1, max(c - 4, 0):c + 1]
                finite = np.isfinite(cut).all(axis=0) if joint else np.isfinite(cut)
                expected = np.where(finite, cut, 0).sum(axis=(1, 2))
                np.testing.assert_allclose(sums[:, i, j], expected, rtol=1e-6, atol=1e-6)
                assert (counts[:, i, j] == (finite.sum() if joint else finite.sum(axis=(1, 2)))).all()


def test_resampling_kernels_interpolate_a_smooth_signal():
    """Both compilations of the sinc resampler (numba threads, calling thread) give the same values, within
    1% of a slowly varying complex exponential (8-tap kernel) evaluated at the fractional positions themselves."""
    from ai4c.sar.coregistration import resample_complex

    def signal(y, x):
        return np.exp(1j * (0.21 * y + 0.13 * x) + 0.01 * x).astype(np.complex64)

    y, x = np.mgrid[0:60, 0:80].astype(np.float64)
    lines, samples = 10 + 0.731 * y[:40, :50] + 0.05 * x[:40, :50], 12 + 0.9 * x[:40, :50] + 0.377
    parallel = resample_complex(signal(y, x), lines, samples)
    serial = resample_complex(signal(y, x), lines, samples, serial=True)
    np.testing.assert_array_equal(parallel, serial)
    np.testing.assert_allclose(parallel, signal(lines, samples), rtol=1e-2)
    outside = resample_complex(signal(y, x), np.full((2, 2), -1.5), np.full((2, 2), 3.0), serial=True)
    assert (outside == 0).all()
