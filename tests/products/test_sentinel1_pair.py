"""S1 SLC pair rules on real metadata (s1-reader, xarray-sentinel) and simulated products."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ai4c.core.errors import IncompatiblePairError
from ai4c.core.log import collect_warnings
from ai4c.products.sentinel1_pair import check_pair, relative_orbit, repeat_interval, track_of
from ai4c.products.sentinel1_slc import open_slc
from tests.conftest import shared

S1R = ("s1", "s1-reader", "tests", "data")
P2020 = "S1A_IW_SLC__1SDV_20200511T135117_20200511T135144_032518_03C421_7768.zip"
P2022 = "S1A_IW_SLC__1SDV_20221016T015043_20221016T015111_045461_056FC0_6681.zip"
P2023 = "S1A_IW_SLC__1SDV_20230108T135249_20230108T135316_046693_0598D3_BA76.zip"
S1B = ("s1", "xarray-sentinel", "tests", "data", "S1B_IW_SLC__1SDV_20210401T052622_20210401T052650_026269_032297_EFA4.SAFE")


def test_relative_orbits_match_the_manifests():
    for name, expected in ((P2020, 71), (P2022, 64), (P2023, 71)):
        product = open_slc(shared(*S1R, name))
        assert product.relative_orbit == expected
        assert relative_orbit("S1A", product.absolute_orbit) == expected == track_of(product)
    s1b = open_slc(shared(*S1B))
    assert relative_orbit("S1B", s1b.absolute_orbit) == s1b.relative_orbit == 168
    assert relative_orbit("S1A", 32518) == (32518 - 73) % 175 + 1 == 71


def test_a_manifest_track_that_disagrees_wins_with_a_warning():
    product = dataclasses.replace(open_slc(shared(*S1R, P2020)), relative_orbit=70)  # computed: 71
    with collect_warnings() as warnings:
        assert track_of(product) == 70
    assert len(warnings) == 1 and "manifest relative orbit 70 differs from 71" in warnings[0]


def test_the_972_day_pair_by_hand():
    first, second = open_slc(shared(*S1R, P2020)), open_slc(shared(*S1R, P2023))
    # by hand: 2020-05-11T13:51:17.603718 -> 2023-01-08T13:52:49.577091 = 972 days + 91.973373 s;
    # 972 = 162 x 6 days, so the 6-day rule holds only within 91.97 s
    interval = repeat_interval(first.start, second.start)
    assert interval.repeats == 162 and interval.residual == pytest.approx(91.973373, abs=1e-5)
    with pytest.raises(IncompatiblePairError, match=r"972\.0011 days apart.*off by 92\.0 s > 30 s"):
        check_pair(first, second)
    with pytest.raises(IncompatiblePairError, match="different sub-swaths"):  # 6-day rule met within 100 s;
        check_pair(first, second, tolerance_s=100)  # the next rule refuses: that zip holds IW2 only


def test_each_rule_names_both_values():
    first = open_slc(shared(*S1R, P2020))
    other_track = open_slc(shared(*S1R, P2022))
    with pytest.raises(IncompatiblePairError, match=r"different relative orbits \(71 vs 64\)"):
        check_pair(first, other_track)
    with pytest.raises(IncompatiblePairError, match=r"different modes \(IW vs SM\)"):
        check_pair(first, dataclasses.replace(first, mode="SM"))
    with pytest.raises(IncompatiblePairError, match=r"0\.0000 days apart"):
        check_pair(first, first)
    twelve = dataclasses.replace(first, start=first.start + np.timedelta64(12, "D"),
                                 absolute_orbit=first.absolute_orbit + 175, relative_orbit=None)
    assert check_pair(first, twelve).repeats == 2
    moved = dataclasses.replace(twelve, footprint=[(x + 5, y) for x, y in first.footprint])
    with pytest.raises(IncompatiblePairError, match="do not overlap"):
        check_pair(first, moved)
    fewer = dataclasses.replace(twelve, swaths={k: v for k, v in first.swaths.items() if k != "IW3"})
    with pytest.raises(IncompatiblePairError, match=r"different sub-swaths \(IW1,IW2,IW3 vs IW1,IW2\)"):
        check_pair(first, fewer)
