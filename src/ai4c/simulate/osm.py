"""Simulated OSM extracts: a small town in OSM XML with a known truth (tests, demo); big extracts made by
tiling a real one are in `osm_tiles` (benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

STAMP = "2020-06-01T12:00:00Z"


@dataclass
class _Writer:
    """Collects nodes, ways and relations and writes them as OSM XML (sorted by type, then id)."""

    nodes: list[str] = field(default_factory=list)
    ways: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)
    next_node: int = 1
    next_way: int = 1

    def node(self, lon: float, lat: float, tags: dict | None = None) -> int:
        nid = self.next_node
        self.next_node += 1
        self.nodes.append(f'<node id="{nid}" version="1" timestamp="{STAMP}" lat="{lat:.7f}" lon="{lon:.7f}"'
                          f'{_tags(tags, close="node")}')
        return nid

    def way(self, refs: list[int], tags: dict | None = None, wid: int | None = None) -> int:
        wid = wid or self.next_way
        self.next_way = max(self.next_way, wid) + 1
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        self.ways.append(f'<way id="{wid}" version="1" timestamp="{STAMP}">{body}{_tag_lines(tags)}</way>')
        return wid

    def ring(self, coords: list[tuple[float, float]], tags: dict | None = None) -> int:
        """A closed way through new nodes at `coords` (not repeated at the end)."""
        refs = [self.node(x, y) for x, y in coords]
        return self.way(refs + refs[:1], tags)

    def relation(self, rid: int, members: list[tuple[int, str]], tags: dict) -> int:
        body = "".join(f'<member type="way" ref="{ref}" role="{role}"/>' for ref, role in members)
        self.relations.append(f'<relation id="{rid}" version="1" timestamp="{STAMP}">{body}{_tag_lines(tags)}</relation>')
        return rid

    def text(self) -> str:
        return ("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"ai4c.simulate.osm\">\n"
                + "\n".join(self.nodes + self.ways + self.relations) + "\n</osm>\n")


def _tag_lines(tags: dict | None) -> str:
    return "".join(f"<tag k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in (tags or {}).items())


def _tags(tags: dict | None, close: str) -> str:
    return "/>" if not tags else f">{_tag_lines(tags)}</{close}>"


def _square(x: float, y: float, size: float) -> list[tuple[float, float]]:
    return [(x, y), (x + size, y), (x + size, y + size), (x, y + size)]


def simulate_town(path: Path | str, *, buildings: int = 400, seed: int = 0, lon: float = 10.0,
                  lat: float = 50.0) -> dict:
    """Write a small town as OSM XML at `path`; returns its truth (counts per class, areas, values).

    Planted: an airport (iata in lower case), a hospital node, a hospital multipolygon with a hole,
    a broken multipolygon, a power line ("110 kV;20 kV"), a power plant ("450 MW"), a bow-tie
    building, a way with a missing node, roads (one a bridge), a footway, places and `buildings`
    small square buildings at random positions (their centres in the truth)."""
    rng = np.random.default_rng(seed)
    w = _Writer()
    w.ring(_square(lon + 0.05, lat + 0.05, 0.02), {"aeroway": "aerodrome", "iata": "abc", "name": "Town Airport"})
    w.node(lon + 0.01, lat + 0.01, {"amenity": "hospital", "name": "St. Node", "beds": "120"})
    outer = w.ring(_square(lon + 0.02, lat + 0.02, 0.01))
    inner = w.ring(_square(lon + 0.024, lat + 0.024, 0.002))
    w.relation(1, [(outer, "outer"), (inner, "inner")], {"type": "multipolygon", "amenity": "hospital",
                                                          "name": "Campus", "beds": "many"})
    open_way = w.way([w.node(lon + 0.08, lat), w.node(lon + 0.09, lat), w.node(lon + 0.09, lat + 0.01)])
    w.relation(2, [(open_way, "outer")], {"type": "multipolygon", "amenity": "hospital", "name": "Broken"})
    line = [w.node(lon + 0.01 * i, lat - 0.01) for i in range(6)]
    w.way(line, {"power": "line", "voltage": "110 kV;20 kV"})
    w.node(lon + 0.03, lat - 0.02, {"power": "plant", "plant:output:electricity": "450 MW",
                                    "plant:source": "Hydro"})
    bow = [w.node(x, y) for x, y in [(lon, lat + 0.1), (lon + 0.01, lat + 0.11), (lon + 0.01, lat + 0.1),
                                     (lon, lat + 0.11)]]
    w.way(bow + bow[:1], {"building": "yes"})
    w.way([w.node(lon - 0.01, lat), 999999, w.node(lon - 0.01, lat + 0.01)], {"highway": "primary"})
    road_nodes = [w.node(lon + 0.002 * i, lat + 0.03) for i in range(10)]
    w.way(road_nodes[:5], {"highway": "primary", "name": "Main Street", "maxspeed": "50"})
    w.way(road_nodes[4:], {"highway": "secondary", "bridge": "yes", "layer": "1"})
    w.way([w.node(lon, lat + 0.04), w.node(lon + 0.01, lat + 0.04)], {"highway": "footway"})
    w.node(lon + 0.05, lat + 0.03, {"place": "town", "name": "Simtown", "population": "12000"})
    w.node(lon + 0.06, lat + 0.035, {"place": "village", "name": "Hamlet", "population": "some"})
    centres = rng.uniform([lon - 0.1, lat - 0.1], [lon + 0.1, lat + 0.1], size=(buildings, 2))
    for x, y in centres:
        w.ring(_square(x, y, 0.0002), {"building": "house"})
    Path(path).write_text(w.text(), encoding="utf-8")
    return {
        "counts": {"airport": 1, "hospital": 2, "power_line": 1, "power_plant": 1, "building": buildings + 1,
                   "road": 2, "bridge": 1, "place": 2},
        "rejected": {("hospital", "broken_multipolygon"): 1, ("*", "missing_node_locations"): 1},
        "repaired": {"building": 1},
        "campus_area": 0.01 ** 2 - 0.002 ** 2,
        "building_centres": centres + 0.0001,
        "voltage_v": 110000.0, "capacity_w": 450e6, "iata": "ABC", "population": 12000,
    }
