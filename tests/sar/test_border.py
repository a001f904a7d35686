"""Border noise: SNAP's trimming on an old-IPF product, ESA's zero fill as no data on a new one."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.products.sentinel1 import open_grd
from ai4c.sar.border import remove_border_noise
from ai4c.sar.calibration import intensity
from ai4c.sar.noise import remove_thermal_noise
from ai4c.simulate.s1.grd import simulate_grd


@pytest.mark.parametrize("ipf", [2.36, 3.31])
def test_border_becomes_no_data(tmp_path, ipf):
    sim = simulate_grd(tmp_path, size=(200, 300), terrain="flat", ipf=ipf, seed=1)
    product = open_grd(sim.path)
    dn = product.read_dn(64)
    raw = dn.values
    if ipf < 2.9:
        assert raw[:, :3].min() > 0  # the dim border noise is there, not zero
    cleaned = remove_border_noise(remove_thermal_noise(intensity(dn), product), product.ipf_version,
                                  border_limit=50, full_shape=(product.lines, product.samples)).values
    assert np.isnan(cleaned[:, :3]).all() and np.isnan(cleaned[:, -3:]).all()
    interior = cleaned[:, 10:-10]
    assert np.isfinite(interior).mean() > 0.99
