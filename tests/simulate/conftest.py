"""Simulated S2 products shared by the simulator tests (built once per session, small)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def s2_product(tmp_path_factory):
    """Factory: (level, baseline, size, zip) -> path of a simulated product, cached per session."""
    from ai4c.simulate.s2 import simulate_s2

    cache: dict[tuple, object] = {}

    def make(level: str = "L2A", baseline: str = "05.09", size: int = 64, zip: bool = False, seed: int = 3):
        key = (level, baseline, size, zip, seed)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"s2_{level}_{baseline.replace('.', '')}_{size}")
            cache[key] = simulate_s2(out, level=level, baseline=baseline, size=size, seed=seed, zip=zip)
        return cache[key]

    return make
