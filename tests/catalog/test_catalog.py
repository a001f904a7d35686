import datetime as dt
import hashlib
import shutil

import numpy as np
import pytest
from shapely.geometry import box

from ai4c.catalog import local
from ai4c.catalog.download import download
from ai4c.catalog.index import build_index
from ai4c.catalog.metadata import safe_product
from ai4c.catalog.model import Product, SearchQuery
from ai4c.core.errors import BadInputError, InvalidProductError
from ai4c.pipelines.comax import analyze_product
from ai4c.simulate.s5p import Plume, simulate_s5p
from tests.catalog.servers import LocalServer
from tests.conftest import shared

REAL_S5P = "S5P_OFFL_L2__CO_____20200303T013547_20200303T031717_12367_01_010302_20200306T032410.nc"


def test_index_and_search_local_catalogue(tmp_path):
    for i, bbox in enumerate([(5, 45, 15, 55), (100, 10, 110, 20)]):
        simulate_s5p(tmp_path, bbox=bbox, start=dt.datetime(2020, 3, 3 + i, 1, tzinfo=dt.UTC), seed=i)
    catalog = tmp_path / "cat.sqlite"
    assert build_index(str(tmp_path), catalog) == 2
    db = local.connect(catalog)
    query = SearchQuery(collection="SENTINEL-5P", product_type="L2__CO____", aoi=box(8, 48, 9, 49),
                        start=dt.datetime(2020, 3, 1, tzinfo=dt.UTC), end=dt.datetime(2020, 3, 10, tzinfo=dt.UTC))
    found = list(local.search(db, query))
    assert len(found) == 1 and found[0].start.day == 3
    assert found[0].footprint.contains(box(8, 48, 9, 49))
    later = SearchQuery(collection="SENTINEL-5P", start=dt.datetime(2020, 3, 4, tzinfo=dt.UTC),
                        end=dt.datetime(2020, 3, 10, tzinfo=dt.UTC))
    assert [p.start.day for p in local.search(db, later)] == [4]


def test_safe_metadata_from_real_manifests():
    s1 = shared("s1", "xarray-sentinel")
    manifests = sorted(s1.rglob("S1*_GRDH_*.SAFE"))
    assert manifests, "expected a GRD SAFE folder in the shared data"
    product = safe_product(manifests[0], str(manifests[0]))
    assert product.collection == "SENTINEL-1" and product.product_type == "GRD"
    assert product.relative_orbit is not None and product.footprint.area > 1
    s2 = shared("s2", "stactools_L2A_N0214_stub")
    safe = next(s2.glob("*.SAFE"))
    product = safe_product(safe, str(safe))
    assert product.collection == "SENTINEL-2" and product.product_type == "S2MSI2A"
    assert product.cloud_cover is not None and product.footprint.area > 0.5


def test_product_without_co_variable_is_bad_input():
    real = shared("misc", "s5p", REAL_S5P)
    product = Product(id="x", collection="SENTINEL-5P", product_type="L2__CO____", start=dt.datetime.now(dt.UTC),
                      end=dt.datetime.now(dt.UTC), geometry=None, href=str(real), provider="t")
    with pytest.raises(InvalidProductError, match="no PRODUCT/carbonmonoxide_total_column"):
        analyze_product(product, None)


def test_qa_filter_skips_the_decoy(tmp_path):
    path = simulate_s5p(tmp_path, plumes=[Plume(10, 50, 0.03, 30)], seed=3, decoy=True)
    product = Product(id="p", collection="SENTINEL-5P", product_type="L2__CO____", start=dt.datetime.now(dt.UTC),
                      end=dt.datetime.now(dt.UTC), geometry=None, href=str(path), provider="t")
    strict = analyze_product(product, None, qa_threshold=0.5)
    loose = analyze_product(product, None, qa_threshold=0.0)
    assert loose.value > strict.value + 0.04  # the decoy has qa 0.3
    assert abs(strict.lat - 50) < 0.3 and abs(strict.lon - 10) < 0.3


def test_download_local_resume_and_checksum(tmp_path):
    source = tmp_path / "S5P_product.nc"
    payload = np.random.default_rng(0).bytes(3_000_000)
    source.write_bytes(payload)
    out = tmp_path / "out"
    out.mkdir()
    (out / "S5P_product.nc.part").write_bytes(payload[:1_000_000])  # an interrupted earlier download
    md5 = hashlib.md5(payload, usedforsecurity=False).hexdigest()
    product = Product(id="p", collection="c", product_type="t", start=dt.datetime.now(dt.UTC),
                      end=dt.datetime.now(dt.UTC), geometry=None, href=str(source), provider="t",
                      checksum={"MD5": md5})
    target = download(product, out)
    assert target.read_bytes() == payload and not (out / "S5P_product.nc.part").exists()
    product.checksum["MD5"] = "0" * 32
    shutil.rmtree(out)
    out.mkdir()
    with pytest.raises(InvalidProductError, match="checksum"):
        download(product, out)
    assert list(out.iterdir()) == []


def test_download_from_s3_resumes(tmp_path, monkeypatch):
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server._server.server_address
        endpoint = f"http://{host}:{port}"
        for key, value in (("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b"), ("AWS_DEFAULT_REGION", "us-east-1")):
            monkeypatch.setenv(key, value)
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket="eodata")
        payload = np.random.default_rng(1).bytes(2_000_000)
        client.put_object(Bucket="eodata", Key="S5P/x.nc", Body=payload)
        (tmp_path / "x.nc.part").write_bytes(payload[:700_000])
        product = Product(id="x", collection="c", product_type="t", start=dt.datetime.now(dt.UTC),
                          end=dt.datetime.now(dt.UTC), geometry=None, href="s3://eodata/S5P/x.nc", provider="t")
        assert download(product, tmp_path, client=client).read_bytes() == payload
    finally:
        server.stop()


def test_refused_s3_credentials_are_a_clear_error(tmp_path, monkeypatch):
    denied = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code>'
              b"<Message>The AWS Access Key Id you provided does not exist in our records.</Message></Error>")

    def handler(path, query, server):
        return 403, denied, "application/xml"

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "wrong")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with LocalServer(handler) as server:
        with pytest.raises(BadInputError, match="refused the credentials"):
            build_index("s3://eodata/Sentinel-5P/", tmp_path / "c.sqlite", endpoint_url=server.url)


def test_cli_exit_codes(tmp_path, run_cli):
    code, _, err = run_cli("search", "--collection", "SENTINEL-5P", "--start", "2020-03-10", "--end", "2020-03-01",
                           "--catalog", str(tmp_path / "none.sqlite"))
    assert code == 2 and "reversed" in err and err.count("\n") == 1
    code, _, err = run_cli("co-max", "--aoi", "POLYGON((0 0, 1", "--start", "2020-03-01", "--end", "2020-03-02",
                           "--catalog", str(tmp_path / "none.sqlite"))
    assert code == 2 and "invalid WKT" in err
    code, _, err = run_cli("co-max", "--aoi", "POLYGON((0 0, 1 0, 1 1, 0 0))", "--start", "2020-03-01",
                           "--end", "2020-03-02", "--qa", "1.5", "--catalog", str(tmp_path / "none.sqlite"))
    assert code == 2 and "qa=1.5 must be between 0 and 1" in err
    code, _, err = run_cli("serve", "co-max", "--rest-port", "-1")
    assert code == 2 and "rest_port=-1 must be >= 0" in err
    code, _, err = run_cli("download", "nope", "--output", str(tmp_path), "--catalog", str(tmp_path / "none.sqlite"))
    assert code == 2 and "does not exist" in err
