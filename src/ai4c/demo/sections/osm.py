"""Demo: OpenStreetMap -> the security feature model -> a GeoParquet store -> the OGC API Features service."""

from __future__ import annotations

import os
from pathlib import Path

from ai4c.demo.report import Section

ORDER = 65
TITLE = "Human features from OpenStreetMap (security feature model, OGC API Features)"
SHARED = Path(os.environ.get("AI4C_SHARED_DATA", Path(__file__).resolve().parents[4] / ".." / "shared" / "data"))
LIECHTENSTEIN = SHARED / "misc" / "osm" / "liechtenstein-2013-08-03.osm.pbf"
AOI = "POLYGON((9.47 47.04, 9.65 47.04, 9.65 47.28, 9.47 47.28, 9.47 47.04))"
TOWN_AOI = "POLYGON((9.9 49.9, 10.1 49.9, 10.1 50.1, 9.9 50.1, 9.9 49.9))"
SHOWN = {"airport": "#d62728", "heliport": "#ff7f0e", "power_plant": "#9467bd", "power_substation": "#8c564b",
         "hospital": "#2ca02c"}


def run(workdir: Path) -> Section:
    """Ingest Liechtenstein (or a simulated town), check against an independent count, query the service."""
    from fastapi.testclient import TestClient

    from ai4c.pipelines.osm_ingest import ingest
    from ai4c.products.feature_store import FeatureStore
    from ai4c.services.osm_features import create_app

    section = Section(TITLE)
    if LIECHTENSTEIN.exists():
        source, aoi, what = LIECHTENSTEIN, AOI, "the Liechtenstein extract of 2013"
    else:
        from ai4c.simulate.osm import simulate_town

        source, aoi, what = workdir / "town.osm", TOWN_AOI, "a simulated town (../shared absent)"
        simulate_town(source, buildings=300)
    report = ingest(source, workdir / "store")
    section.paragraphs.append(
        f"Ingest of {what}: {sum(report.features.values()):,} features in {len(report.features)} classes from "
        f"{report.objects_read:,} candidate OSM objects in {report.seconds:.1f} s; "
        f"{sum(report.rejected.values())} rejected with a reason, {sum(report.repaired.values())} repaired "
        "(the ingest report is written beside the store).")
    expected = independent_counts(source)
    for klass in ("airport", "heliport", "hospital"):
        section.check(f"{klass} features = independent pyosmium count", report.features[klass],
                      f"= {expected[klass]}", report.features[klass] == expected[klass], "{:d}")
    client = TestClient(create_app(FeatureStore(workdir / "store")))
    found = {}
    for klass in SHOWN:
        body = client.get(f"/collections/{klass}/items", params={
            "limit": 1000, "filter": f"S_INTERSECTS(geometry, {aoi})"}).json()
        found[klass] = body["features"]
    roads = client.get("/collections/road/items", params={"limit": 10000}).json()["features"]
    shown = ", ".join(f"{len(v)} {k}" for k, v in found.items())
    section.paragraphs.append(f"The service's answer for the AoI (CQL2 S_INTERSECTS): {shown}.")
    section.check("features returned by the service are valid geometries", _all_valid(found), "all valid",
                  _all_valid(found) == 1, "{:.0f}")
    section.images.append((_picture(found, roads, aoi, workdir / "osm_features.png"),
                           "Airports, heliports, power plants and substations, hospitals in the AoI (roads in grey)"))
    return section


def independent_counts(path: Path) -> dict[str, int]:
    """Nodes and ways with the tags of three classes, counted with pyosmium alone (ways with all nodes)."""
    import osmium

    tests = {"airport": lambda t: t.get("aeroway") == "aerodrome",
             "heliport": lambda t: t.get("aeroway") in ("heliport", "helipad"),
             "hospital": lambda t: t.get("amenity") == "hospital"}
    counts = dict.fromkeys(tests, 0)
    nodes: set[int] = set()
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION).with_areas():
        tags = dict(obj.tags)
        if obj.is_node():
            nodes.add(obj.id)
        elif obj.is_way() and not all(n.ref in nodes for n in obj.nodes):
            continue
        if obj.is_relation() or (obj.is_area() and obj.from_way()):
            continue  # relations are counted through their areas (assembled by libosmium)
        for klass, test in tests.items():
            counts[klass] += bool(test(tags))
    return counts


def _all_valid(found: dict) -> float:
    from shapely.geometry import shape

    return float(all(shape(f["geometry"]).is_valid for features in found.values() for f in features))


def _picture(found: dict, roads: list, aoi: str, path: Path) -> str:
    """The classes in the AoI over the road network."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely
    from shapely.geometry import shape

    fig, ax = plt.subplots(figsize=(6, 7), dpi=100)
    for feature in roads:
        xs, ys = shapely.get_coordinates(shape(feature["geometry"])).T
        ax.plot(xs, ys, color="#bbbbbb", linewidth=0.5)
    for klass, features in found.items():
        for i, feature in enumerate(features):
            centre = shape(feature["geometry"]).representative_point()
            ax.plot(centre.x, centre.y, "o", color=SHOWN[klass], markersize=14 if klass == "airport" else 8,
                    markeredgecolor="k",
                    label=klass if i == 0 else None)
    xs, ys = shapely.get_coordinates(shapely.from_wkt(aoi)).T
    ax.plot(xs, ys, "c--", label="AoI")
    ax.set_aspect(1 / 0.68)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_xlabel("lon")
    ax.set_ylabel("lat")
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return f"{path.parent.name}/{path.name}"
