"""Turbine data: planted gaps, frozen sensors and curtailment are flagged; curves and capacity factors
checked against the generating curve and a direct numerical computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

RATED_KW = 6000.0


@pytest.fixture(scope="module")
def scada(tmp_path_factory):
    from ai4c.simulate.energy.scada import simulate_scada

    folder = tmp_path_factory.mktemp("scada")
    files, truth, clean = simulate_scada(folder, turbines=3, days=8, rated_kw=RATED_KW, seed=4)
    return folder, truth, clean


def keys(frame: pd.DataFrame, flag: str) -> set:
    return {(t, pd.Timestamp(x)) for t, x in frame.loc[frame[flag], ["turbine", "time"]].itertuples(index=False)}


def test_planted_problems_are_flagged(scada):
    from ai4c.pipelines.energy import turbine_data

    folder, truth, _ = scada
    flagged, _ = turbine_data(folder, rated_kw=RATED_KW, rated_speed=13.0)
    assert keys(flagged, "gap") == truth.gaps
    assert keys(flagged, "stuck") == truth.stuck
    found = keys(flagged, "curtailed")
    assert truth.curtailed <= found and len(found - truth.curtailed) <= 0.01 * len(flagged)
    assert len(truth.curtailed) >= 10
    problems = truth.gaps | truth.stuck | truth.curtailed
    ok = keys(flagged, "ok")
    assert not (ok & problems) and len(ok) >= 0.97 * (len(flagged) - len(problems))


def test_farm_series_and_era5_join(scada, tmp_path):
    from ai4c.pipelines.energy import turbine_data
    from ai4c.simulate.energy.era5 import Grid, write_new_netcdf

    folder, _, clean = scada
    era5 = write_new_netcdf(tmp_path / "era5.nc", ["u10", "v10", "u100", "v100", "t2m", "sp"],
                            Grid(start="2021-01-01T00", hours=24 * 8))
    flagged, series = turbine_data(folder, rated_kw=RATED_KW, era5=[era5], farm=(1.5, 56.0),
                                   output=tmp_path / "pairs.csv")
    table = pd.read_csv(tmp_path / "pairs.csv", parse_dates=["time"])
    assert {"power_kw", "wind_speed", "turbines", "ws100", "wd100", "rho"} <= set(table.columns)
    assert len(table) == 24 * 8
    good = flagged[flagged["ok"]].copy()
    good["hour"] = good["time"].dt.floor("h")
    expected = good.groupby(["hour", "turbine"])["power_kw"].mean().groupby("hour").sum()
    np.testing.assert_allclose(table.set_index("time")["power_kw"].values, expected.values, rtol=1e-9)


def test_fitted_curve_recovers_the_generating_curve(scada):
    from ai4c.energy.power_curve import iec_curve
    from ai4c.pipelines.energy import power_curve

    folder, _, _ = scada
    result = power_curve(turbine_data_path=folder, rated_kw=RATED_KW)
    table = pd.DataFrame(result["table"])
    truth = iec_curve("I")(table["wind_speed"].to_numpy())
    inside = table["wind_speed"].between(4.0, 12.0)
    # bins of 0.5 m/s averaging a cubic curve: bin-centre values within a few % of rated
    assert np.abs(table.loc[inside, "power_fraction"] - truth[inside]).max() < 0.04
    from ai4c.pipelines.energy import turbine_data

    flagged, _ = turbine_data(folder, rated_kw=RATED_KW)
    observed = flagged.loc[flagged["ok"], "power_kw"].mean() / RATED_KW
    assert result["capacity_factor"] == pytest.approx(observed, abs=0.02)


def test_iec_capacity_factor_against_integration():
    from ai4c.energy.power_curve import capacity_factor, iec_curve

    rng = np.random.default_rng(0)
    wind = rng.weibull(2.0, 200_000) * 9.0  # Rayleigh, mean 8 m/s
    cf = capacity_factor(iec_curve("II"), wind)
    v = np.linspace(0, 40, 400_001)
    pdf = 2 * v / 81.0 * np.exp(-((v / 9.0) ** 2))
    fraction = np.where(v < 3, 0, np.where(v < 12, (v**3 - 27) / (12**3 - 27), np.where(v <= 25, 1.0, 0.0)))
    expected = np.trapezoid(fraction * pdf, v)
    assert cf == pytest.approx(expected, abs=0.005)
    assert 0.3 < cf < 0.6


def test_bad_turbine_input(tmp_path, run_cli):
    bad = tmp_path / "t.csv"
    bad.write_text("when,kw\n2021-01-01,5\n")
    code, _, err = run_cli("energy", "turbine-data", "--input", bad, "--rated-kw", "3000", "-o", tmp_path / "o.csv")
    assert code == 2 and "lacks turbine data column(s)" in err and not (tmp_path / "o.csv").exists()
