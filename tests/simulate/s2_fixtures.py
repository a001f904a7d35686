"""Simulated S2 products shared by the simulator tests (built once per session, small).

Not a conftest.py on purpose: a second module named `conftest` would shadow tests/conftest.py for
`from conftest import shared`. Test modules import the fixture: `from s2_fixtures import s2_product_fixture`.
"""

from __future__ import annotations

import pytest

_CACHE: dict[tuple, object] = {}


@pytest.fixture(scope="session", name="s2_product")
def s2_product_fixture(tmp_path_factory):
    """Factory: (level, baseline, size, zip) -> path of a simulated product, cached per session."""
    from ai4c.simulate.s2.product import simulate_s2

    def make(level: str = "L2A", baseline: str = "05.09", size: int = 64, zip: bool = False, seed: int = 3):
        key = (level, baseline, size, zip, seed)
        if key not in _CACHE:
            out = tmp_path_factory.mktemp(f"s2_{level}_{baseline.replace('.', '')}_{size}")
            _CACHE[key] = simulate_s2(out, level=level, baseline=baseline, size=size, seed=seed, zip=zip)
        return _CACHE[key]

    return make
