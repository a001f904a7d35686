"""S2-CD's threaded one-pass path (pipelines.s2_cd_local): the same outputs as the dask graph, locally and on a
dask.distributed cluster (--scheduler), no xarray/dask/numba on the command path, and the polar layers."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import rasterio
from tests.conftest import triangle_in

from ai4c.cli.s2_cd import main
from ai4c.core.graph import Context, default_graph, parameters_of
from ai4c.optical import cva_pass
from ai4c.optical.cva_pass import polar_block
from ai4c.pipelines import s2_cd, s2_cd_local, s2_pre_local
from ai4c.simulate.s2.pair import simulate_pair

OUTPUTS = ("CVA.tif", "S2-CD.tif")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("cd_local")
    return simulate_pair(root / "in", size=128, seed=4, gain=1.1, offset=0.012, n_per_type=4)


@pytest.fixture(scope="module")
def aoi(pair):
    """A lon/lat triangle inside the tile (corners at fractions of its extent)."""
    return triangle_in(pair["input1"], (0.1, 0.9, 0.4, 0.1), (0.2, 0.15, 0.9, 0.2))


def _graph(pair, out, **values):
    params = parameters_of(s2_cd.GRAPH, {"projection": "UTM", **values})
    default_graph(s2_cd.GRAPH).run(Context(inputs=[pair["input1"], pair["input2"]], output_path=out),
                                   parameters=params)


def _assert_same_outputs(one, other):
    for name in OUTPUTS:
        with rasterio.open(one / name) as a, rasterio.open(other / name) as b:
            assert a.descriptions == b.descriptions and a.tags() == b.tags()
            assert (a.transform, a.crs, a.shape, a.dtypes, a.block_shapes) == (b.transform, b.crs, b.shape, b.dtypes,
                                                                               b.block_shapes)
            assert a.nodata == b.nodata or (math.isnan(a.nodata) and math.isnan(b.nodata))
            assert np.array_equal(a.read(), b.read(), equal_nan=True), name
        items = [json.loads((folder / f"{name}.stac.json").read_text()) for folder in (one, other)]
        assert items[0]["geometry"] == items[1]["geometry"] and items[0]["bbox"] == items[1]["bbox"]
        assert items[0]["properties"] == items[1]["properties"]


@pytest.mark.parametrize("values", [{}, {"aoi": "AOI", "number_classes": 3}], ids=["tile", "aoi"])
def test_same_outputs_as_the_graph_in_small_strips(pair, aoi, tmp_path, monkeypatch, values):
    values = {k: aoi if v == "AOI" else v for k, v in values.items()}
    monkeypatch.setattr(s2_pre_local, "MAX_STRIP_ROWS", 7)  # many strips, none a whole number of tiles
    monkeypatch.setattr(cva_pass, "MEMORY_BYTES", 60_000)  # the first strips kept in memory, the others spilled
    written = s2_cd.run(pair["input1"], pair["input2"], tmp_path / "local", projection="UTM", **values)
    assert [p.name for p in written] == [*OUTPUTS, "S2-CD_polar.png"]
    _graph(pair, tmp_path / "graph", **values)
    _assert_same_outputs(tmp_path / "local", tmp_path / "graph")
    with rasterio.open(tmp_path / "local" / "S2-CD.tif") as ds:
        classes = ds.read(1)
    assert (classes == 255).mean() < 0.9 and (classes > 0).sum() > 0


def test_scheduler_gives_the_same_outputs(pair, tmp_path):
    """--scheduler runs the graph on a dask.distributed cluster, whose workers send the blocks back."""
    common = ["--input1", str(pair["input1"]), "--input2", str(pair["input2"]), "--projection", "UTM", "--quiet"]
    assert main([*common, "--output_path", str(tmp_path / "local")]) == 0
    assert main([*common, "--output_path", str(tmp_path / "cluster"), "--scheduler", "local:2"]) == 0
    _assert_same_outputs(tmp_path / "local", tmp_path / "cluster")


def test_cases_it_leaves_to_the_graph(pair, tmp_path):
    ctx = Context(inputs=[pair["input1"], pair["input2"]], output_path=tmp_path / "o")
    for values in ({"projection": "WGS84"}, {"projection": "UTM", "output_format": "netCDF"}):
        assert s2_cd_local.run_local(ctx, parameters_of(s2_cd.GRAPH, values)) is None
    assert not (tmp_path / "o").exists()


def test_command_path_imports_no_dask_xarray_numba(pair, tmp_path):
    code = ("import sys; from ai4c.cli.main import main; "
            f"code = main(['s2-cd', '--input1', r'{pair['input1']}', '--input2', r'{pair['input2']}', "
            f"'--projection', 'UTM', '--output_path', r'{tmp_path / 'o'}', '--quiet']); "
            "print(sorted(m for m in ('dask', 'xarray', 'numba', 'distributed', 'rioxarray') "
            "if m in sys.modules), code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "0"], done.stderr
    assert (tmp_path / "o" / "S2-CD.tif").exists()


def test_polar_block_against_the_formula_pixel_by_pixel():
    rng = np.random.default_rng(3)
    n, height, width = 3, 70, 9  # more rows than one POLAR_ROWS chunk
    data = rng.normal(0.2, 0.05, (2 * n, height, width)).astype(np.float32)
    data[0, 5, 5] = np.nan
    data[n:, 6, 6] = (data[:n, 6, 6] * 1.1 + 0.01)   # no change at all: rho 0, angle 0
    valid = rng.random((height, width)) > 0.1
    valid[5, 5] = valid[6, 6] = True
    gain, offset, sigma = np.array([1.1, 1.1, 1.1]), np.array([0.01, 0.01, 0.01]), np.array([0.02, 0.03, 0.04])
    unit = np.array([1.0, 1.0, 0.0]) / math.sqrt(2)
    rho, alpha, ok = polar_block(data[:n], data[n:], valid, gain, offset, sigma, unit)
    for i in range(height):
        for j in range(width):
            z = [((float(data[n + b, i, j]) - offset[b]) / gain[b] - float(data[b, i, j])) / sigma[b] for b in range(n)]
            r = math.sqrt(sum(v * v for v in z))
            if not valid[i, j] or not math.isfinite(r):
                assert not ok[i, j] and math.isnan(rho[i, j]) and math.isnan(alpha[i, j])
                continue
            angle = math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(z, unit)) / r)))) if r else 0
            assert ok[i, j] and rho[i, j] == pytest.approx(r, rel=1e-6, abs=1e-5)
            assert alpha[i, j] == pytest.approx(angle, abs=1e-3)
    assert not ok[5, 5] and rho[6, 6] < 1e-3
