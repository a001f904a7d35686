"""Input folder layouts of `ai4c unet`: `images/NAME.tif` + `labels/NAME.tif`, or SEN12MS
(`ROIs*_*/s2_N/..._s2_N_pK.tif` with `lc_N/..._lc_N_pK.tif`); band selection by name or position."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.ml.segmentation.backbone import S2_13_BANDS, canonical_band

RASTER_SUFFIXES = (".tif", ".tiff")
# SEN12MS IGBP (1..17) -> simplified classes of the SEN12MS/DFC2020 code (IGBP2DFC): 1 forest, 2 shrubland,
# 3 savanna, 4 grassland, 5 wetland, 6 cropland (incl. mosaics), 7 urban, 8 snow/ice, 9 barren, 10 water.
IGBP_SIMPLIFIED = np.array([0, 1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 6, 8, 9, 10], np.uint8)


@dataclass(frozen=True)
class Sample:
    """One image (and its label raster, when labelled); `group` keeps SEN12MS scenes on one side of the split."""

    name: str
    image: Path
    label: Path | None
    group: str
    sen12ms: bool = False


def _rasters(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in RASTER_SUFFIXES and p.is_file())


def sen12ms_samples(root: Path) -> list[Sample]:
    """SEN12MS patches under `root` with their `lc_` twins (None when absent)."""
    out = []
    for s2 in sorted(root.rglob("*_s2_*_p*.tif")):
        if not s2.parent.name.startswith("s2_"):
            continue
        lc = s2.parent.parent / s2.parent.name.replace("s2_", "lc_", 1) / s2.name.replace("_s2_", "_lc_", 1)
        out.append(Sample(s2.stem, s2, lc if lc.exists() else None, f"{s2.parent.parent.name}/{s2.parent.name}", True))
    return out


def discover(input_dir: Path | str, *, need_labels: bool) -> list[Sample]:
    """The samples of an input folder in either layout; errors name what is missing."""
    root = Path(input_dir)
    if not root.is_dir():
        raise InputNotFoundError(f"-input_dir {root} is not a folder")
    if (root / "images").is_dir():
        images = _rasters(root / "images")
        labels_dir = root / "labels"
        if need_labels and not labels_dir.is_dir():
            raise InputNotFoundError(f"{root}/images has no labels/ folder beside it; put NAME.tif label rasters "
                                     "in labels/ (uint8, 0 = background, 1..N classes)")
        samples = []
        for img in images:
            label = labels_dir / img.name
            if need_labels and not label.exists():
                raise InputNotFoundError(f"no label raster labels/{img.name} for images/{img.name}; every image "
                                         "needs a label raster of the same name")
            samples.append(Sample(img.stem, img, label if label.exists() else None, img.stem))
    else:
        samples = sen12ms_samples(root)
        if not samples:
            samples = [Sample(p.stem, p, None, p.stem) for p in _rasters(root)] if not need_labels else []
        elif need_labels:
            missing = [s for s in samples if s.label is None]
            if missing:
                raise InputNotFoundError(f"SEN12MS patch {missing[0].image} has no lc_ twin; {len(missing)} "
                                         "patches lack labels")
    if not samples:
        raise InputNotFoundError(f"{root} holds no images: use images/NAME.tif + labels/NAME.tif or the SEN12MS "
                                 "layout ROIs*/s2_*/*_s2_*_p*.tif")
    return samples


def band_indexes(src: rasterio.io.DatasetReader, bands: list[str], sen12ms: bool) -> list[int]:
    """1-based band indexes of `bands` in an open image: by description, SEN12MS order, or position."""
    if sen12ms:
        names = list(S2_13_BANDS)
    else:
        names = [canonical_band(d) if d else "" for d in src.descriptions]
    if all(names) and any(n in S2_13_BANDS for n in names):
        missing = [b for b in bands if b not in names]
        if missing:
            raise InvalidProductError(f"band {missing[0]} is not in {src.name}; it has: {', '.join(names)}")
        return [names.index(b) + 1 for b in bands]
    if src.count != len(bands):
        raise InvalidProductError(f"{src.name} has {src.count} unnamed bands but -bands lists {len(bands)}; name the "
                                  "bands in the GeoTIFF descriptions or list them all in file order")
    return list(range(1, src.count + 1))


def check_same_grid(img: rasterio.io.DatasetReader, lab: rasterio.io.DatasetReader) -> None:
    """Labels must share the image's size, transform and CRS."""
    if (img.width, img.height) != (lab.width, lab.height) or not img.transform.almost_equals(lab.transform) \
            or img.crs != lab.crs:
        raise InvalidProductError(f"label {lab.name} ({lab.width}x{lab.height}, {lab.crs}) is not on the grid of "
                                  f"image {img.name} ({img.width}x{img.height}, {img.crs}); resample it to the image")


def read_label(lab: rasterio.io.DatasetReader, window, sample: Sample, simplified: bool) -> np.ndarray:
    """Label window as uint8 (band 1; SEN12MS: IGBP, simplified on request); values outside 0-255 (or the
    IGBP range) are an error."""
    raw = lab.read(1, window=window)
    if not np.issubdtype(raw.dtype, np.integer):
        if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            raise InvalidProductError(f"label {lab.name} holds non-integer values; labels are class codes 0-255")
    top = 17 if sample.sen12ms else 255
    if raw.size and (raw.min() < 0 or raw.max() > top):
        raise InvalidProductError(f"label value {int(raw.max()) if raw.max() > top else int(raw.min())} in "
                                  f"{lab.name} is outside the classes in use (0-{top})")
    out = raw.astype(np.uint8)
    if sample.sen12ms and simplified:
        out = IGBP_SIMPLIFIED[out]
    return out


def check_tile_size(src: rasterio.io.DatasetReader, minimum: int = 64) -> None:
    """Tiles of at least 64 x 64 pixels (the seed's smallest)."""
    if src.width < minimum or src.height < minimum:
        raise InvalidProductError(f"{src.name} is {src.width}x{src.height}; tiles must be at least {minimum}x{minimum}")
