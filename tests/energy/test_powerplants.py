"""Power plant registries: counts and capacity totals against an independent pandas reading of the CSVs."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from shapely import wkt

from conftest import shared

JRC = ("misc", "jrc_ppdb_open_v1.0")


def raw_units() -> pd.DataFrame:
    """JRC units as the CSV holds them, keeping rows with coordinates (the test's own reading)."""
    raw = pd.read_csv(shared(*JRC) / "JRC_OPEN_UNITS.csv")
    return raw[raw["lat"].notna() & raw["lon"].notna()]


def test_jrc_counts_and_capacity_per_type_and_country():
    from ai4c.core import log
    from ai4c.pipelines.energy import powerplants

    raw = raw_units()
    with log.collect_warnings() as seen:
        units = powerplants(shared(*JRC))
    assert any("datapackage.json is invalid JSON" in w for w in seen)
    assert len(units) == len(raw) == 7117 - 2166
    ours = units.groupby(units["registry_type"].str.lower())["capacity_mw"].sum()
    theirs = raw.groupby(raw["type_g"].str.lower())["capacity_g"].sum()
    pd.testing.assert_series_equal(ours.sort_index(), theirs.sort_index(), check_names=False, rtol=1e-12)
    by_country = units.groupby("country")["capacity_mw"].sum()
    pd.testing.assert_series_equal(by_country.sort_index(), raw.groupby("country")["capacity_g"].sum().sort_index(),
                                   check_names=False, rtol=1e-12)
    # the vocabulary folds the registry's case variants: 'Fossil Hard coal' + 'Fossil Hard Coal'
    hard = raw[raw["type_g"].str.lower() == "fossil hard coal"]["capacity_g"].sum()
    assert units.loc[units["type"] == "hard_coal", "capacity_mw"].sum() == pytest.approx(hard)
    offshore = raw[raw["type_g"] == "Wind Offshore"]
    assert (units["type"] == "wind_offshore").sum() == len(offshore)
    assert set(units["status"]) <= {"operating", "decommissioned", "reserve", "mothballed", "construction",
                                    "unknown"}
    assert (units["status"] == "decommissioned").sum() == raw["status_g"].str.lower().eq("decommissioned").sum()


def test_jrc_plant_level_and_filters():
    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import powerplants

    raw = raw_units()
    plants = powerplants(shared(*JRC), level="plant")
    named = raw[raw["eic_p"].isna()]
    assert len(plants) == raw["eic_p"].nunique() + len(named.groupby(["country", "name_p"])) > 2481
    assert plants["capacity_mw"].sum() == pytest.approx(raw["capacity_g"].sum())
    big_gas = powerplants(shared(*JRC), types=["gas"], countries=["germany"], min_capacity=400)
    expected = raw[(raw["type_g"].str.lower() == "fossil gas") & (raw["country"] == "Germany")
                   & (raw["capacity_g"] >= 400)]
    assert sorted(big_gas["unit_id"]) == sorted(expected["eic_g"])
    area = "POLYGON((2 50, 9 50, 9 55, 2 55, 2 50))"
    inside = powerplants(shared(*JRC), aoi=parse_aoi(area))
    polygon = wkt.loads(area)
    truth = raw[shapely.intersects(polygon, shapely.points(raw["lon"], raw["lat"]))]
    assert sorted(inside["unit_id"]) == sorted(truth["eic_g"].fillna("")) and len(truth) > 50


def test_jrc_ntriples_load_into_the_store(tmp_path):
    from ai4c.linked.store import GeoStore
    from ai4c.pipelines.energy import powerplants

    frame = powerplants(shared(*JRC), types=["wind_offshore"], output=tmp_path / "offshore.nt")
    with GeoStore(tmp_path / "kb") as store:
        store.load(tmp_path / "offshore.nt")
        rows = store.query("PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
                           "SELECT (COUNT(?g) AS ?n) WHERE { ?f geo:hasGeometry ?g . ?g geo:asWKT ?w }")
    assert int(next(iter(rows))[0].value) == len(frame) == 71


def write_registry(path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_semicolon_opsd_and_ppm_registries(tmp_path):
    from ai4c.pipelines.energy import powerplants

    write_registry(tmp_path / "opsd.csv", "id;name;capacity;energy_source;technology;country;lat;lon;commissioned\n"
                   "A;Alpha;500;Natural gas;Combined cycle;DE;52.1;13.2;1999\n"
                   "B;Beta;30;Hydro;Run-of-river;AT;47.0;13.0;1950.0\n"
                   "C;Gamma;120;Wind;Offshore;DK;55.5;7.8;\n")
    opsd = powerplants(tmp_path / "opsd.csv")
    assert list(opsd["type"]) == ["gas", "hydro_run_of_river", "wind_offshore"]
    assert opsd["capacity_mw"].tolist() == [500, 30, 120]
    assert opsd["year_commissioned"].tolist()[:2] == [1999, 1950]
    write_registry(tmp_path / "ppm.csv", "id,Name,Fueltype,Technology,Set,Country,Capacity,DateIn,lat,lon\n"
                   "0,Borssele,Nuclear,Steam Turbine,PP,Netherlands,485,1973,51.43,3.72\n"
                   "1,Gemini,Wind,Offshore,PP,Netherlands,600,2017,54.04,5.96\n")
    ppm = powerplants(tmp_path / "ppm.csv", types=["nuclear"])
    assert ppm["plant_name"].tolist() == ["Borssele"] and ppm["capacity_mw"].iloc[0] == 485


def test_missing_columns_exit_2_and_nothing_written(tmp_path, run_cli):
    bad = tmp_path / "JRC_OPEN_UNITS.csv"
    write_registry(bad, "eic_p,eic_g,name_p,type_g,lat,lon\nX,Y,Z,Solar,1,2\n")
    code, _, err = run_cli("energy", "powerplants", "--input", bad, "--registry", "jrc", "-o", tmp_path / "o.geojson")
    assert code == 2 and "lacks the JRC-PPDB-OPEN column(s)" in err and "capacity_g" in err
    assert not (tmp_path / "o.geojson").exists()
    code, _, err = run_cli("energy", "powerplants", "--input", bad, "--type", "windmill")
    assert code == 2 and "type windmill unknown" in err and "wind_offshore" in err
