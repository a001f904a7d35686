"""Wind farms over WFS 2.0: paging returns every feature once, exception reports become errors, the cache
serves a second run without the server."""

from __future__ import annotations

import json

from conftest import free_port

STATUSES = ["Production", "Construction", "Planned", "Approved", "Dismantled"]


def farm_features(n: int) -> list[dict]:
    """n square wind farms in the North Sea with EMODnet's attribute names."""
    features = []
    for i in range(n):
        x, y = 2.0 + (i % 10) * 0.3, 53.0 + (i // 10) * 0.3
        ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
        features.append({"type": "Feature", "id": f"windfarmspoly.{i}",
                         "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"name": f"Farm {i}", "status": STATUSES[i % 5], "power_mw": 100 + i,
                                        "n_turbines": 10 + i % 7, "country": "Netherlands", "year": 2010 + i % 12}})
    return features


def gml_page(features: list[dict], matched: int) -> bytes:
    """A page as GML written by GDAL, with WFS 2.0's numberMatched on the collection."""
    import tempfile
    from pathlib import Path

    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "page.gml"
        frame.to_file(path, driver="GML", engine="pyogrio")
        body = path.read_bytes()
    return body.replace(b"<ogr:FeatureCollection", f'<ogr:FeatureCollection numberMatched="{matched}"'.encode(), 1)


def wfs_server(features: list[dict]):
    """A WFS 2.0 GetFeature endpoint on 127.0.0.1 (tests/catalog/servers.LocalServer) answering GeoJSON or GML
    pages like GeoServer, and an ows:ExceptionReport for an unknown layer; `.requests` lists what it served."""
    from catalog.servers import LocalServer

    def answer(path: str, query: dict, server) -> tuple[int, bytes | dict, str]:
        if query.get("typeNames") != "emodnet:windfarmspoly":
            body = ('<?xml version="1.0"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" '
                    'version="2.0.0"><ows:Exception exceptionCode="InvalidParameterValue" locator="typeName">'
                    f'<ows:ExceptionText>Feature type {query.get("typeNames")} unknown</ows:ExceptionText>'
                    '</ows:Exception></ows:ExceptionReport>').encode()
            return 200, body, "application/xml"
        start, count = int(query["startIndex"]), int(query["count"])
        page = features[start:start + count]
        if query.get("outputFormat", "").startswith("application/gml"):
            return 200, gml_page(page, len(features)), "application/gml+xml; version=3.2"
        return 200, {"type": "FeatureCollection", "features": page, "totalFeatures": len(features),
                     "numberMatched": len(features), "numberReturned": len(page),
                     "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}}}, "application/json"

    server = LocalServer(answer)
    server.url += "/geoserver/wfs"
    return server


def test_paging_returns_every_feature_once_and_cache_serves_offline(tmp_path):
    from ai4c.pipelines.energy import windfarms

    features = farm_features(57)
    with wfs_server(features) as server:
        farms = windfarms(server.url, cache=tmp_path / "cache", page_size=10, output=tmp_path / "farms.geojson")
        assert len(server.requests) == 6  # 5 full pages + a short one
    assert sorted(farms["feature_id"]) == sorted(f["id"] for f in features)
    assert farms["capacity_mw"].sum() == sum(f["properties"]["power_mw"] for f in features)
    assert farms["status"].value_counts().to_dict() == {"operating": 12, "construction": 12, "planned": 22,
                                                        "decommissioned": 11}
    assert farms["turbines"].tolist() == [10 + i % 7 for i in range(57)]
    again = windfarms(server.url, cache=tmp_path / "cache", page_size=10)  # server stopped: from the cache
    assert len(again) == 57


def test_aoi_selects_by_intersection(tmp_path):
    import shapely
    from shapely.geometry import shape

    from ai4c.core.aoi import parse_aoi
    from ai4c.pipelines.energy import windfarms

    features = farm_features(30)
    area = "POLYGON((2.25 53.25, 3.05 53.25, 3.05 54.0, 2.25 54.0, 2.25 53.25))"
    with wfs_server(features) as server:
        farms = windfarms(server.url, cache=None, page_size=100, aoi=parse_aoi(area))
    polygon = shapely.from_wkt(area)
    expected = [f["properties"]["name"] for f in features if shape(f["geometry"]).intersects(polygon)]
    assert sorted(farms["name"]) == sorted(expected) and 0 < len(expected) < 30


def test_exception_report_is_a_one_line_error(tmp_path, run_cli):
    with wfs_server(farm_features(3)) as server:
        code, _, err = run_cli("energy", "windfarms", "--source", server.url, "--type-name", "emodnet:nothing",
                               "--cache", tmp_path / "c", "-o", tmp_path / "f.geojson")
    assert code == 2 and "Feature type emodnet:nothing unknown" in err
    assert not (tmp_path / "f.geojson").exists() and not list((tmp_path / "c").glob("*.body"))


def test_unreachable_server_and_file_source(tmp_path, run_cli):
    from ai4c.pipelines.energy import windfarms

    code, _, err = run_cli("energy", "windfarms", "--source", f"http://127.0.0.1:{free_port()}/wfs",
                           "--cache", tmp_path / "c", "-o", tmp_path / "f.parquet")
    assert code == 2 and "unreachable" in err
    path = tmp_path / "farms.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": farm_features(4)}))
    farms = windfarms(path, output=tmp_path / "farms.parquet")
    assert farms["name"].tolist() == [f"Farm {i}" for i in range(4)]
    import geopandas as gpd

    assert len(gpd.read_parquet(tmp_path / "farms.parquet")) == 4


def test_empty_layer():
    from ai4c.pipelines.energy import windfarms

    with wfs_server([]) as server:
        farms = windfarms(server.url, page_size=10)
    assert len(farms) == 0


def test_gml_pages(tmp_path):
    from ai4c.pipelines.energy import windfarms

    features = farm_features(23)
    with wfs_server(features) as server:
        farms = windfarms(server.url, output_format="gml", page_size=10)
    assert sorted(farms["name"]) == sorted(f["properties"]["name"] for f in features)
    assert farms["capacity_mw"].sum() == sum(f["properties"]["power_mw"] for f in features)
