"""Coherence and multilook window sums (summed-area tables, block by block) against direct window sums, and
the torch path (the CUDA kernel) against numpy on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ai4c.sar.coherence import LookedGrid, coherence, looked_tile, numpy_coherence, torch_coherence
from ai4c.sar.multilook import multilook


def _layers(shape=(37, 53), seed=0):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    s = 0.7 * m + 0.5 * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
    product = m * np.conj(s)
    layers = [product.real, product.imag, np.abs(m) ** 2, np.abs(s) ** 2]
    layers = [x.astype(np.float32) for x in layers]
    for x in layers:
        x[5:9, 10:20] = np.nan  # a hole bigger than the window: NaN out
        x[20, 30] = np.nan
    return layers


def _direct(layers, window):
    """Trailing windows summed one by one (partial at the first lines/samples)."""
    re, im, p1, p2 = layers
    out = np.full(re.shape, np.nan)
    for i in range(re.shape[0]):
        for j in range(re.shape[1]):
            cut = (slice(max(0, i - window[0] + 1), i + 1), slice(max(0, j - window[1] + 1), j + 1))
            if np.isfinite(re[cut]).any():
                out[i, j] = min(1.0, abs(np.nansum(re[cut]) + 1j * np.nansum(im[cut]))
                                / np.sqrt(np.nansum(p1[cut]) * np.nansum(p2[cut])))
    return out


def test_block_coherence_equals_direct_window_sums():
    layers = _layers()
    np.testing.assert_allclose(numpy_coherence(*layers, (3, 10)), _direct(layers, (3, 10)), rtol=1e-5, atol=1e-6)


def test_torch_path_gives_the_numpy_numbers_on_the_cpu():
    layers = _layers(seed=1)
    for looks in (None, 30 / 1.7):
        np.testing.assert_allclose(torch_coherence(*layers, (4, 10), looks, device="cpu"),
                                   numpy_coherence(*layers, (4, 10), looks), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("looks,step", [((1, 1), (1, 1)), ((1, 4), (1, 2))])
def test_dask_blocks_equal_one_block(looks, step):
    layers = _layers((70, 90), seed=2)
    eager = [xr.DataArray(x, dims=("line", "pixel")) for x in layers]
    lazy = [x.chunk({"line": 16, "pixel": 25}) for x in eager]
    one = coherence(*eager, (3, 10), looks, step)
    blocks = coherence(*lazy, (3, 10), looks, step).compute()
    np.testing.assert_allclose(blocks.values, one.values, rtol=1e-6, atol=1e-7)
    az, rg = 3, 10 + (looks[1] + 10) % 2  # window centred on the multilook cell
    first = ((looks[0] + az - 2) // 2, (looks[1] + rg - 2) // 2)
    direct = _direct(layers, (az, rg))[first[0]::step[0], first[1]::step[1]]
    np.testing.assert_allclose(one.values, direct, rtol=1e-5, atol=1e-6)


def test_multilook_mean_equals_rolling_mean():
    image = xr.DataArray(_layers((40, 61), seed=3)[2], dims=("line", "pixel")).chunk({"line": 9, "pixel": 20})
    truth = image.compute().rolling(line=2, pixel=5, min_periods=1).mean().isel(line=slice(1, None, 1),
                                                                               pixel=slice(4, None, 3))
    np.testing.assert_allclose(multilook(image, 2, 5, (1, 3)).values, truth.values, rtol=1e-5)


@pytest.mark.parametrize("looks,step,tile", [((1, 4), (1, 2), (7, 11)), ((2, 5), (1, 3), (5, 4)),
                                             ((1, 1), (1, 1), (16, 30))])
def test_looked_tiles_equal_the_whole_image(looks, step, tile):
    """Tiles of the looked grid from their own full-resolution regions (S1-CD's radar stage) give the
    whole-image coherence and multilook cells, edges and NaN holes included."""
    re, im, p1, p2 = _layers((70, 90), seed=4)
    b1, b2 = p1 * 0.5, p2 * 2.0
    eager = [xr.DataArray(x, dims=("line", "pixel")) for x in (re, im, p1, p2)]
    gamma = coherence(*eager, (3, 10), looks, step).values
    means = [multilook(xr.DataArray(b, dims=("line", "pixel")), *looks, step).values for b in (b1, b2)]
    grid = LookedGrid(70, 90, (3, 10), looks, step)
    lines, samples = grid.shape
    assert lines == min(gamma.shape[0], means[0].shape[0]) and samples == min(gamma.shape[1], means[0].shape[1])
    out = np.full((3, lines, samples), -1.0, np.float32)
    full = {"re": re, "im": im, "p1": p1, "p2": p2, "b1": b1, "b2": b2}
    for r in range(0, lines, tile[0]):
        for c in range(0, samples, tile[1]):
            rows, cols = (r, min(r + tile[0], lines)), (c, min(c + tile[1], samples))
            (r0, r1), (c0, c1) = grid.region(rows, cols)
            region = {k: v[r0:r1, c0:c1] for k, v in full.items()}
            out[:, rows[0]:rows[1], cols[0]:cols[1]] = looked_tile(grid, region, (r0, c0), rows, cols)
    for k, truth in enumerate((gamma, *means)):
        np.testing.assert_allclose(out[k], truth[:lines, :samples], rtol=1e-5, atol=1e-6)
