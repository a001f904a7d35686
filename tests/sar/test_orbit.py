"""Orbit interpolation and EOF selection."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import shared

from ai4c.core.errors import DependencyMissingError
from ai4c.products.eof import covers, find_orbit, read_eof
from ai4c.products.sentinel1 import open_grd, to_datetime64
from ai4c.sar.orbit import interpolate

XS_GRD = "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"


def test_interpolant_reproduces_state_vectors_sub_millimetre():
    orbit = open_grd(shared("s1", "xarray-sentinel", "tests", "data", XS_GRD)).orbit
    pos, vel = interpolate(orbit, orbit.time)
    assert np.abs(pos - orbit.position).max() < 1e-3
    assert np.abs(vel - orbit.velocity).max() < 1e-6
    # leave-one-out: dropping a vector, the interpolant predicts it to within a few metres
    keep = np.ones(orbit.time.size, bool)
    keep[5] = False
    from ai4c.products.sentinel1 import OrbitVectors
    thinned = OrbitVectors(orbit.epoch, orbit.time[keep], orbit.position[keep], orbit.velocity[keep])
    p5, _ = interpolate(thinned, orbit.time[5])
    assert np.linalg.norm(p5[0] - orbit.position[5]) < 5.0


def test_eof_folder_picks_the_covering_file():
    folder = shared("s1", "s1-reader", "tests", "data", "orbits_history")
    epoch = to_datetime64("2022-10-24T18:50:00")
    orbit = find_orbit(folder, epoch, 0.0, 30.0, "S1A")
    assert "RESORB_OPOD_20221024T205436" in orbit.source
    assert covers(orbit, 0.0, 30.0)
    with pytest.raises(DependencyMissingError, match="no orbit file"):
        find_orbit(folder, to_datetime64("2019-01-01T00:00:00"), 0.0, 30.0, "S1A")
    # inside the RESORB header's validity (17:03-20:20) but outside its trimmed vectors (18:38-19:10)
    with pytest.raises(DependencyMissingError, match="no orbit file"):
        find_orbit(folder, to_datetime64("2022-10-24T17:30:00"), 0.0, 30.0, "S1A")


def test_header_count_is_not_trusted():
    # this trimmed POEORB says count="9361" but holds 143 vectors
    path = next(shared("s1", "s1-reader", "tests", "data", "orbits_history").glob("*20141003T225944*.EOF"))
    orbit = read_eof(path, to_datetime64("2014-10-04T00:00:00"))
    assert orbit.time.size == 143
