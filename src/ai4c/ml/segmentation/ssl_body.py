"""What the pretexts that train the whole U-Net body (encoder + decoder: pixel clustering, pixel contrast,
masked reconstruction) share: the body with a 1x1 head, the seeded AdamW run over `ssl_epochs`, and the
encoder/decoder state they return."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch
from torch import nn

from ai4c.ml.device import pick_device
from ai4c.ml.segmentation.ssl import ssl_epochs
from ai4c.ml.segmentation.unet import UNet, UNetConfig


class BodySettings(Protocol):
    """The fields of a body pretext's settings the shared run reads."""

    epochs: int
    batch_size: int
    lr: float
    seed: int
    device: str


class BodyWithHead(nn.Module):
    """The U-Net body (normalisation buffers unused: inputs are standardised) and a 1x1 head to `out` maps."""

    def __init__(self, config: UNetConfig, out: int) -> None:
        super().__init__()
        self.unet = UNet(config)
        self.head = nn.Conv2d(self.unet.head.in_channels, out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, out, H, W) per-pixel outputs."""
        return self.head(self.unet.features(x))


BatchLoss = Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Generator, torch.device], torch.Tensor]


def train_body(patches: np.ndarray, s: BodySettings, make_model: Callable[[], nn.Module], batch_loss: BatchLoss,
               on_epoch: Callable[[dict], None] | None = None,
               extra: Callable[[int, torch.Tensor], dict] | None = None) -> tuple[nn.Module, list[dict]]:
    """Seeded run of a body pretext on standardised patches (N, C, H, W): the model of `make_model` (which has
    the body as `.unet`), AdamW (weight decay 1e-4) with cosine decay, `batch_loss(model, ids, patches, gen,
    device)` per batch; `extra(batch, data)` adds fields (the chance loss) to every epoch's history row.
    Returns the trained model and the history."""
    torch.manual_seed(s.seed)
    gen = torch.Generator().manual_seed(s.seed)
    device = pick_device(s.device)
    model = make_model().to(device)
    optim = torch.optim.AdamW(model.parameters(), lr=s.lr, weight_decay=1e-4)
    data = torch.from_numpy(np.ascontiguousarray(patches, dtype=np.float32))
    batch = int(min(s.batch_size, len(data)))
    history = ssl_epochs(model, data, batch, s.epochs, optim, gen,
                         lambda ids, xb: batch_loss(model, ids, xb, gen, device), on_epoch=on_epoch,
                         extra=extra(batch, data) if extra else None)
    return model, history


def cpu_state(module: nn.Module) -> dict:
    """A detached CPU copy of a module's state dict."""
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}


def body_state(unet: UNet) -> dict:
    """The pre-trained body as `ai4c unet pretrain` saves it: {"encoder": ..., "decoder": ...}."""
    return {"encoder": cpu_state(unet.encoder), "decoder": cpu_state(unet.decoder)}
