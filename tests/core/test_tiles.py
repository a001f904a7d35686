"""XYZ tiles of rasters: the right pixels at the right place, classes and ramps, windowed reads."""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer
from rasterio.transform import from_origin

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.core.tiles import render_tile, summarise, tile_bounds

ORIGIN = (480_000.0, 4_230_000.0)
PIXEL = 30.0


def write_classes(path, size=400, tiled=False):
    """West half class 1, east half class 2, a nodata (0) frame 20 pixels wide, in UTM 34N."""
    data = np.ones((size, size), dtype="uint8")
    data[:, size // 2:] = 2
    data[:20, :] = data[-20:, :] = data[:, :20] = data[:, -20:] = 0
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "uint8", "nodata": 0,
               "crs": "EPSG:32634", "transform": from_origin(*ORIGIN, PIXEL, PIXEL)}
    if tiled:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if tiled:
            dst.build_overviews([2, 4, 8, 16])
    return data


def lonlat_to_tile(lon, lat, z):
    n = 2 ** z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y)


def test_tile_grid():
    assert tile_bounds(0, 0, 0) == pytest.approx((-20037508.34, -20037508.34, 20037508.34, 20037508.34))
    minx, miny, maxx, maxy = tile_bounds(1, 1, 0)
    assert (minx, miny) == pytest.approx((0, 0), abs=1e-6) and maxx == pytest.approx(20037508.34)
    with pytest.raises(InvalidParameterError, match="outside the XYZ grid"):
        tile_bounds(2, 4, 0)


def test_summary_of_a_class_raster(tmp_path):
    write_classes(tmp_path / "c.tif")
    summary = summarise(tmp_path / "c.tif")
    assert summary.classes == (1.0, 2.0)
    to_ll = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True)
    west, north = to_ll.transform(ORIGIN[0], ORIGIN[1])
    assert summary.bounds[0] == pytest.approx(west, abs=0.01) and summary.bounds[3] == pytest.approx(north, abs=0.01)
    legend = summary.legend("viridis")
    viridis = matplotlib.colormaps["viridis"]
    assert [e["label"] for e in legend["entries"]] == ["1", "2"]
    assert legend["entries"][1]["color"] == "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in viridis(1.0)[:3]))


def test_tile_pixels_match_the_raster(tmp_path):
    data = write_classes(tmp_path / "c.tif")
    summary = summarise(tmp_path / "c.tif")
    to_ll = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True)
    centre = to_ll.transform(ORIGIN[0] + 200 * PIXEL, ORIGIN[1] - 200 * PIXEL)
    z = 12
    x, y = lonlat_to_tile(*centre, z)
    png = render_tile(tmp_path / "c.tif", z, x, y, summary, "viridis")
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    assert image.shape == (256, 256, 4)
    # truth: each tile pixel centre -> Web Mercator -> UTM -> raster cell, looked up in `data`
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    cols, rows = np.meshgrid(np.arange(256) + 0.5, np.arange(256) + 0.5)
    mx, my = minx + cols * (maxx - minx) / 256, maxy - rows * (maxy - miny) / 256
    ex, ny = Transformer.from_crs("EPSG:3857", "EPSG:32634", always_xy=True).transform(mx, my)
    c, r = np.floor((ex - ORIGIN[0]) / PIXEL).astype(int), np.floor((ORIGIN[1] - ny) / PIXEL).astype(int)
    inside = (c >= 0) & (c < 400) & (r >= 0) & (r < 400)
    truth = np.zeros((256, 256), dtype=int)
    truth[inside] = data[r[inside], c[inside]]
    viridis = (np.array([matplotlib.colormaps["viridis"](v)[:3] for v in (0.0, 1.0)]) * 255).astype(int)
    for value, colour in ((1, viridis[0]), (2, viridis[1])):
        where = truth == value
        assert where.sum() > 1000
        match = (np.abs(image[where][:, :3].astype(int) - colour).max(axis=1) <= 1) & (image[where][:, 3] == 255)
        assert match.mean() > 0.98, value
    assert (image[truth == 0][:, 3] == 0).mean() > 0.98  # nodata and outside: transparent


def test_tile_far_away_is_empty(tmp_path):
    write_classes(tmp_path / "c.tif")
    assert render_tile(tmp_path / "c.tif", 5, 0, 0, summarise(tmp_path / "c.tif")) is None


def test_cog_is_read_by_windows_and_overviews(tmp_path, monkeypatch):
    write_classes(tmp_path / "big.tif", size=4096, tiled=True)
    summary = summarise(tmp_path / "big.tif")
    reads = []
    original = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        reads.append((kwargs.get("window"), kwargs.get("out_shape")))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    to_ll = Transformer.from_crs("EPSG:32634", "OGC:CRS84", always_xy=True)
    lon, lat = to_ll.transform(ORIGIN[0] + 2048 * PIXEL, ORIGIN[1] - 2048 * PIXEL)
    render_tile(tmp_path / "big.tif", 14, *lonlat_to_tile(lon, lat, 14), summary)
    window, _ = reads[-1]
    assert window.width * window.height < 4096 * 4096 / 100  # a zoomed-in tile reads a small window
    render_tile(tmp_path / "big.tif", 8, *lonlat_to_tile(lon, lat, 8), summary)
    _, out_shape = reads[-1]
    assert max(out_shape) <= 512  # a zoomed-out tile reads a decimated (overview) array, not 4096^2


def test_unreadable_raster_is_bad_input(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(InvalidProductError, match="bad.tif"):
        summarise(bad)
    write_classes(tmp_path / "c.tif")
    with pytest.raises(InvalidParameterError, match="band=3"):
        summarise(tmp_path / "c.tif", band=3)
