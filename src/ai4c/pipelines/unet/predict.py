"""`predict`: classify every image of a folder block by block (bounded memory) with sliding windows and
overlap blending, writing a georeferenced uint8 class GeoTIFF (and optionally uint8 probabilities)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from ai4c.core.io import atomic_path
from ai4c.core.progress import track
from ai4c.ml.segmentation.infer import sliding_probabilities
from ai4c.pipelines.unet.layout import Sample, band_indexes
from ai4c.pipelines.unet.model_io import LoadedModel

NODATA = 255  # class map value of input pixels that are no data in every band (when the input declares nodata)


def _profile(src: rasterio.io.DatasetReader, window: Window, count: int) -> dict:
    """Tiled, compressed uint8 GeoTIFF on the window's grid (nodata 255 when the input has a nodata value)."""
    return {"driver": "GTiff", "width": int(window.width), "height": int(window.height), "count": count,
            "dtype": "uint8", "crs": src.crs, "transform": src.window_transform(window), "tiled": True,
            "blockxsize": 256, "blockysize": 256, "compress": "deflate",
            "nodata": NODATA if src.nodata is not None and count == 1 else None, "BIGTIFF": "IF_SAFER"}


def block_windows(window: Window, block: int) -> list[tuple[Window, Window]]:
    """(core, core-relative-to-output) block pairs tiling `window`."""
    out = []
    for r in range(0, int(window.height), block):
        for c in range(0, int(window.width), block):
            h, w = min(block, int(window.height) - r), min(block, int(window.width) - c)
            out.append((Window(window.col_off + c, window.row_off + r, w, h), Window(c, r, w, h)))
    return out


def _halo(core: Window, halo: int, width: int, height: int) -> tuple[Window, int, int]:
    """The core grown by `halo` inside the image, and the core's offset inside it."""
    r0, c0 = max(int(core.row_off) - halo, 0), max(int(core.col_off) - halo, 0)
    r1 = min(int(core.row_off + core.height) + halo, height)
    c1 = min(int(core.col_off + core.width) + halo, width)
    return Window(c0, r0, c1 - c0, r1 - r0), int(core.row_off) - r0, int(core.col_off) - c0


def predict_image(model: LoadedModel, sample: Sample, out_path: Path, *, overlap: int, block: int,
                  probabilities: bool, window: Window | None = None, batch: int = 4) -> Path:
    """Classify one image (or a window of it) into `out_path` (+ `NAME_proba.tif` on request)."""
    cfg = model.config
    patch = cfg.patch_size
    codes = np.array(cfg.class_values, np.uint8)
    with rasterio.open(sample.image) as src:
        idx = band_indexes(src, cfg.bands, sample.sen12ms)
        window = window or Window(0, 0, src.width, src.height)
        proba_path = out_path.with_name(out_path.stem + "_proba.tif")
        with atomic_path(out_path) as tmp, (atomic_path(proba_path) if probabilities else nullcontext()) as ptmp:
            dst = rasterio.open(tmp, "w", **_profile(src, window, 1))
            pdst = rasterio.open(ptmp, "w", **_profile(src, window, cfg.n_classes)) if ptmp else None
            try:
                dst.write_colormap(1, _colormap(codes))
                for core, rel in track(block_windows(window, block), f"predicting {sample.image.name}"):
                    grown, dr, dc = _halo(core, patch // 2, src.width, src.height)
                    image = src.read(idx, window=grown).astype(np.float32)
                    probs = sliding_probabilities(image, model.predict, cfg.n_classes, patch, overlap, batch)
                    probs = probs[:, dr:dr + int(core.height), dc:dc + int(core.width)]
                    classes = codes[probs.argmax(0)]
                    if src.nodata is not None:  # pixels with no data in every band
                        core_px = image[:, dr:dr + int(core.height), dc:dc + int(core.width)]
                        classes[(core_px == np.float32(src.nodata)).all(0)] = NODATA
                    dst.write(classes, 1, window=rel)
                    if pdst is not None:
                        pdst.write(np.rint(probs * 255).astype(np.uint8), window=rel)
                dst.update_tags(classes=",".join(map(str, cfg.class_values)), bands=",".join(cfg.bands))
            finally:
                dst.close()
                if pdst is not None:
                    pdst.close()
    return out_path


def _colormap(codes: np.ndarray) -> dict[int, tuple[int, int, int, int]]:
    """A distinct colour per class code (tab20), black for 0."""
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    table = {0: (0, 0, 0, 255)}
    for i, code in enumerate(codes.tolist()):
        if code:
            r, g, b, _ = cmap(i % 20)
            table[int(code)] = (int(r * 255), int(g * 255), int(b * 255), 255)
    return table
