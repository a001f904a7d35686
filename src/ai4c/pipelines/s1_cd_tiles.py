"""S1-CD's radar stage tile by tile: every tile of the multilooked grid (coherence, backscatter 1 and 2) is
computed from the full-resolution region its windows read (the secondary resampled onto the reference burst
lines x samples of that region only, calibrated, debursted, coherence and multilook windows) and written to
a temporary store. Tiles run on all cores (one thread each; numba and numpy release the GIL), and memory is
bounded by the tile size whatever the swath's width or length."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ai4c.core.parallel import usable_cores
from ai4c.sar.coherence import LookedGrid

TILE = 1024  # looked lines and samples per tile (~1026 x 2060 full-resolution pixels for IW): ~0.3 GB each


@dataclass
class RadarTiles:
    """What a tile needs: both products' swaths and readers, the offsets, the deburst plan and looked grid."""

    reference: dict[str, Any]  # swath name: SlcSwath
    secondary: dict[str, Any]
    offsets: dict[str, dict[int, Any]]  # swath name: {reference burst: BurstOffsets}
    azimuth_shift: float
    plan: Any  # DeburstPlan of the common valid area
    grid: LookedGrid
    calibration: str
    thermal_noise: bool
    independent_looks: float | None = None
    device: Any = None  # CUDA torch device for the coherence sums, None: numpy
    readers: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from ai4c.products.sentinel1_slc import LineReader

        self.readers = {name: (LineReader(ref), LineReader(self.secondary[name]))
                        for name, ref in self.reference.items()}


def _backscatter(power: np.ndarray, product, job: RadarTiles, line0: int, pixel0: int) -> np.ndarray:
    """Calibrated backscatter of a block of |s|^2 at swath line, sample (line0, pixel0), noise removed first."""
    from ai4c.sar.calibration import calibrate_block
    from ai4c.sar.noise import noise_removed_block

    if job.thermal_noise and product.noise is not None:
        power = noise_removed_block(power, product, line0, pixel0)
    return calibrate_block(power, product, job.calibration, line0, pixel0)


def merged_region(job: RadarTiles, rows: tuple[int, int], cols: tuple[int, int]) -> dict[str, np.ndarray]:
    """re, im, p1, p2 (interferometric products) and b1, b2 (calibrated backscatter) of debursted lines x
    samples [start, stop), float32, NaN where no burst of both dates is valid."""
    from ai4c.sar.interferogram import platform_speed, tile_products

    shape = (rows[1] - rows[0], cols[1] - cols[0])
    out = {k: np.full(shape, np.nan, np.float32) for k in ("re", "im", "p1", "p2", "b1", "b2")}
    for piece in job.plan.pieces:
        r0, r1 = max(rows[0], piece.out_line0), min(rows[1], piece.out_line1)
        c0, c1 = max(cols[0], piece.out_sample0), min(cols[1], piece.out_sample1)
        if r1 <= r0 or c1 <= c0:
            continue
        ref, sec = job.reference[piece.swath], job.secondary[piece.swath]
        line = piece.src_line + r0 - piece.out_line0  # swath TIFF line and sample of the tile's first pixel
        sample = piece.src_sample + c0 - piece.out_sample0
        burst_line = line - ref.bursts[piece.burst].first_line
        products = tile_products(ref, sec, job.offsets[piece.swath][piece.burst], *job.readers[piece.swath],
                                 (burst_line, burst_line + r1 - r0), (sample, sample + c1 - c0),
                                 job.azimuth_shift, platform_speed(sec))
        at = (slice(r0 - rows[0], r1 - rows[0]), slice(c0 - cols[0], c1 - cols[0]))
        for key, layer in zip(("re", "im", "p1", "p2"), products, strict=True):
            out[key][at] = layer
        out["b1"][at] = _backscatter(products[2], ref, job, line, sample)
        out["b2"][at] = _backscatter(products[3], sec, job, line, sample)
    return out


def looked_block(job: RadarTiles, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """(3, rows, cols) coherence, backscatter 1 and 2 of one tile of the looked grid."""
    from ai4c.sar.coherence import looked_tile

    region_rows, region_cols = job.grid.region(rows, cols)
    layers = merged_region(job, region_rows, region_cols)
    return looked_tile(job.grid, layers, (region_rows[0], region_cols[0]), rows, cols, job.independent_looks,
                       job.device)


def store_looked_layers(job: RadarTiles, label: str, tile: int = TILE) -> xr.DataArray:
    """All tiles computed (one per core at a time) into a temporary uncompressed Zarr store (removed at exit;
    compressing it would cost more CPU than its disk writes): a lazy
    (layer, line, pixel) float32 DataArray of coherence, backscatter 1, backscatter 2."""
    import atexit
    import shutil
    import tempfile

    import dask.array as da
    import zarr

    from ai4c.core.progress import track

    lines, samples = job.grid.shape
    folder = tempfile.mkdtemp(prefix="ai4c-s1cd-")
    atexit.register(shutil.rmtree, folder, True)
    store = f"{folder}/layers.zarr"
    chunks = (3, max(1, min(tile, lines)), max(1, min(tile, samples)))
    target = zarr.create_array(store, shape=(3, lines, samples), chunks=chunks, dtype=np.float32, compressors=None)
    tiles = [((r, min(r + tile, lines)), (c, min(c + tile, samples)))
             for r in range(0, lines, tile) for c in range(0, samples, tile)]

    def compute(rows_cols: tuple[tuple[int, int], tuple[int, int]]) -> None:
        rows, cols = rows_cols
        target[:, rows[0]:rows[1], cols[0]:cols[1]] = looked_block(job, rows, cols)

    with ThreadPoolExecutor(usable_cores(), thread_name_prefix="ai4c-s1cd") as pool:
        for _ in track(pool.map(compute, tiles), label, total=len(tiles)):
            pass
    return xr.DataArray(da.from_zarr(store), dims=("layer", "line", "pixel"))
