"""S1-GRD-preprocess command line: every bad input is one line, exit status 2, nothing written."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from tests.conftest import shared

from ai4c.cli.s1_grd import main
from ai4c.core.errors import InvalidProductError
from ai4c.products.sentinel1 import require_slc
from ai4c.simulate.s1.grd import simulate_grd

XS = ("s1", "xarray-sentinel", "tests", "data")


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    return simulate_grd(tmp_path_factory.mktemp("s1cli"), size=(256, 256), terrain="flat", seed=5)


def _bad(capsys, tmp_path, *args):
    out = tmp_path / "out.tif"
    code = main([*map(str, args), "--output_path", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert list(tmp_path.iterdir()) == []
    return err


def test_missing_measurement(capsys, tmp_path):
    path = shared("s1", "pyroSAR", "tests", "data",
                  "S1A_IW_GRDH_1SDV_20210119T031653_20210119T031718_036201_043ED0_8255.zip")
    assert "no measurement TIFF" in _bad(capsys, tmp_path, "--input", path)


def test_slc_given_to_grd_and_the_reverse(capsys, tmp_path, product):
    slc = shared(*XS, "S1B_IW_SLC__1SDV_20210401T052622_20210401T052650_026269_032297_EFA4.SAFE")
    assert "use S1-SLC-preprocess" in _bad(capsys, tmp_path, "--input", slc)
    with pytest.raises(InvalidProductError, match="not SLC; use S1-GRD-preprocess"):
        require_slc(product.path)


def test_unknown_polarisation(capsys, tmp_path, product):
    assert "it has: VV" in _bad(capsys, tmp_path, "--input", product.path, "--polarization", "VH")


def test_orbit_not_covering(capsys, tmp_path, product):
    orbits = shared("s1", "s1-reader", "tests", "data", "orbits")
    assert "no orbit file" in _bad(capsys, tmp_path, "--input", product.path, "--orbit", orbits)


def test_aoi_outside_footprint(capsys, tmp_path, product):
    aoi = "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"
    assert "outside the product footprint" in _bad(capsys, tmp_path, "--input", product.path, "--AoI", aoi)


def test_unreadable_dem(capsys, tmp_path, product):
    dem = tmp_path.parent / "broken-dem.tif"
    dem.write_bytes(b"not a tiff")
    assert "unreadable" in _bad(capsys, tmp_path, "--input", product.path, "--dem", dem)


def test_bad_choice(capsys, tmp_path, product):
    err = _bad(capsys, tmp_path, "--input", product.path, "--calibration", "sigma0")
    assert "invalid choice: 'sigma0' (choose from 'Sigma', 'Gamma'" in err


def test_aoi_and_db_output(capsys, tmp_path, product):
    lat = np.mean([t["lat"] for t in product.targets])
    lon = np.mean([t["lon"] for t in product.targets])
    d = 0.004
    aoi = f"POLYGON(({lon - d} {lat - d}, {lon + d} {lat - d}, {lon + d} {lat + d}, {lon - d} {lat + d}, {lon - d} {lat - d}))"
    out = tmp_path / "aoi.tif"
    code = main(["--input", str(product.path), "--AoI", aoi, "--calibration", "SigmaDB", "--output_path", str(out),
                 "--quiet"])
    assert code == 0
    with rasterio.open(out) as src:
        data = src.read(1)
        assert src.crs.to_epsg() == 4326 and src.count == 1 and src.dtypes[0] == "float32"
        west, south, east, north = src.bounds
    assert west >= lon - d - 1e-3 and east <= lon + d + 1e-3
    finite = data[np.isfinite(data)]
    assert finite.size > 0.9 * data.size
    assert -25 < np.median(finite) < 0  # dB values
    import json

    item = json.loads((tmp_path / "aoi.tif.stac.json").read_text())
    assert any("no DEM given" in w for w in item["properties"]["ai4c:warnings"])  # ellipsoid, recorded
