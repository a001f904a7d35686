"""`ai4c osm ingest|export|serve`: outputs checked against the store, bad input as exit status 2, one line."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from pyoxigraph import RdfFormat, parse

from ai4c.simulate.osm import simulate_town

AOI = "POLYGON((9.95 49.95, 10.04 49.95, 10.04 50.03, 9.95 50.03, 9.95 49.95))"


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    folder = tmp_path_factory.mktemp("osm-cli")
    truth = simulate_town(folder / "town.osm", buildings=120, seed=7)
    return folder, truth


@pytest.fixture(scope="module")
def store(town):
    from ai4c.cli.main import main

    folder, _ = town
    assert main(["osm", "ingest", "--input", str(folder / "town.osm"), "--store", str(folder / "store"), "--quiet"]) == 0
    return folder / "store"


def test_ingest_prints_the_report_table(run_cli, town, tmp_path):
    folder, truth = town
    code, _, err = run_cli("osm", "ingest", "--input", folder / "town.osm", "--store", tmp_path / "s")
    assert code == 0
    assert "broken_multipolygon" in err
    assert re.search(rf"^building\s+{truth['counts']['building']}\s+1\s+0$", err, re.MULTILINE), err
    assert json.loads((tmp_path / "s" / "report.json").read_text())["features"]["hospital"] == 2


def inside_ids(store, klass):
    table = pq.read_table(store / f"{klass}.parquet")
    geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    keep = shapely.intersects(shapely.from_wkt(AOI), geoms)
    return sorted(i for i, k in zip(table["osm_id"].to_pylist(), keep, strict=True) if k)


@pytest.mark.parametrize(("fmt", "suffix"), [("GeoJSON", "geojson"), ("GeoPackage", "gpkg"),
                                             ("FlatGeobuf", "fgb"), ("GeoParquet", "parquet")])
def test_export_formats_hold_the_selection(run_cli, store, tmp_path, fmt, suffix):
    out = tmp_path / f"out.{suffix}"
    code, _, err = run_cli("osm", "export", "--store", store, "--class", "building,road", "--AoI", AOI,
                           "--format", fmt, "-o", out)
    assert code == 0, err
    expected = inside_ids(store, "building")
    if fmt == "GeoParquet":
        table = pq.read_table(out)
        assert json.loads(pq.read_schema(out).metadata[b"geo"])["primary_column"] == "geometry"
        ids, classes = table["osm_id"].to_pylist(), table["class"].to_pylist()
    else:
        layers = [str(name) for name, _ in pyogrio.list_layers(out)]
        frames = [pyogrio.read_dataframe(out, layer=layer) for layer in layers]
        ids = [int(i) for f in frames for i in f["osm_id"]]
        classes = [c for f in frames for c in f["class"]]
    assert sorted(i for i, c in zip(ids, classes, strict=True) if c == "building") == expected
    assert sorted(i for i, c in zip(ids, classes, strict=True) if c == "road") == inside_ids(store, "road")


def test_export_ntriples_is_geosparql(run_cli, store, tmp_path):
    out = tmp_path / "out.nt"
    code, _, err = run_cli("osm", "export", "--store", store, "--class", "hospital", "--format", "ntriples", "-o", out)
    assert code == 0, err
    triples = list(parse(path=str(out), format=RdfFormat.N_TRIPLES))
    wkt = [t.object.value for t in triples if t.predicate.value.endswith("#asWKT")]
    assert len(wkt) == 2
    typed = {t.subject.value for t in triples if t.object.value.endswith("ontology#hospital")}
    assert typed == {"https://ai4c.eu/osm/node/5", "https://ai4c.eu/osm/relation/1"}


def test_export_filter_is_the_services(run_cli, store, tmp_path):
    out = tmp_path / "f.geojson"
    text = f"S_INTERSECTS(geometry, {AOI}) AND building_type = 'house'"
    code, _, err = run_cli("osm", "export", "--store", store, "--class", "building", "--filter", text, "-o", out)
    assert code == 0, err
    table = pq.read_table(store / "building.parquet")
    geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    keep = shapely.intersects(shapely.from_wkt(AOI), geoms) & (table["building_type"].to_numpy(zero_copy_only=False)
                                                               == "house")
    expected = sorted(i for i, k in zip(table["osm_id"].to_pylist(), keep, strict=True) if k)
    got = sorted(f["properties"]["osm_id"] for f in json.loads(out.read_text())["features"])
    assert 0 < len(expected) < table.num_rows and got == expected


@pytest.mark.parametrize(("args", "message"), [
    (["export", "--class", "castle", "--format", "GeoJSON"], "unknown class castle"),
    (["export", "--class", "road", "--AoI", "POLYGON((0 0, 1 1))"], "invalid WKT"),
    (["export", "--class", "road", "--format", "KML"], "invalid choice: 'KML'"),
    (["export", "--class", "road,building", "--filter", "levels > 2"], "unknown property 'levels'"),
    (["export", "--class", "road", "--filter", "road_class LIKE"], "invalid CQL2 filter"),
])
def test_bad_export_input_exits_2_with_one_line(run_cli, store, tmp_path, args, message):
    out = tmp_path / "x.geojson"
    code, _, err = run_cli("osm", *args, "--store", store, "-o", out)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []


def test_bad_ingest_input_exits_2_and_writes_nothing(run_cli, town, tmp_path):
    folder, _ = town
    not_osm = tmp_path / "notes.osm"
    not_osm.write_text("this is not OSM")
    bad_model = tmp_path / "model.yaml"
    bad_model.write_text("classes:\n  x:\n    rules: [{key: a, op: like, value: b}]\n")
    for args, message in [
        (["--input", not_osm], "not a readable OSM extract"),
        (["--input", tmp_path / "absent.osm.pbf"], "does not exist"),
        (["--input", folder / "town.osm", "--model", bad_model], "unknown tag operator 'like'"),
        (["--input", folder / "town.osm", "--AoI", "POLYGON((1 2"], "invalid WKT"),
    ]:
        code, _, err = run_cli("osm", "ingest", *args, "--store", tmp_path / "store")
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (args, err)
        assert not (tmp_path / "store").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_serve_refuses_a_folder_that_is_no_store(run_cli, tmp_path):
    code, _, err = run_cli("osm", "serve", "--store", tmp_path)
    assert code == 2 and "not a feature store" in err
