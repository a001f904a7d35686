"""monthlycomposite end to end on a random REFBOA/LAI series: exact medians, empty months, bad inputs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import rasterio

from ai4c.core.errors import BadInputError
from ai4c.pipelines.monthly_composite import run
from ai4c.simulate.s2.refboa import expected_composite, series_dates, write_refboa_series


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    root = tmp_path_factory.mktemp("series")
    dates = series_dates(2017, 30, skip_months=(1,))
    truth = write_refboa_series(root / "in", dates, size=48, bands=3, seed=3)
    paths = run(root / "in", root / "out", season_start=2017, tile="33UVP", block=32)
    return root, truth, paths


def test_twelve_uint16_files_september_to_august(series):
    _, _, paths = series
    assert [p.name for p in paths][0] == "MC_33UVP_201709.tif"
    assert [p.name for p in paths][-1] == "MC_33UVP_201808.tif"
    assert len(paths) == 12
    with rasterio.open(paths[0]) as src:
        assert src.dtypes == ("uint16",) * 3 and src.crs.to_epsg() == 32633
        assert src.transform.c == 399960.0


def test_composite_is_numpy_median_of_valid_samples(series):
    _, truth, paths = series
    for path in paths:
        year, month = int(path.stem[-6:-2]), int(path.stem[-2:])
        expected = expected_composite(truth, year, month)
        with rasterio.open(path) as src:
            got = src.read()
        if expected is None:
            assert month == 1 and np.all(got == 0)
            continue
        np.testing.assert_array_equal(got, expected)


def _layout(root, boa_names, lai_names):
    import shutil

    src = root / "src"
    write_refboa_series(src, [dt.date(2017, 10, 3)], size=16, bands=2)
    boa, lai = next((src / "REFBOA").iterdir()), next((src / "LAI").iterdir())
    for folder, names, file in (("REFBOA", boa_names, boa), ("LAI", lai_names, lai)):
        (root / "in" / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(file, root / "in" / folder / name)
    return root / "in"


@pytest.mark.parametrize("boa,lai,message", [
    ([], [], "holds no .tif"),
    (["T_BOA.tif"], ["T_LAI.tif"], "has no acquisition date"),
    (["a_20171003.tif"], ["a_20171003.tif", "a_20171105.tif"], "has no BOA"),
])
def test_bad_layouts_raise_and_write_nothing(tmp_path, boa, lai, message):
    folder = _layout(tmp_path, boa, lai)
    with pytest.raises(BadInputError, match=message):
        run(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_different_grids_are_an_error(tmp_path):
    write_refboa_series(tmp_path / "in", [dt.date(2017, 10, 3)], size=16, bands=2)
    write_refboa_series(tmp_path / "other", [dt.date(2017, 11, 3)], size=32, bands=2)
    for kind in ("REFBOA", "LAI"):
        for f in (tmp_path / "other" / kind).iterdir():
            f.rename(tmp_path / "in" / kind / f.name)
    with pytest.raises(BadInputError, match="another grid"):
        run(tmp_path / "in", tmp_path / "out")
    assert not (tmp_path / "out").exists()
