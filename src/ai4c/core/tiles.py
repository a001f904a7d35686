"""Web-map tiles of a raster file: the Web Mercator (XYZ) tile grid, a colour-mapped PNG per tile read
through windows (a Cloud Optimized GeoTIFF is read by blocks and overviews, never whole), and the
value range and legend a map shows beside it."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError, first_line

TILE_SIZE = 256
WEB_MERCATOR = "EPSG:3857"
_HALF_WORLD = 20037508.342789244
MAX_CLASSES = 16


@dataclass(frozen=True)
class RasterSummary:
    """What a map needs to show a raster band: lon/lat bounds, value range or classes, colour map."""

    bounds: tuple[float, float, float, float]
    vmin: float
    vmax: float
    classes: tuple[float, ...]
    band: int
    bands: int
    crs: str
    width: int
    height: int

    def legend(self, cmap: str, steps: int = 5) -> dict:
        """Colours and labels of the legend: one entry per class, or a colour ramp with value labels."""
        colours = colormap(cmap)
        if self.classes:
            return {"entries": [{"label": _fmt(v), "color": _hex(colours(i / max(1, len(self.classes) - 1)))}
                                for i, v in enumerate(self.classes)]}
        ramp = [_hex(colours(i / (steps - 1))) for i in range(steps)]
        return {"ramp": ramp, "labels": [_fmt(self.vmin), _fmt((self.vmin + self.vmax) / 2), _fmt(self.vmax)]}


def colormap(name: str):
    """A matplotlib colour map by name, or an error listing a few known ones."""
    import matplotlib

    try:
        return matplotlib.colormaps[name]
    except KeyError:
        raise InvalidParameterError(f"unknown colour map {name!r}; use e.g. viridis, magma, terrain, RdYlGn, "
                                    "Greys, tab10") from None


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Web Mercator bounds (minx, miny, maxx, maxy) of XYZ tile z/x/y (y counted from the north)."""
    if z < 0 or z > 24 or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise InvalidParameterError(f"tile {z}/{x}/{y} is outside the XYZ grid (0 <= x, y < 2^z, z <= 24)")
    size = 2 * _HALF_WORLD / 2 ** z
    minx = -_HALF_WORLD + x * size
    maxy = _HALF_WORLD - y * size
    return minx, maxy - size, minx + size, maxy


def is_url(path: Path | str) -> bool:
    return str(path).startswith(("http://", "https://"))


@contextmanager
def _open(path: Path | str) -> Iterator:
    """The raster opened for reading: a local file, or an http(s) URL read by HTTP range requests
    (GDAL's /vsicurl/: a Cloud Optimized GeoTIFF is read block by block, never downloaded whole)."""
    import rasterio
    from rasterio.errors import RasterioIOError

    remote = is_url(path)
    if not remote and not Path(path).is_file():
        raise InputNotFoundError(f"{path}: no such raster file")
    options = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_HTTP_TIMEOUT": "30"} if remote else {}
    with rasterio.Env(**options):
        try:
            dataset = rasterio.open(str(path))
        except RasterioIOError as err:
            raise InvalidProductError(f"{_name(path)}: not a readable raster ({first_line(err)})") from err
        with dataset:
            yield dataset


def _name(path: Path | str) -> str:
    return str(path) if is_url(path) else Path(path).name


def summarise(path: Path | str, band: int = 1, sample: int = 512) -> RasterSummary:
    """Bounds in lon/lat and the 2-98 % value range (or the classes of a small-integer band), from a
    decimated read of at most `sample` pixels a side (served by the file's overviews when it has them)."""
    from rasterio.warp import transform_bounds

    with _open(path) as src:
        if not 1 <= band <= src.count:
            raise InvalidParameterError(f"band={band} is not in {_name(path)}; it has bands 1..{src.count}")
        if src.crs is None:
            raise InvalidProductError(f"{_name(path)}: the raster has no CRS, so it cannot be placed on a map")
        scale = max(1.0, max(src.width, src.height) / sample)
        shape = (max(1, round(src.height / scale)), max(1, round(src.width / scale)))
        values = _valid(src.read(band, out_shape=shape, masked=True))
        bounds = transform_bounds(src.crs, "OGC:CRS84", *src.bounds, densify_pts=21)
        classes: tuple[float, ...] = ()
        if np.issubdtype(np.dtype(src.dtypes[band - 1]), np.integer) and values.size:
            unique = np.unique(values)
            if unique.size <= MAX_CLASSES:
                classes = tuple(float(v) for v in unique)
        vmin, vmax = (np.percentile(values, [2, 98]) if values.size else (0.0, 1.0))
        return RasterSummary(tuple(float(b) for b in bounds), float(vmin), float(vmax), classes, band,
                             src.count, src.crs.to_string(), src.width, src.height)


def _valid(masked: np.ma.MaskedArray) -> np.ndarray:
    data = masked.compressed()
    return data[np.isfinite(data)] if data.dtype.kind == "f" else data


def render_tile(path: Path | str, z: int, x: int, y: int, summary: RasterSummary, cmap: str = "viridis",
                size: int = TILE_SIZE) -> bytes | None:
    """PNG bytes of tile z/x/y with the band colour-mapped (transparent where nodata), or None when
    the tile misses the raster. Only the window under the tile is read, at the overview level that
    matches the tile's resolution."""
    from affine import Affine
    from rasterio.transform import from_bounds
    from rasterio.warp import Resampling, reproject, transform_bounds
    from rasterio.windows import from_bounds as window_from_bounds

    target = tile_bounds(z, x, y)
    with _open(path) as src:
        left, bottom, right, top = transform_bounds(WEB_MERCATOR, src.crs, *target, densify_pts=21)
        window = _pixel_window(window_from_bounds(left, bottom, right, top, transform=src.transform),
                               src.width, src.height)
        if window is None:
            return None
        scale = max(1.0, min(window.width, window.height) / size)
        shape = (max(1, math.ceil(window.height / scale)), max(1, math.ceil(window.width / scale)))
        data = src.read(summary.band, window=window, out_shape=shape, masked=True,
                        resampling=Resampling.nearest).astype("float64").filled(np.nan)
        win_transform = src.window_transform(window) @ Affine.scale(window.width / shape[1],
                                                                     window.height / shape[0])
        out = np.full((size, size), np.nan)
        reproject(data, out, src_transform=win_transform, src_crs=src.crs, src_nodata=np.nan,
                  dst_transform=from_bounds(*target, size, size), dst_crs=WEB_MERCATOR, dst_nodata=np.nan,
                  resampling=Resampling.nearest)
    if not np.isfinite(out).any():
        return None
    return _png(colour(out, summary, cmap))


def _pixel_window(window, width: int, height: int):
    """Whole pixels covering `window` plus one on each side (neighbours for resampling at tile
    edges), clipped to the raster; None when it misses the raster."""
    from rasterio.windows import Window

    col0 = max(0, math.floor(window.col_off) - 1)
    row0 = max(0, math.floor(window.row_off) - 1)
    col1 = min(width, math.ceil(window.col_off + window.width) + 1)
    row1 = min(height, math.ceil(window.row_off + window.height) + 1)
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def colour(values: np.ndarray, summary: RasterSummary, cmap: str) -> np.ndarray:
    """RGBA uint8 image of `values`: classes get one colour each, continuous values the colour map
    stretched over [vmin, vmax]; NaN is transparent."""
    colours = colormap(cmap)
    finite = np.isfinite(values)
    if summary.classes:
        classes = np.asarray(summary.classes)
        index = np.searchsorted(classes, np.where(finite, values, classes[0]))
        index = np.clip(index, 0, len(classes) - 1)
        known = finite & (classes[index] == values)
        scaled = index / max(1, len(classes) - 1)
        finite = known
    else:
        span = (summary.vmax - summary.vmin) or 1.0
        scaled = np.clip((np.where(finite, values, summary.vmin) - summary.vmin) / span, 0, 1)
    rgba = (colours(scaled) * 255).astype(np.uint8)
    rgba[..., 3] = np.where(finite, 255, 0)
    return rgba


def _png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _hex(rgba) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in rgba[:3]))


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4g}"
