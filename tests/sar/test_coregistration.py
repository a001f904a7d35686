"""Geometric coregistration, deramp/resample/reramp, ESD and coherence on a simulated IW pair whose
misregistration, baseline and coherence are known from the simulator (its own geometry and field)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import uniform_filter

from ai4c.products.sentinel1_slc import open_slc, read_complex
from ai4c.sar.coregistration import esd_shift_lines, geometric_offsets
from ai4c.sar.interferogram import TopsContext, burst_products, esd_measurements, resample_secondary
from ai4c.simulate.s1.pair import make_pair, write_pair

pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    truth = make_pair(annotated_shift_lines=0.3, timing_error_lines=0.02, baseline=60.0)
    first, second = write_pair(tmp_path_factory.mktemp("pair"), truth, seed=7)
    return truth, open_slc(first), open_slc(second)


def _offsets(ref, sec, name):
    r, s = ref.swaths[name], sec.swaths[name]
    g = r.geolocation
    return r, s, geometric_offsets(r, s, r.orbit, s.orbit, (g.line, g.pixel, g.latitude, g.longitude), None)


@pytest.mark.parametrize("name", ["IW1", "IW2", "IW3"])
def test_geometric_offsets_and_esd_reach_the_simulated_misregistration(pair, name):
    truth, ref, sec = pair
    r, s, offsets = _offsets(ref, sec, name)
    zr, zs = read_complex(r).values, read_complex(s).values
    velocity = float(np.linalg.norm(r.orbit.velocity[len(r.orbit.time) // 2]))
    shift = 0.0
    for _ in range(2):  # ESD on the coregistered overlaps, then once more on the residual
        phases, weights, dopplers = esd_measurements(r, s, zr, zs, offsets, velocity, shift)
        shift += esd_shift_lines(phases, weights, dopplers, r.azimuth_time_interval)
    for o in offsets:
        inner = (o.node_samples > 20) & (o.node_samples < r.samples - 20)
        azimuth = o.line + shift - truth.secondary_line(o.node_lines)[:, None]
        rng = o.sample - truth.secondary_sample(name, o.node_samples)[None, :]
        assert np.abs(azimuth).max() <= 0.005, np.abs(azimuth).max()
        assert np.abs(rng[:, inner]).max() <= 0.05, np.abs(rng[:, inner]).max()
    assert abs(shift + truth.timing_error_lines) <= 0.005  # ESD found the unannotated timing error


def test_coherence_of_coherent_ground(pair):
    truth, ref, sec = pair
    r, s, offsets = _offsets(ref, sec, "IW2")
    zr, zs = read_complex(r).values, read_complex(s).values
    velocity = float(np.linalg.norm(r.orbit.velocity[len(r.orbit.time) // 2]))
    o = offsets[1]
    lines, samples = np.arange(r.lines_per_burst, dtype=float), np.arange(r.samples, dtype=float)
    pair_burst = s.bursts[o.secondary]
    sec_burst = zs[pair_burst.first_line:pair_burst.first_line + pair_burst.lines]
    resampled = resample_secondary(sec_burst, pair_burst, TopsContext.of(s, velocity), o, lines, samples,
                                   -truth.timing_error_lines)
    product = burst_products(zr[r.bursts[1].first_line:r.bursts[1].first_line + r.lines_per_burst], resampled, o,
                             lines, samples, TopsContext.of(r, velocity).wavelength)
    box = [uniform_filter(p[20:-20, 20:-20].astype(np.float64), (3, 10)) for p in product]
    gamma = np.hypot(box[0], box[1]) / np.sqrt(box[2] * box[3])
    assert 0.8 <= np.median(gamma) <= 0.95
    phase = np.angle(uniform_filter(product[0], 15) + 1j * uniform_filter(product[1], 15))[30:-30, 30:-30]
    assert np.abs(np.median(phase)) < 0.2  # flat-earth phase (60 m baseline: many fringes) removed
