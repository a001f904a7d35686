"""End to end: simulated S5P granules in a local S3 server -> catalogue -> broker -> CO max over REST and gRPC."""

import datetime as dt

import grpc
import h5py
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box

from ai4c.catalog.index import build_index
from ai4c.services.comax import model_pb2, model_pb2_grpc
from ai4c.services.comax.grpc_server import create_server
from ai4c.services.comax.rest import create_app
from ai4c.simulate.s5p import Plume, simulate_s5p
from tests.conftest import free_port

AOI = box(6.0, 46.0, 14.0, 54.0)
BUCKET = "eodata"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def granules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s5p")
    start = dt.datetime(2020, 3, 3, 1, 35, tzinfo=dt.UTC)
    plumes = [[Plume(9.0, 50.0, 0.02, 30)], [Plume(11.5, 48.0, 0.04, 25)], [Plume(30.0, 10.0, 0.2, 25)]]
    paths = [simulate_s5p(folder, start=start + dt.timedelta(days=i), orbit=12367 + 14 * i, plumes=p, seed=i)
             for i, p in enumerate(plumes)]
    return paths


def _independent_max(paths, aoi, qa_threshold=0.5):
    """The expected answer straight from the arrays with h5py/numpy/shapely (not the ai4c reader)."""
    best = None
    for path in paths:
        with h5py.File(path) as f:
            co = f["PRODUCT/carbonmonoxide_total_column"][0].astype(float)
            co[co > 1e30] = np.nan
            qa = f["PRODUCT/qa_value"][0] * 0.01
            lat, lon = f["PRODUCT/latitude"][0], f["PRODUCT/longitude"][0]
        ok = np.isfinite(co) & (qa > qa_threshold) & shapely.contains_xy(aoi, lon, lat)
        if ok.any():
            i = np.nanargmax(np.where(ok, co, -np.inf))
            cand = (co.flat[i], lat.flat[i], lon.flat[i], path.stem)
            if best is None or cand[0] > best[0]:
                best = cand
    return best


@pytest.fixture(scope="module")
def s3_catalog(s3_server, granules, tmp_path_factory, monkeypatch_module):
    import boto3

    monkeypatch_module.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch_module.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch_module.setenv("AI4C_S3_ENDPOINT", s3_server)
    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=BUCKET)
    for path in granules:
        client.upload_file(str(path), BUCKET, f"Sentinel-5P/TROPOMI/L2__CO____/{path.name}")
    catalog = tmp_path_factory.mktemp("cat") / "catalog.sqlite"
    assert build_index(f"s3://{BUCKET}/Sentinel-5P/", catalog) == 3
    return catalog


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_rest_returns_independent_maximum(s3_catalog, granules):
    expected = _independent_max(granules, AOI)
    assert expected[3] == granules[1].stem  # the strongest plume inside the AoI, not the one outside
    client = TestClient(create_app("local", catalog=str(s3_catalog)))
    response = client.get("/co-max", params={"aoi": AOI.wkt, "start": "2020-03-01", "end": "2020-03-10"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["value"] == pytest.approx(expected[0], rel=1e-6)
    assert (body["lat"], body["lon"]) == pytest.approx((expected[1], expected[2]), abs=1e-5)
    assert body["product"] == expected[3] and body["unit"] == "mol m-2"
    assert body["time"].startswith("2020-03-04T01:3")
    assert abs(body["lat"] - 48.0) < 0.3 and abs(body["lon"] - 11.5) < 0.3  # the planted plume
    assert client.get("/openapi.json").json()["paths"]["/co-max"]


def test_rest_bad_inputs(s3_catalog):
    client = TestClient(create_app("local", catalog=str(s3_catalog)))
    bad_aoi = client.get("/co-max", params={"aoi": "POLYGON((1 2", "start": "2020-03-01", "end": "2020-03-10"})
    assert bad_aoi.status_code == 400 and "WKT" in bad_aoi.json()["error"]
    reversed_ = client.get("/co-max", params={"aoi": AOI.wkt, "start": "2020-03-10", "end": "2020-03-01"})
    assert reversed_.status_code == 400 and "reversed" in reversed_.json()["error"]
    nothing = client.get("/co-max", params={"aoi": box(-60, -10, -50, 0).wkt, "start": "2020-03-01", "end": "2020-03-10"})
    assert nothing.status_code == 404


def test_grpc_broker_and_analyzer(s3_catalog, granules):
    expected = _independent_max(granules, AOI)
    server, port = create_server(0, host="127.0.0.1", catalog=str(s3_catalog))
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            broker = model_pb2_grpc.DataBrokerStub(channel)
            request = model_pb2.BrokerRequest(aoi_wkt=AOI.wkt, start="2020-03-01", end="2020-03-10")
            seen = []
            with pytest.raises(grpc.RpcError) as end:
                for _ in range(10):
                    seen.append(broker.get_next_product(request))
            assert end.value.code() == grpc.StatusCode.NOT_FOUND
            assert [m.id for m in seen] == [p.stem for p in granules]  # oldest first, each once
            analyzer = model_pb2_grpc.COMaxAnalyzerStub(channel)
            per_product = [analyzer.analyze_product(m) for m in seen]
            best = max(per_product, key=lambda r: r.value)
            overall = analyzer.co_max(request)
            assert overall.value == pytest.approx(expected[0], rel=1e-6) == best.value
            assert overall.product == expected[3]
            with pytest.raises(grpc.RpcError) as bad:
                analyzer.co_max(model_pb2.BrokerRequest(aoi_wkt="nonsense", start="2020-03-01", end="2020-03-10"))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        server.stop(grace=None)
