"""S2-CD end to end on simulated L2A pairs (two baselines, gain/offset, clouds): scores vs the truth."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import xarray as xr

from ai4c.cli.s2_cd import main
from ai4c.simulate.s2.pair import cloudy, simulate_pair
from ai4c.simulate.s2.product import simulate_s2


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("pair")
    paths = simulate_pair(root / "in", size=160, seed=2, gain=1.1, offset=0.012, n_per_type=5)
    return root, paths, xr.load_dataset(paths["truth"])


@pytest.fixture(scope="module")
def utm_run(pair):
    root, paths, _ = pair
    code = main(["--input1", str(paths["input1"]), "--input2", str(paths["input2"]), "--projection", "UTM",
                 "--output_path", str(root / "utm"), "--quiet"])
    assert code == 0
    with rasterio.open(root / "utm" / "S2-CD.tif") as src:
        return src.read(1)


def test_scores_against_truth(pair, utm_run):
    _, _, truth = pair
    classes, change = utm_run, truth.change.values
    clear = ~cloudy(truth)
    assert np.array_equal(classes == 255, ~clear)
    assert all((change[clear] == k).sum() > 50 for k in (1, 2, 3, 4))
    assert (classes[(change > 0) & clear] > 0).mean() >= 0.95
    assert (classes[(change == 0) & clear] > 0).mean() <= 0.01
    hits = (change > 0) & (classes > 0) & clear
    purity = sum(np.bincount(change[hits & (classes == k)]).max() for k in np.unique(classes[hits]))
    assert purity / hits.sum() >= 0.9


def test_default_projection_wgs84_and_format(pair):
    root, paths, _ = pair
    code = main(["--input1", str(paths["input1"]), "--input2", str(paths["input2"]), "--output_format", "COG",
                 "--numberClasses", "2", "--output_path", str(root / "wgs"), "--quiet"])
    assert code == 0
    with rasterio.open(root / "wgs" / "S2-CD.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert set(np.unique(src.read(1))) <= {0, 1, 2, 255}
    assert (root / "wgs" / "CVA.tif.stac.json").exists() and (root / "wgs" / "S2-CD_polar.png").stat().st_size > 0


def test_different_tiles_exit_2_nothing_written(pair, tmp_path, capsys):
    _, paths, _ = pair
    other = simulate_s2(tmp_path / "other", size=32, tile="32TQM")
    code = main(["--input1", str(paths["input1"]), "--input2", str(other), "--output_path", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "tile 33UVP" in err and "32TQM" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("flags,message", [
    (["--referenceVector", "1,0"], "referenceVector has 2 values but 4 bands"),
    (["--levelConfidence", "100"], "levelConfidence"),
    (["--levelConfidence", "0"], "levelConfidence"),
    (["--numberClasses", "0"], "numberClasses"),
])
def test_bad_flags_exit_2(pair, tmp_path, capsys, flags, message):
    _, paths, _ = pair
    code = main(["--input1", str(paths["input1"]), "--input2", str(paths["input2"]), "--output_path",
                 str(tmp_path / "o"), *flags])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_aoi_crop_marks_outside_as_no_data(pair, utm_run):
    from pyproj import Transformer

    root, paths, truth = pair
    to_lonlat = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
    x0, y0 = float(truth.x[20]), float(truth.y[20])
    x1, y1 = float(truth.x[120]), float(truth.y[100])
    ring = [to_lonlat.transform(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y0))]  # a triangle
    wkt = "POLYGON((" + ", ".join(f"{lon:.7f} {lat:.7f}" for lon, lat in ring) + "))"
    code = main(["--input1", str(paths["input1"]), "--input2", str(paths["input2"]), "--projection", "UTM",
                 "--AoI", wkt, "--output_path", str(root / "aoi"), "--quiet"])
    assert code == 0
    with rasterio.open(root / "aoi" / "S2-CD.tif") as src:
        classes = src.read(1)
        assert src.width < 110 and src.height < 90
        assert src.transform.c >= float(truth.x[0])
    assert classes[-1, 0] == 255  # below the triangle's diagonal: outside the AoI
    inside = classes != 255
    assert inside.mean() > 0.1  # half the box, minus the clouds of both dates
    col0 = round((src.transform.c - float(truth.x[0]) + 5) / 10)
    row0 = round((float(truth.y[0]) + 5 - src.transform.f) / 10)
    full = utm_run[row0:row0 + classes.shape[0], col0:col0 + classes.shape[1]]
    agree = ((full[inside] > 0) == (classes[inside] > 0)).mean()
    assert agree > 0.99
