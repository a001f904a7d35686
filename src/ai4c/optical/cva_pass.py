"""One streamed read of both dates for CVA, so the (costly) decoding and pre-processing graph runs once.

The single dask pass stores every block of the two dates (float32) in an anonymous temporary file and, on
the way, gathers the full validity mask and a spatially stratified random sample of pixels: the image is
cut into square cells of `step` pixels (step = ceil(sqrt(pixels / max_samples))) and one pixel is drawn in
each cell at an offset from numpy's default_rng(SAMPLE_SEED). The sample depends on the image size, the
seed and `max_samples` only, never on the dask chunking. The statistics (IR-MAD, gain/offset, sigma) are
fitted on the sample, then the magnitude and angle are computed block by block from the temporary file.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator

import numpy as np
import xarray as xr
from numba import njit, prange

SAMPLE_SEED = 0


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


class BlockSpill:
    """A dask.array.store target for a (2 * bands + 2, y, x) stack (date 1, date 2, valid, same class):
    keeps the validity mask and the sampled pixels in memory and the reflectance blocks in a temp file."""

    def __init__(self, height: int, width: int, n_bands: int, rows: np.ndarray, cols: np.ndarray) -> None:
        self.n_bands, self.rows, self.cols = n_bands, rows, cols
        self.valid = np.zeros((height, width), dtype=bool)
        self.samples = np.full((len(rows), 2 * n_bands), np.nan, dtype=np.float32)
        self.sample_valid = np.zeros(len(rows), dtype=bool)
        self.sample_same = np.zeros(len(rows), dtype=bool)
        self.index: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}
        self._file = tempfile.TemporaryFile(prefix="ai4c-cva-")
        self._end = 0
        self._lock = threading.Lock()

    def __setitem__(self, key: tuple[slice, slice, slice], block: np.ndarray) -> None:
        """Receive one computed block (called by dask, possibly from several threads at once)."""
        rows, cols = key[1], key[2]
        data = np.ascontiguousarray(block[: 2 * self.n_bands], dtype=np.float32)
        valid = (block[2 * self.n_bands] > 0) & np.isfinite(data).all(axis=0)
        self.valid[rows, cols] = valid
        first, last = np.searchsorted(self.rows, [rows.start, rows.stop])
        picked = np.arange(first, last)
        picked = picked[(self.cols[picked] >= cols.start) & (self.cols[picked] < cols.stop)]
        r, c = self.rows[picked] - rows.start, self.cols[picked] - cols.start
        self.samples[picked] = data[:, r, c].T
        self.sample_valid[picked] = valid[r, c]
        self.sample_same[picked] = block[2 * self.n_bands + 1][r, c] > 0
        with self._lock:
            offset, self._end = self._end, self._end + data.nbytes
            self.index[(rows.start, cols.start)] = (offset, data.shape)
        os.pwrite(self._file.fileno(), memoryview(data).cast("B"), offset)

    def blocks(self) -> Iterator[tuple[int, int, np.ndarray]]:
        """(row0, col0, (2 * bands, h, w) float32) of every stored block, read back from the temp file."""
        for (row0, col0), (offset, shape) in sorted(self.index.items()):
            raw = os.pread(self._file.fileno(), int(np.prod(shape)) * 4, offset)
            yield row0, col0, np.frombuffer(raw, dtype=np.float32).reshape(shape)

    def close(self) -> None:
        """Drop the temporary file."""
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
        da.store(stack, spill, lock=False)
    except BaseException:
        spill.close()
        raise
    return spill


@njit(parallel=True, cache=True)
def _polar_kernel(data, valid, gain, offset, sigma, unit, rho, alpha):  # pragma: no cover - numba
    """Per pixel of a (2 * bands, h, w) block: z_b = ((tgt_b - offset_b) / gain_b - ref_b) / sigma_b in
    float64, rho = |z|, alpha = angle (degrees) between z and the unit reference vector; NaN (and not
    valid) where a band is missing; alpha 0 where rho is 0."""
    n = gain.shape[0]
    height, width = valid.shape
    for i in prange(height):
        for j in range(width):
            if not valid[i, j]:
                rho[i, j] = np.nan
                alpha[i, j] = np.nan
                continue
            squares = 0.0
            dot = 0.0
            for b in range(n):
                z = ((np.float64(data[n + b, i, j]) - offset[b]) / gain[b] - np.float64(data[b, i, j])) / sigma[b]
                squares += z * z
                dot += z * unit[b]
            r = np.sqrt(squares)
            if not np.isfinite(r):
                valid[i, j] = False
                rho[i, j] = np.nan
                alpha[i, j] = np.nan
                continue
            rho[i, j] = np.float32(r)
            if r > 0:
                alpha[i, j] = np.float32(np.degrees(np.arccos(min(1.0, max(-1.0, dot / r)))))
            else:
                alpha[i, j] = 0.0


def polar_layers(spill: BlockSpill, gain: np.ndarray, offset: np.ndarray, sigma: np.ndarray,
                 reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full float32 magnitude and angle, NaN outside the valid mask (narrowed to finite magnitudes),
    computed block by block from the temporary file (numba, both cores)."""
    rho = np.empty(spill.valid.shape, dtype=np.float32)
    alpha = np.empty(spill.valid.shape, dtype=np.float32)
    unit = np.asarray(reference, dtype=np.float64) / np.linalg.norm(reference)
    args = [np.ascontiguousarray(v, dtype=np.float64) for v in (gain, offset, sigma, unit)]
    for row0, col0, data in spill.blocks():
        window = np.s_[row0:row0 + data.shape[1], col0:col0 + data.shape[2]]
        valid = np.ascontiguousarray(spill.valid[window])
        r = np.empty(valid.shape, dtype=np.float32)
        a = np.empty(valid.shape, dtype=np.float32)
        _polar_kernel(data, valid, *args, r, a)
        spill.valid[window], rho[window], alpha[window] = valid, r, a
    return rho, alpha
