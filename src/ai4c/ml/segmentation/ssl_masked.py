"""Masked reconstruction pre-training of the U-Net body (masked image modelling of the S2 bands, the
SimMIM / SparK family for convolutional networks, Xie et al. 2022, Tian et al. 2023): square cells of each
unlabelled patch are blanked (set to the band mean, 0 after standardisation) and the U-Net body (encoder +
decoder) with a 1x1 band head reconstructs the band values of the blanked pixels.

A per-pixel regression of the spectra from their spatial context is closer to per-pixel classification
than an image-level objective: predicting a hidden cell means recognising the region around it and the
spectra such regions have. The loss is the mean squared error of the standardised bands over the blanked
pixels only (a network that reproduces its input earns nothing); predicting the mean scores about 1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ai4c.ml.segmentation.augment import symmetry
from ai4c.ml.segmentation.ssl_body import BodyWithHead, body_state, train_body
from ai4c.ml.segmentation.train import autocast
from ai4c.ml.segmentation.unet import UNetConfig


@dataclass
class MaskedSettings:
    """Masked-reconstruction hyper-parameters (AdamW, cosine decay over `epochs`)."""

    epochs: int = 30
    batch_size: int = 16
    lr: float = 2e-3
    cell: int = 8          # side of a blanked square cell, pixels
    ratio: float = 0.5     # share of the cells blanked
    seed: int = 0
    device: str = "auto"


class BandReconstruction(BodyWithHead):
    """The U-Net body and a 1x1 head to the (standardised) bands."""

    def __init__(self, config: UNetConfig) -> None:
        super().__init__(config, len(config.bands))


def cell_mask(n: int, height: int, width: int, cell: int, ratio: float, gen: torch.Generator) -> torch.Tensor:
    """(N, 1, H, W) float mask, 1 on the blanked pixels: `ratio` of the `cell` x `cell` squares of each sample,
    drawn at random (at least one blanked and one kept)."""
    rows, cols = -(-height // cell), -(-width // cell)
    cells = rows * cols
    count = int(min(max(round(ratio * cells), 1), cells - 1))
    order = torch.rand(n, cells, generator=gen).argsort(dim=1)
    grid = torch.zeros(n, cells)
    grid.scatter_(1, order[:, :count], 1.0)
    full = grid.view(n, 1, rows, cols).repeat_interleave(cell, 2).repeat_interleave(cell, 3)
    return full[..., :height, :width]


def masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the blanked pixels (and every band) only."""
    err = ((pred.float() - target.float()) ** 2).mean(dim=1, keepdim=True)
    return (err * mask).sum() / mask.sum().clamp_min(1.0)


def reconstruction_step(model: BandReconstruction, xb: torch.Tensor, s: MaskedSettings, gen: torch.Generator,
                        device: torch.device) -> torch.Tensor:
    """Loss of one batch of standardised patches: a random symmetry, cells blanked, bands reconstructed."""
    k = int(torch.randint(0, 8, (1,), generator=gen))
    x = symmetry(xb, k).to(device)
    mask = cell_mask(len(x), x.shape[-2], x.shape[-1], s.cell, s.ratio, gen).to(device)
    with autocast(device):
        pred = model(x * (1 - mask))
    return masked_mse(pred, x, mask)


def pretrain_masked(patches: np.ndarray, config: UNetConfig, s: MaskedSettings,
                    on_epoch: Callable[[dict], None] | None = None) -> tuple[dict, list[dict]]:
    """Masked-reconstruction pre-training of a U-Net body on standardised patches (N, C, H, W) whose sides are
    multiples of 32; returns the encoder and decoder state dicts and the per-epoch history (loss, patches/s;
    `chance` is the loss of predicting the band mean)."""
    model, history = train_body(patches, s, lambda: BandReconstruction(config),
                                lambda m, ids, xb, gen, device: reconstruction_step(m, xb, s, gen, device),
                                on_epoch=on_epoch, extra=lambda batch, data: {"chance": float((data ** 2).mean())})
    return body_state(model.unet), history
