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


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    _write_tile(root, "N41E012", lambda la, lo: 1000 * lo + 100 * la)  # a tilted plane
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{{tile}}.hgt.zip"
    httpd.shutdown()
    httpd.server_close()


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


def test_pipeline_with_srtm3(server, tmp_path, monkeypatch):
    import json

    from ai4c.pipelines.s1_grd import run
    from ai4c.simulate.s1.grd import simulate_grd

    monkeypatch.setenv("AI4C_SRTM3_URL", server)
    monkeypatch.setenv("AI4C_DEM_CACHE", str(tmp_path / "cache"))
    sim = simulate_grd(tmp_path, size=(128, 128), centre=(41.5, 12.5), terrain="flat")
    out = run(sim.path, tmp_path / "o.tif", dem="srtm3", speckle="None", landseamask="Sea")
    item = json.loads((tmp_path / "o.tif.stac.json").read_text())
    assert not any("no DEM" in w for w in item["properties"]["ai4c:warnings"])
    assert (tmp_path / "cache" / "N41E012.hgt.zip").exists() and out.exists()
