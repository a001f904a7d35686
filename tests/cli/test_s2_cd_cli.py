"""`ai4c simulate s2-pair` and the graph of S2-CD / monthly-composite through `ai4c graph`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from ai4c.simulate.s2.refboa import write_refboa_series


def test_simulate_s2_pair_cli(tmp_path, run_cli):
    code, out, _ = run_cli("simulate", "s2-pair", "--output_dir", tmp_path, "--size", "48", "--seed", "3")
    assert code == 0 and "truth" in out
    truth = xr.load_dataset(tmp_path / "truth.nc")
    assert truth.attrs["gain"] == 1.08 and set(np.unique(truth.change.values)) <= {0, 1, 2, 3, 4}
    assert len(list(tmp_path.glob("S2?_MSIL2A_*.SAFE"))) == 2


def test_graph_run_monthly_composite(tmp_path, run_cli):
    write_refboa_series(tmp_path / "in", [dt.date(2017, 9, 5)], size=16, bands=2)
    code, out, _ = run_cli("graph", "show", "monthly-composite")
    (tmp_path / "g.yaml").write_text(out.replace("tile: 33UVP", "tile: 32TNT"))
    code, _, err = run_cli("graph", "run", tmp_path / "g.yaml", "--input", tmp_path / "in",
                           "--output_path", tmp_path / "out")
    assert code == 0, err
    assert len(list((tmp_path / "out").glob("MC_32TNT_*.tif"))) == 12
