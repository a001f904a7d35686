"""Masked band reconstruction (ssl_masked): the cell mask, the masked loss, and a short run that learns to fill
hidden cells from their context, which an untrained network cannot."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4c.ml.segmentation.ssl_masked import (
    BandReconstruction,
    MaskedSettings,
    cell_mask,
    masked_mse,
    pretrain_masked,
    reconstruction_step,
)
from ai4c.ml.segmentation.unet import UNet, UNetConfig

CONFIG = UNetConfig(["B2", "B3"], [0, 1], width=8, blocks=(1, 1, 1, 1), patch_size=32)


def test_cell_mask_blanks_the_share_of_whole_cells():
    """Each sample blanks round(ratio x cells) whole 8 x 8 cells, different ones per sample."""
    mask = cell_mask(3, 32, 32, 8, 0.25, torch.Generator().manual_seed(1))
    assert mask.shape == (3, 1, 32, 32)
    cells = mask.reshape(3, 4, 8, 4, 8)
    assert torch.all(cells.amin(dim=(2, 4)) == cells.amax(dim=(2, 4)))  # constant on each cell
    assert mask.sum(dim=(1, 2, 3)).tolist() == [4 * 64.0] * 3              # 4 of 16 cells
    assert not torch.equal(mask[0], mask[1])


def test_masked_mse_counts_the_blanked_pixels_only():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 4, 4))
    mask = (rng.random((2, 1, 4, 4)) < 0.5).astype(np.float64)
    direct = ((pred - target) ** 2).mean(axis=1)[mask[:, 0] == 1].mean()
    got = masked_mse(torch.tensor(pred), torch.tensor(target), torch.tensor(mask))
    assert float(got) == pytest.approx(direct, rel=1e-6)


def _halves(n: int, seed: int) -> np.ndarray:
    """Patches whose left and right halves each have their own random spectrum (plus a little noise): a hidden
    cell's bands are those of the visible cells of its half."""
    rng = np.random.default_rng(seed)
    left, right = rng.normal(size=(n, 2, 1, 1)), rng.normal(size=(n, 2, 1, 1))
    x = np.concatenate([np.broadcast_to(left, (n, 2, 32, 16)), np.broadcast_to(right, (n, 2, 32, 16))], axis=3)
    return (x + 0.05 * rng.normal(size=x.shape)).astype(np.float32)


def test_pretrain_masked_learns_to_fill_hidden_cells_and_fits_a_unet():
    """An untrained network's loss on hidden cells is that of guessing (about the mean square of the bands);
    after a short run the loss falls below half of it, and the states load into a U-Net."""
    train, unseen = _halves(48, 0), torch.from_numpy(_halves(16, 1))
    settings = MaskedSettings(epochs=20, batch_size=8, lr=5e-3, ratio=0.4, device="cpu")
    torch.manual_seed(0)
    untrained = BandReconstruction(CONFIG).eval()
    with torch.no_grad():
        guess = float(reconstruction_step(untrained, unseen, settings, torch.Generator().manual_seed(5),
                                          torch.device("cpu")))
    assert guess > 0.75 * float((unseen ** 2).mean())
    state, history = pretrain_masked(train, CONFIG, settings)
    assert history[-1]["chance"] == pytest.approx(float((train ** 2).mean()), rel=1e-4)
    assert history[-1]["loss"] < 0.5 * history[-1]["chance"]
    model = UNet(CONFIG)
    model.encoder.load_state_dict(state["encoder"])
    model.decoder.load_state_dict(state["decoder"])
