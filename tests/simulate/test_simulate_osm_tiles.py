"""The tiled PBF of the OSM benchmark: each copy is the source with ids and locations moved, read back by pyosmium."""

from __future__ import annotations

import osmium
import pytest

from ai4c.simulate.osm_tiles import tile_pbf

NODES = [(1, 10.0, 50.0, {}), (2, 10.001, 50.0, {}), (3, 10.001, 50.001, {}), (7, 10.0002, 50.0003, {"amenity": "fuel"})]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiles") / "small.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for nid, lon, lat, tags in NODES:
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), tags=tags))
        writer.add_way(osmium.osm.mutable.Way(id=5, nodes=[1, 2, 3, 1], tags={"building": "yes"}))
        writer.add_way(osmium.osm.mutable.Way(id=6, nodes=[2, 3], tags={"highway": "primary"}))
        writer.add_relation(osmium.osm.mutable.Relation(id=4, members=[("w", 5, "outer"), ("n", 7, "")],
                                                        tags={"type": "multipolygon", "amenity": "hospital"}))
    return path


def read(path):
    found = {"n": {}, "w": {}, "r": {}}
    for obj in osmium.FileProcessor(str(path)):
        tags = dict(obj.tags)
        if obj.is_node():
            found["n"][obj.id] = (obj.location.lon, obj.location.lat, tags)
        elif obj.is_way():
            found["w"][obj.id] = ([n.ref for n in obj.nodes], tags)
        else:
            found["r"][obj.id] = ([(m.type, m.ref, m.role) for m in obj.members], tags)
    return found


def test_copies_move_ids_and_locations_and_keep_everything_else(source, tmp_path):
    target = tmp_path / "x5.osm.pbf"
    assert tile_pbf(source, target, 5, step=0.5) == 5 * len(NODES)
    got = read(target)
    stride, side = 10, 3  # ids below 10; 5 copies on a 3 x 3 grid
    for k in range(5):
        shift, dx, dy = k * stride, (k % side) * 0.5, (k // side) * 0.5
        for nid, lon, lat, tags in NODES:
            x, y, t = got["n"][nid + shift]
            assert (x, y, t) == (pytest.approx(lon + dx, abs=1e-7), pytest.approx(lat + dy, abs=1e-7), tags)
        assert got["w"][5 + shift] == ([1 + shift, 2 + shift, 3 + shift, 1 + shift], {"building": "yes"})
        assert got["w"][6 + shift] == ([2 + shift, 3 + shift], {"highway": "primary"})
        assert got["r"][4 + shift] == ([("w", 5 + shift, "outer"), ("n", 7 + shift, "")],
                                       {"type": "multipolygon", "amenity": "hospital"})
    assert [len(got[t]) for t in "nwr"] == [5 * len(NODES), 10, 5]


def test_the_file_stays_sorted_by_type_then_id(source, tmp_path):
    target = tmp_path / "x4.osm.pbf"
    tile_pbf(source, target, 4)
    order = [("nwr".index(o.type_str()), o.id) for o in osmium.FileProcessor(str(target))]
    assert order == sorted(order)
