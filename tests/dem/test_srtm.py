"""SRTM 3" tiles: fetched through a URL template from a local HTTP server into a cache, then sampled."""

from __future__ import annotations

import http.server
import threading
import zipfile
from functools import partial

import numpy as np
import pytest

from ai4c.core.errors import DependencyMissingError
from ai4c.dem.heights import from_tiles
from ai4c.dem.srtm import fetch_tiles, tile_name, tiles_for


def _write_tile(folder, name: str, value_fn) -> None:
    lat = np.linspace(1, 0, 1201)[:, None]
    lon = np.linspace(0, 1, 1201)[None, :]
    data = value_fn(lat, lon).astype(">i2")
    with zipfile.ZipFile(folder / f"{name}.hgt.zip", "w") as archive:
        archive.writestr(f"{name}.hgt", data.tobytes())


def _serve(root):
    """Serve `root` on 127.0.0.1: yields the SRTM URL template, stops when resumed."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/{{tile}}.hgt.zip"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    _write_tile(root, "N41E012", lambda la, lo: 1000 * lo + 100 * la)  # a tilted plane
    yield from _serve(root)


def test_tile_names():
    assert tile_name(41, 12) == "N41E012" and tile_name(-1, -71) == "S01W071"
    assert tiles_for((12.2, 41.5, 13.1, 41.9)) == ["N41E012", "N41E013"]


def test_fetch_into_cache_and_sample(server, tmp_path):
    cache = tmp_path / "cache"
    paths = fetch_tiles((12.2, 41.5, 13.1, 41.9), server, cache)
    assert [p.name for p in paths] == ["N41E012.hgt.zip"]  # N41E013 is "sea" (404) and skipped
    sampler = from_tiles(paths)
    h = sampler(np.array([12.25, 12.75]), np.array([41.5, 41.25]))
    np.testing.assert_allclose(h, [1000 * 0.25 + 50, 1000 * 0.75 + 25], atol=1.0)
    mtime = paths[0].stat().st_mtime_ns
    assert fetch_tiles((12.2, 41.5, 12.9, 41.9), server, cache)[0].stat().st_mtime_ns == mtime  # cached


def test_unreachable_server(tmp_path):
    with pytest.raises(DependencyMissingError, match="cannot fetch SRTM tile"):
        fetch_tiles((12.2, 41.5, 12.3, 41.6), "http://127.0.0.1:9/{tile}.hgt.zip", tmp_path)


def test_pipeline_with_srtm3(tmp_path, monkeypatch):
    """The fetched tile really drives the run: its sea half (height 0, west of 12.495 E, mid-scene) is removed by
    --landseamask Sea and its land half (500 m) kept, the boundary where the served tile puts it."""
    import json

    import rasterio
    from pyproj import Transformer

    from ai4c.pipelines.s1_grd import run
    from ai4c.simulate.s1.grd import simulate_grd

    root = tmp_path / "www"
    root.mkdir()
    _write_tile(root, "N41E012", lambda la, lo: np.where(lo > 0.495, 500, 0) + 0 * la)
    url = _serve(root)
    monkeypatch.setenv("AI4C_SRTM3_URL", next(url))
    monkeypatch.setenv("AI4C_DEM_CACHE", str(tmp_path / "cache"))
    sim = simulate_grd(tmp_path, size=(128, 128), centre=(41.5, 12.5), terrain="flat")
    out = run(sim.path, tmp_path / "o.tif", dem="srtm3", speckle="None", landseamask="Sea")
    unmasked = run(sim.path, tmp_path / "all.tif", dem="srtm3", speckle="None", landseamask="None")
    next(url, None)
    item = json.loads((tmp_path / "o.tif.stac.json").read_text())
    assert not any("no DEM" in w for w in item["properties"]["ai4c:warnings"])
    assert (tmp_path / "cache" / "N41E012.hgt.zip").exists()
    with rasterio.open(unmasked) as src:
        imaged = np.isfinite(src.read(1))
    with rasterio.open(out) as src:
        data = src.read(1)
        rows, cols = np.mgrid[0:src.height, 0:src.width]
        x, y = rasterio.transform.xy(src.transform, rows.ravel(), cols.ravel())
        lon, _ = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(x, y)
    lon = np.asarray(lon).reshape(data.shape)
    west, east = (lon < 12.495 - 0.0015) & imaged, (lon > 12.495 + 0.0015) & imaged  # inside the imaged swath
    assert west.sum() > 1000 and east.sum() > 1000
    assert np.isnan(data[west]).all() and np.isfinite(data[east]).all()
