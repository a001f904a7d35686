"""CAMS-EU / EAC4 / ERA5 / static readers: both data-store layouts, units, periods, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.products import cams
from ai4c.simulate.cams import Domain, simulate_cams

SMALL = Domain(2.0, 44.0, 64, 64)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """The same scene written in the old and in the new layout."""
    root = tmp_path_factory.mktemp("cams")
    return {lay: simulate_cams(root / lay, "2021010100", 6, layout=lay, seed=3, domain=SMALL) for lay in ("old", "new")}


@pytest.mark.parametrize("dataset", ["cams-eu", "eac4", "era5"])
def test_old_and_new_layouts_read_identically(layouts, dataset):
    old = cams.open_dataset([layouts["old"][dataset]], dataset).load()
    new = cams.open_dataset([layouts["new"][dataset]], dataset).load()
    assert list(old.dims) == ["time", "latitude", "longitude"]
    assert set(old.data_vars) == set(new.data_vars)
    for name in old.data_vars:
        np.testing.assert_allclose(old[name].values, new[name].values, rtol=1e-6)
    assert np.all(np.diff(old["latitude"].values) > 0) and np.all(np.diff(old["longitude"].values) > 0)
    assert -180 <= float(old["longitude"].min()) and float(old["longitude"].max()) <= 180


def test_eac4_is_converted_to_ug_and_is_the_block_mean_of_the_truth(layouts):
    eu = cams.open_dataset([layouts["old"]["cams-eu"]], "cams-eu", ["pm2p5"]).load()
    eac4 = cams.open_dataset([layouts["old"]["eac4"]], "eac4", ["pm2p5"]).load()
    assert eac4["pm2p5"].attrs["units"] == "µg m-3"
    block = eu["pm2p5"].coarsen(latitude=8, longitude=8).mean()
    np.testing.assert_allclose(eac4["pm2p5"].values, block.values, rtol=1e-4)


def test_period_selection_and_missing_hours(layouts):
    ds = cams.open_dataset([layouts["old"]["era5"]], "era5", ["u10"])
    start, end = pd.Timestamp("2021-01-01 01:00"), pd.Timestamp("2021-01-01 03:00")
    assert cams.select_period(ds, start, end, "era5").sizes["time"] == 3
    with pytest.raises(InvalidParameterError, match="cover 2021010100..2021010105"):
        cams.select_period(ds, start, pd.Timestamp("2021-01-02"), "era5")


def test_errors_name_the_problem(layouts, tmp_path):
    with pytest.raises(InvalidParameterError, match="known: .*u10"):
        cams.open_dataset([layouts["old"]["era5"]], "era5", ["wind"])
    with pytest.raises(InvalidProductError, match="lack 'blh'"):
        cams.open_dataset([layouts["old"]["era5"]], "era5", ["blh"])
    with pytest.raises(InputNotFoundError):
        cams.open_dataset([tmp_path / "nope.nc"], "era5")
    bad = tmp_path / "bad.nc"
    bad.write_text("not netcdf")
    with pytest.raises(InvalidProductError):
        cams.open_dataset([bad], "era5")
    with pytest.raises(InvalidParameterError, match="YYYYMMDDHH"):
        cams.parse_date("2021-01-01")
    with pytest.raises(InvalidParameterError, match="after"):
        cams.parse_period("2021010200", "2021010100")


def test_orography_min_max_scaled(layouts):
    static = cams.open_dataset([layouts["old"]["static"]], "static", ["orography", "urban_frac"]).load()
    scaled = cams.min_max_scale(static["orography"])
    assert float(scaled.min()) == 0.0 and float(scaled.max()) == pytest.approx(1.0)
