"""Raster side of the S2 simulator: exact block aggregation of quantised reflectance, DN encoding, and
JPEG2000 writing through GDAL's JP2OpenJPEG driver with the tiling of real products."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import Affine

# Tile (block) size of real L1C/L2A JP2 bands per resolution; code-blocks are 64 x 64.
BLOCK = {10: 1024, 20: 640, 60: 192}


def block_mean_k(k10: np.ndarray, factor: int) -> np.ndarray:
    """Integer reflectance (x 10000) at a coarser grid: the mean of each factor x factor block of the
    10 m integers, rounded half up, computed exactly in integers (edge blocks use the pixels they have)."""
    if factor == 1:
        return k10.astype(np.int32, copy=False)
    n_y, n_x = k10.shape
    m_y, m_x = math.ceil(n_y / factor), math.ceil(n_x / factor)
    pad = ((0, m_y * factor - n_y), (0, m_x * factor - n_x))
    src = np.pad(k10, pad) if any(p for _, p in pad) else k10
    sums = src.reshape(m_y, factor, m_x, factor).sum(axis=(1, 3), dtype=np.int64)
    rows = np.pad(np.ones(n_y, np.int64), (0, pad[0][1])).reshape(m_y, factor).sum(1)
    cols = np.pad(np.ones(n_x, np.int64), (0, pad[1][1])).reshape(m_x, factor).sum(1)
    count = rows[:, None] * cols[None, :]
    return ((2 * sums + count) // (2 * count)).astype(np.int32)


def subsample(a: np.ndarray, factor: int) -> np.ndarray:
    """Class/flag layer at a coarser grid: the top-left 10 m pixel of each cell (documented rule)."""
    return a[::factor, ::factor]


def quantise_inplace(refl: np.ndarray, offset: int) -> np.ndarray:
    """Reflectance -> integer k = round(refl * 10000), kept where DN = k - offset fits 1..65535; reuses
    the float32 buffer of `refl` (destroyed) to save a full-size copy. float32 is exact enough here:
    truth values are multiples of 1e-4 below 6.5."""
    np.nan_to_num(refl, copy=False, nan=0.0)
    refl *= np.float32(10000.0)
    np.clip(np.rint(refl, out=refl), 1 + offset, 65535 + offset, out=refl)
    return refl.astype(np.int32)


def encode_dn(k: np.ndarray, offset: int, nodata: np.ndarray | None) -> np.ndarray:
    """DN = k - offset (uint16), 0 where `nodata`."""
    dn = (k - offset).astype(np.uint16)
    if nodata is not None:
        dn[nodata] = 0
    return dn


def write_jp2(path: Path, data: np.ndarray, *, crs: str, transform: Affine, resolution: int,
              lossless: bool = True, nbits: int | None = None) -> Path:
    """Write (bands, h, w) or (h, w) as JPEG2000 with the structure of real products (a real 10 m band:
    1024 x 1024 tiles, 5 resolution levels, i.e. overviews 5490 ... 686, NBITS=15, no TLM markers):
    lossless (reversible 5/3 wavelet) by default, 64 x 64 code-blocks, GMLJP2 + GeoJP2 boxes."""
    arr = data[None] if data.ndim == 2 else data
    count, height, width = arr.shape
    block = max(32, min(BLOCK.get(resolution, 1024), max(height, width)))  # GDAL wants blocks >= 32
    levels = max(1, min(5, int(math.log2(max(1, min(height, width, block) // 32))) + 1))
    options = {"QUALITY": "100" if lossless else "25", "REVERSIBLE": "YES" if lossless else "NO",
               "BLOCKXSIZE": str(block), "BLOCKYSIZE": str(block), "CODEBLOCK_WIDTH": "64",
               "CODEBLOCK_HEIGHT": "64", "RESOLUTIONS": str(levels), "PROGRESSION": "LRCP", "YCC": "NO"}
    if nbits:
        options["NBITS"] = str(nbits)  # e.g. 1 for 0/1 masks (cheap to encode)
    elif arr.dtype == np.uint16 and int(arr.max(initial=0)) <= 32767:
        options["NBITS"] = "15"  # real band files are 15-bit
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {"driver": "JP2OpenJPEG", "width": width, "height": height, "count": count, "dtype": arr.dtype,
               "crs": crs, "transform": transform, **options}
    # OpenJPEG encodes code-blocks in parallel; not worth the threads for small images
    threads = os.environ.get("GDAL_NUM_THREADS", "ALL_CPUS" if height * width > 1 << 20 else "1")
    with rasterio.Env(GDAL_NUM_THREADS=threads), rasterio.open(path, "w", **profile) as dst:
        dst.write(arr)
    aux = path.with_name(path.name + ".aux.xml")
    if aux.exists():
        aux.unlink()
    return path
