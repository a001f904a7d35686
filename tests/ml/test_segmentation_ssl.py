"""Dense (pixel-contrast) self-supervised pre-training of the U-Net: view geometry, pixel correspondence,
the loss, and a short run whose weights load into a U-Net."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4c.ml.segmentation.augment import symmetry
from ai4c.ml.segmentation.ssl import Views
from ai4c.ml.segmentation.ssl_dense import (
    DenseSettings,
    PixelContrast,
    gather_pixels,
    make_view,
    overlap_pixels,
    pixel_infonce,
    pretrain_dense,
)
from ai4c.ml.segmentation.unet import UNet, UNetConfig

torch.set_num_threads(1)
NO_JITTER = Views(gain=0.0, band_gain=0.0, offset=0.0, blur=0.0, noise=0.0)


@pytest.mark.parametrize("k", range(8))
def test_symmetry_is_one_of_the_eight_and_inverts(k):
    """Against numpy: k < 4 is k quarter turns, k >= 4 a left-right flip then k - 4 turns; inverse undoes it."""
    x = torch.arange(2 * 5 * 5, dtype=torch.float32).view(2, 5, 5)
    want = np.rot90(np.flip(x.numpy(), -1) if k >= 4 else x.numpy(), k % 4, axes=(-2, -1))
    assert np.array_equal(symmetry(x, k).numpy(), want)
    assert torch.equal(symmetry(symmetry(x, k), k, inverse=True), x)


def test_gathered_pixels_of_both_views_are_the_same_patch_pixels():
    """With no jitter, a view is its crop under its symmetry: reading the sampled overlap pixels back from
    either view (as if the embedding were the view itself) gives the patch's own values at those pixels."""
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(5, 3, 40, 40, generator=gen)
    v1, g1 = make_view(x, 24, gen, NO_JITTER)
    v2, g2 = make_view(x, 24, gen, NO_JITTER)
    rows, cols = overlap_pixels(g1, g2, 24, 50, gen)
    assert v1.shape == (5, 3, 24, 24)
    for geo in (g1, g2):  # every sampled pixel lies inside both crops
        r0, c0 = torch.tensor(geo.rows)[:, None], torch.tensor(geo.cols)[:, None]
        assert bool(((rows >= r0) & (rows < r0 + 24) & (cols >= c0) & (cols < c0 + 24)).all())
    truth = np.stack([x.numpy()[i][:, rows[i].numpy(), cols[i].numpy()].T for i in range(5)]).reshape(-1, 3)
    assert np.array_equal(gather_pixels(v1, g1, rows, cols).numpy(), truth)
    assert np.array_equal(gather_pixels(v2, g2, rows, cols).numpy(), truth)


def test_pixel_infonce_against_a_direct_computation():
    """Mean of the two directions' -log softmax of the matching pair over cosine similarities / t."""
    gen = torch.Generator().manual_seed(0)
    q, k = torch.randn(6, 4, generator=gen), torch.randn(6, 4, generator=gen)
    qn = q.numpy() / np.linalg.norm(q.numpy(), axis=1, keepdims=True)
    kn = k.numpy() / np.linalg.norm(k.numpy(), axis=1, keepdims=True)
    s = qn @ kn.T / 0.5
    rows = np.log(np.exp(s).sum(1)) - np.diag(s)
    cols = np.log(np.exp(s).sum(0)) - np.diag(s)
    assert float(pixel_infonce(q, k, 0.5)) == pytest.approx(0.5 * (rows.mean() + cols.mean()), abs=1e-5)
    assert float(pixel_infonce(q, q, 0.01)) < 1e-3  # identical views are matched with certainty


def test_views_of_any_side_embed_every_pixel():
    """A 24-pixel view (not a multiple of the encoder's stride 32) still gives one embedding per pixel."""
    model = PixelContrast(UNetConfig(["B2", "B3"], [0, 1], width=8, blocks=(1, 1, 1, 1)), dim=8)
    assert model(torch.randn(2, 2, 24, 24)).shape == (2, 8, 24, 24)


def test_pretrain_dense_learns_and_its_weights_fit_a_unet():
    """A short run on structured patches: the loss falls below chance (log of the sampled pixels) and the
    encoder and decoder states load into a U-Net of the same shape."""
    rng = np.random.default_rng(0)
    blocks = rng.normal(size=(12, 2, 4, 4)).astype(np.float32)
    patches = np.kron(blocks, np.ones((1, 1, 8, 8), np.float32)) + 0.1 * rng.normal(size=(12, 2, 32, 32))
    config = UNetConfig(["B2", "B3"], [0, 1], width=8, blocks=(1, 1, 1, 1), patch_size=32)
    settings = DenseSettings(epochs=8, batch_size=4, pixels=16, lr=5e-3, device="cpu")
    state, history = pretrain_dense(patches.astype(np.float32), config, settings)
    assert history[-1]["chance"] == pytest.approx(np.log(64))
    assert history[-1]["loss"] < history[-1]["chance"] - 0.5
    model = UNet(config)
    model.encoder.load_state_dict(state["encoder"])
    model.decoder.load_state_dict(state["decoder"])
