"""One streamed read of both dates for CVA, so the (costly) decoding and pre-processing graph runs once.

The single pass (a dask graph's store, or the strips of S2-CD's threaded reader) keeps every block of the two
dates (float32: in memory up to MEMORY_BYTES, the rest in an anonymous temporary file) and, on the way, gathers
the full validity mask and a spatially stratified random sample of pixels: the image is cut into square cells
of `step` pixels (step = ceil(sqrt(pixels / max_samples))) and one pixel is drawn in each cell at an offset from
numpy's default_rng(SAMPLE_SEED). The sample depends on the image size, the seed and `max_samples` only, never
on the blocks. The statistics (IR-MAD, gain/offset, sigma) are fitted on the sample, then the magnitude and
angle are computed block by block from the kept blocks."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

SAMPLE_SEED = 0
Bands = Sequence[np.ndarray]  # the (h, w) bands of one date on a block: a list, or a (bands, h, w) array
MAX_SAMPLES = 250_000  # pixels of the stratified sample the statistics are fitted on, at most (about)


def stratified_sample(height: int, width: int, max_samples: int, seed: int = SAMPLE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns (sorted by row, then column) of one random pixel per square cell, at most ~`max_samples`."""
    step = max(1, int(np.ceil(np.sqrt(height * width / max(max_samples, 1)))))
    n_y, n_x = -(-height // step), -(-width // step)
    rng = np.random.default_rng(seed)
    rows = (np.arange(n_y)[:, None] * step + rng.integers(0, step, (n_y, n_x))).ravel()
    cols = (np.arange(n_x)[None, :] * step + rng.integers(0, step, (n_y, n_x))).ravel()
    keep = (rows < height) & (cols < width)
    rows, cols = rows[keep], cols[keep]
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


MEMORY_BYTES = 2**30  # reflectance blocks kept in memory before the next ones go to the temporary file


class BlockSpill:
    """A dask.array.store target for a (2 * bands + 2, y, x) stack (date 1, date 2, valid, same class), or the
    receiver of both dates' blocks (`add`): keeps the validity mask and the sampled pixels, and the reflectance
    blocks in memory up to `memory_bytes` (a 5490² pair), the rest in a temporary file (a full tile's ~3.9 GB)."""

    def __init__(self, height: int, width: int, n_bands: int, rows: np.ndarray, cols: np.ndarray,
                 memory_bytes: int | None = None) -> None:
        self.n_bands, self.rows, self.cols = n_bands, rows, cols
        self.valid = np.zeros((height, width), dtype=bool)
        self.samples = np.full((len(rows), 2 * n_bands), np.nan, dtype=np.float32)
        self.sample_valid = np.zeros(len(rows), dtype=bool)
        self.sample_same = np.zeros(len(rows), dtype=bool)
        self.kept: dict[tuple[int, int], tuple[Bands, Bands]] = {}
        self.index: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}   # spilled: file offset, shape
        self._memory_left = MEMORY_BYTES if memory_bytes is None else memory_bytes
        self._file = tempfile.TemporaryFile(prefix="ai4c-cva-")
        self._end = 0
        self._lock = threading.Lock()

    def __setitem__(self, key: tuple[slice, slice, slice], block: np.ndarray) -> None:
        """Receive one computed block (called by dask, possibly from several threads at once)."""
        n = self.n_bands
        self.add(key[1], key[2], block[:n], block[n:2 * n], block[2 * n] > 0, block[2 * n + 1] > 0)

    def add(self, rows: slice, cols: slice, ref: Bands, tgt: Bands, valid: np.ndarray, same: np.ndarray) -> None:
        """Keep the bands ((h, w) each) of both dates at rows x cols (not copied when float32 and contiguous):
        `valid` (narrowed to pixels where every band is finite) and `same` (same scene class in both dates) on
        the way; thread-safe."""
        ref, tgt = ([np.ascontiguousarray(band, dtype=np.float32) for band in date] for date in (ref, tgt))
        valid = valid.copy()
        for band in (*ref, *tgt):
            valid &= np.isfinite(band)
        self.valid[rows, cols] = valid
        first, last = np.searchsorted(self.rows, [rows.start, rows.stop])
        picked = np.arange(first, last)
        picked = picked[(self.cols[picked] >= cols.start) & (self.cols[picked] < cols.stop)]
        r, c = self.rows[picked] - rows.start, self.cols[picked] - cols.start
        for index, band in enumerate((*ref, *tgt)):
            self.samples[picked, index] = band[r, c]
        self.sample_valid[picked] = valid[r, c]
        self.sample_same[picked] = same[r, c]
        self._store((rows.start, cols.start), ref, tgt)

    def _store(self, key: tuple[int, int], ref: list[np.ndarray], tgt: list[np.ndarray]) -> None:
        size = sum(band.nbytes for band in (*ref, *tgt))
        with self._lock:
            if size <= self._memory_left:
                self._memory_left -= size
                self.kept[key] = (ref, tgt)
                return
            offset, self._end = self._end, self._end + size
            self.index[key] = (offset, (len(ref), *ref[0].shape))
        for band in (*ref, *tgt):
            os.pwrite(self._file.fileno(), memoryview(band).cast("B"), offset)
            offset += band.nbytes

    def keys(self) -> list[tuple[int, int]]:
        """(row0, col0) of every block, in order."""
        return sorted([*self.kept, *self.index])

    def block(self, key: tuple[int, int]) -> tuple[Bands, Bands]:
        """The float32 bands ((h, w) each) of date 1 and date 2 at `key` = (row0, col0)."""
        if key in self.kept:
            return self.kept[key]
        offset, shape = self.index[key]
        size = int(np.prod(shape)) * 4
        raw = os.pread(self._file.fileno(), 2 * size, offset)
        return (np.frombuffer(raw, dtype=np.float32, count=size // 4).reshape(shape),
                np.frombuffer(raw, dtype=np.float32, offset=size).reshape(shape))

    def close(self) -> None:
        """Drop the blocks and the temporary file."""
        self.kept.clear()
        self._file.close()


def read_once(ref: xr.DataArray, tgt: xr.DataArray, valid: xr.DataArray, same_class: xr.DataArray | None,
              max_samples: int) -> BlockSpill:
    """Compute the pre-processing of both dates once, block by block, into a BlockSpill."""
    import dask.array as da

    def lazy(a: xr.DataArray) -> da.Array:
        return a.data if isinstance(a.data, da.Array) else da.from_array(np.asarray(a.data), chunks=(-1,) * a.ndim)

    first = lazy(ref)
    chunks = first.chunks[1:]
    planes = [lazy(valid).astype(np.float32)[None], (lazy(same_class).astype(np.float32) if same_class is not None
                                                     else da.ones(valid.shape, dtype=np.float32))[None]]
    parts = [first.astype(np.float32), lazy(tgt).astype(np.float32), *planes]
    stack = da.concatenate([p.rechunk((p.chunks[0], *chunks)) for p in parts], axis=0).rechunk({0: -1})
    height, width = valid.shape
    rows, cols = stratified_sample(height, width, max_samples)
    spill = BlockSpill(height, width, ref.sizes["band"], rows, cols)
    try:
        _store(stack, spill)
    except BaseException:
        spill.close()
        raise
    return spill


def _store(stack, spill: BlockSpill) -> None:
    """Compute every block of `stack` into `spill`: in this process with dask's threads, or on a
    dask.distributed cluster (--scheduler), whose workers cannot write into this process's temporary file:
    there each block comes back to this process as soon as it is computed."""
    import dask.array as da

    from ai4c.core.parallel import local_run

    if local_run():
        da.store(stack, spill, lock=False)
        return
    from dask.array.core import slices_from_chunks
    from distributed import as_completed, get_client

    futures = get_client().compute(list(stack.to_delayed().ravel()))
    where = {future.key: key for future, key in zip(futures, slices_from_chunks(stack.chunks), strict=True)}
    for future, block in as_completed(futures, with_results=True):
        spill[where[future.key]] = block
        future.release()


POLAR_ROWS = 32  # rows of a full-width block computed at once: float64 temporaries that stay in the CPU caches


def polar_block(ref: Bands, tgt: Bands, valid: np.ndarray, gain: np.ndarray, offset: np.ndarray,
                sigma: np.ndarray, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(magnitude, angle, valid) of the bands ((h, w) each) of both dates on a block: z_b = ((tgt_b - offset_b) / gain_b -
    ref_b) / sigma_b in float64, rho = |z|, alpha = angle (degrees) between z and the unit reference vector, both
    float32; NaN and not valid where `valid` is False or rho is not finite; alpha 0 where rho is 0.

    numpy over POLAR_ROWS rows at a time: as fast as the former numba kernel, without importing numba."""
    rho = np.empty(valid.shape, np.float32)
    alpha = np.empty(valid.shape, np.float32)
    ok = np.empty(valid.shape, bool)
    for row in range(0, valid.shape[0], POLAR_ROWS):
        rows = slice(row, row + POLAR_ROWS)
        rho[rows], alpha[rows], ok[rows] = _polar_rows([band[rows] for band in ref], [band[rows] for band in tgt],
                                                       valid[rows], gain, offset, sigma, unit)
    return rho, alpha, ok


def _polar_rows(ref, tgt, valid, gain, offset, sigma, unit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    squares = np.zeros(valid.shape)
    dot = np.zeros(valid.shape)
    for b in range(len(gain)):
        z = tgt[b].astype(np.float64)
        z -= offset[b]
        z /= gain[b]
        z -= ref[b]
        z /= sigma[b]
        dot += z * unit[b]
        z *= z
        squares += z
    magnitude = np.sqrt(squares)
    ok = valid & np.isfinite(magnitude)
    cosine = np.divide(dot, magnitude, out=np.ones_like(dot), where=magnitude > 0)
    angle = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0, out=cosine))).astype(np.float32)
    magnitude = magnitude.astype(np.float32)
    magnitude[~ok] = np.nan
    angle[~ok] = np.nan
    return magnitude, angle, ok


def polar_layers(spill: BlockSpill, gain: np.ndarray, offset: np.ndarray, sigma: np.ndarray,
                 reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full float32 magnitude and angle, NaN outside the valid mask (narrowed to finite magnitudes),
    computed block by block from the temporary file, one block per core at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from ai4c.core.parallel import usable_cores

    rho = np.empty(spill.valid.shape, dtype=np.float32)
    alpha = np.empty(spill.valid.shape, dtype=np.float32)
    unit = np.asarray(reference, dtype=np.float64) / np.linalg.norm(reference)
    args = [np.asarray(v, dtype=np.float64) for v in (gain, offset, sigma, unit)]

    def one(key: tuple[int, int]) -> None:
        ref, tgt = spill.block(key)
        window = np.s_[key[0]:key[0] + ref[0].shape[0], key[1]:key[1] + ref[0].shape[1]]
        rho[window], alpha[window], spill.valid[window] = polar_block(ref, tgt, spill.valid[window], *args)

    with ThreadPoolExecutor(max_workers=usable_cores(), thread_name_prefix="ai4c-cva") as pool:
        list(pool.map(one, spill.keys()))   # a spilled block is read inside its task: memory stays bounded
    return rho, alpha
