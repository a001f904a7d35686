"""`ai4c jedai interlink` end to end: files in, GeoSPARQL N-Triples out, loaded into the store."""

from __future__ import annotations

import json

import numpy as np
import pyoxigraph as ox
import shapely
from tests.linked.jedai.geometry_sets import brute_force, mixed_geometries

GEO = "http://www.opengis.net/ont/geosparql#"


def _geojson(path, geoms, prefix, crs=None):
    features = [{"type": "Feature", "id": f"{prefix}{k}", "properties": {"name": f"n{k}"},
                 "geometry": json.loads(shapely.to_geojson(g))} for k, g in enumerate(geoms)]
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path


def _wkt_csv(path, geoms, sep=";"):
    rows = ["id" + sep + "wkt"] + [f"f{k}{sep}\"{g.wkt}\"" for k, g in enumerate(geoms)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _triples(path):
    return [(q.subject.value, q.predicate.value, q.object.value) for q in ox.parse(path=str(path))]


def test_geojson_to_ntriples_matches_brute_force_and_loads_into_store(tmp_path, run_cli):
    a, b = mixed_geometries(7, 90), mixed_geometries(8, 60)
    truth = brute_force(a, b)
    src, dst = _geojson(tmp_path / "a.geojson", a, "a"), _geojson(tmp_path / "b.geojson", b, "b")
    out = tmp_path / "links.nt"
    code, _, err = run_cli("jedai", "interlink", "--source", src, "--target", dst, "-o", out,
                           "--algorithm", "quadtree", "--source-base", "http://ex.org/a/",
                           "--target-base", "http://ex.org/b/")
    assert code == 0, err
    triples = _triples(out)
    within = {(s, o) for s, p, o in triples if p == GEO + "sfWithin"}
    assert within == {(f"http://ex.org/a/a{i}", f"http://ex.org/b/b{j}") for i, j in truth["within"]}
    assert len(triples) == sum(len(truth[r]) for r in truth if r != "disjoint")
    report = json.loads(err[err.index("{"):])
    assert report["counts"]["disjoint"] == len(truth["disjoint"])

    store = tmp_path / "store"
    assert run_cli("store", "load", "--store", str(store), str(out))[0] == 0
    code, body, _ = run_cli("store", "query", "--store", store, "--format", "csv",
                            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{GEO}sfOverlaps> ?b }}")
    assert code == 0
    assert int(body.split()[-1]) == len(truth["overlaps"])


def test_csv_wkt_output_csv_and_invalid_geometry_repaired(tmp_path, run_cli):
    bowtie = shapely.from_wkt("POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))")
    a = np.array([bowtie, shapely.box(5, 5, 6, 6)], dtype=object)
    b = np.array([shapely.Point(1.5, 1), shapely.Point(5.5, 5.5)], dtype=object)
    src, dst = _wkt_csv(tmp_path / "a.csv", a), _wkt_csv(tmp_path / "b.csv", b, sep=",")
    out = tmp_path / "links.csv"
    code, _, err = run_cli("jedai", "interlink", "--source", src, "--target", dst,
                           "-o", out, "--relations", "contains")
    assert code == 0, err
    assert "1 invalid geometries repaired" in err
    assert out.read_text().splitlines() == ["source,target,relation", "f0,f0,contains", "f1,f1,contains"]


def test_rdf_source_and_progressive_budget(tmp_path, run_cli):
    a, b = mixed_geometries(9, 40), mixed_geometries(10, 40)
    nt = tmp_path / "a.nt"
    nt.write_text("".join(
        f"<http://ex.org/f{k}> <{GEO}hasGeometry> <http://ex.org/g{k}> .\n"
        f"<http://ex.org/g{k}> <{GEO}asWKT> \"{g.wkt}\"^^<{GEO}wktLiteral> .\n" for k, g in enumerate(a)))
    dst = _geojson(tmp_path / "b.geojson", b, "b")
    out = tmp_path / "links.nt"
    code, _, err = run_cli("jedai", "interlink", "--source", nt, "--target", dst, "-o", out,
                           "--relations", "intersects", "--budget", "1000000", "--recall")
    assert code == 0, err
    truth = brute_force(a, b)["intersects"]
    got = {(s, o) for s, _, o in _triples(out)}
    assert got == {(f"http://ex.org/f{i}", f"http://ai4c.eu/resource/target/b{j}") for i, j in truth}
    report = json.loads(err[err.index("{"):])
    assert report["mode"] == "progressive" and report["progress"]["total_links"] == len(truth)
    assert report["progress"]["recall"][-1] == 1.0


def test_bad_inputs_exit_2_without_output(tmp_path, run_cli):
    geoms = mixed_geometries(11, 10)
    good = _geojson(tmp_path / "good.geojson", geoms, "g")
    utm = _geojson(tmp_path / "utm.geojson", geoms, "u", crs="urn:ogc:def:crs:EPSG::32633")
    nogeom = tmp_path / "nogeom.csv"
    nogeom.write_text("id,name\n1,x\n")
    out = tmp_path / "links.nt"
    cases = [
        (["--source", str(tmp_path / "missing.geojson"), "--target", str(good)], "does not exist"),
        (["--source", str(nogeom), "--target", str(good)], "no WKT geometry column"),
        (["--source", str(good), "--target", str(utm)], "--crs"),
        (["--source", str(good), "--target", str(good), "--relations", "near"], "relation='near'"),
    ]
    for args, message in cases:
        code, _, err = run_cli("jedai", "interlink", *args, "-o", str(out))
        assert code == 2, (args, err)
        assert message in err, err
        assert not out.exists()
    assert list(tmp_path.glob(".links.nt*")) == []


def test_sources_as_store_queries(tmp_path, run_cli):
    a, b = mixed_geometries(12, 30), mixed_geometries(13, 30)
    nt = tmp_path / "layers.nt"
    nt.write_text("".join(
        f"<http://ex.org/{side}{k}> <{GEO}hasGeometry> <http://ex.org/{side}{k}/g> .\n"
        f"<http://ex.org/{side}{k}/g> <{GEO}asWKT> \"{g.wkt}\"^^<{GEO}wktLiteral> .\n"
        f"<http://ex.org/{side}{k}> <http://ex.org/layer> \"{side}\" .\n"
        for side, geoms in (("a", a), ("b", b)) for k, g in enumerate(geoms)))
    store = tmp_path / "store"
    assert run_cli("store", "load", "--store", store, nt)[0] == 0
    query = ("SELECT ?id ?wkt WHERE {{ ?id <http://ex.org/layer> \"{}\" ; <" + GEO + "hasGeometry>/<"
             + GEO + "asWKT> ?wkt }}")
    out = tmp_path / "links.csv"
    code, _, err = run_cli("jedai", "interlink", "--store", store, "--source", query.format("a"),
                           "--target", query.format("b"), "-o", out, "--relations", "intersects")
    assert code == 0, err
    rows = out.read_text().splitlines()[1:]
    truth = brute_force(a, b)["intersects"]
    assert {tuple(r.split(",")[:2]) for r in rows} == {(f"http://ex.org/a{i}", f"http://ex.org/b{j}")
                                                       for i, j in truth}
