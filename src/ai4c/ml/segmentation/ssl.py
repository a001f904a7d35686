"""Self-supervised pre-training of the ResNet-50 encoder with MoCo v2 (He et al. 2020; Chen et al. 2020):
two augmented views of each unlabelled patch, a momentum key encoder and a queue of negatives, InfoNCE.

MoCo rather than SimCLR because its negatives come from the queue, so small batches (the only ones that
fit a CPU or a small GPU with a ResNet-50) still see thousands of negatives; it is also the method of
the SSL4EO-S12 ResNet-50 weights. Batch-norm leakage is avoided by shuffling the key batch into two
groups normalised separately (the single-device form of MoCo's shuffle-BN)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ai4c.ml.device import pick_device
from ai4c.ml.segmentation.resnet import EncoderConfig, ResNetEncoder
from ai4c.ml.segmentation.train import autocast


@dataclass
class PretrainSettings:
    """MoCo v2 hyper-parameters (defaults of the MoCo v2 paper scaled to small data sets)."""

    epochs: int = 50
    batch_size: int = 32
    lr: float = 0.03
    temperature: float = 0.2
    momentum: float = 0.99
    queue: int = 4096
    dim: int = 128
    crop: int = 64
    seed: int = 0
    device: str = "auto"


class MoCo(nn.Module):
    """Query encoder + MLP head, momentum key encoder + head, queue of normalised keys."""

    def __init__(self, config: EncoderConfig, dim: int, queue: int) -> None:
        super().__init__()
        feat = config.channels[-1]
        self.encoder_q = ResNetEncoder(config)
        self.head_q = nn.Sequential(nn.Linear(feat, feat), nn.ReLU(inplace=True), nn.Linear(feat, dim))
        self.encoder_k = copy.deepcopy(self.encoder_q)
        self.head_k = copy.deepcopy(self.head_q)
        for p in list(self.encoder_k.parameters()) + list(self.head_k.parameters()):
            p.requires_grad = False
        self.register_buffer("queue", F.normalize(torch.randn(queue, dim), dim=1))
        self.register_buffer("ptr", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def momentum_update(self, m: float) -> None:
        for q, k in zip(list(self.encoder_q.parameters()) + list(self.head_q.parameters()),
                        list(self.encoder_k.parameters()) + list(self.head_k.parameters()), strict=True):
            k.mul_(m).add_(q.detach(), alpha=1 - m)

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        n, size = keys.shape[0], self.queue.shape[0]
        idx = (self.ptr + torch.arange(n, device=keys.device)) % size
        self.queue[idx] = keys
        self.ptr.copy_((self.ptr + n) % size)

    def _embed(self, encoder: ResNetEncoder, head: nn.Module, x: torch.Tensor, groups: list[torch.Tensor]) -> torch.Tensor:
        """Normalised embeddings with batch-norm statistics computed per group of samples."""
        out = torch.empty(x.shape[0], self.queue.shape[1], device=x.device)
        for g in groups:
            out[g] = F.normalize(head(encoder.pooled(x[g])).float(), dim=1)
        return out

    def forward(self, view_q: torch.Tensor, view_k: torch.Tensor, temperature: float, gen: torch.Generator) -> torch.Tensor:
        """InfoNCE loss of one batch (positives: the other view; negatives: the queue)."""
        n = view_q.shape[0]
        half = max(n // 2, 1)
        perm = torch.randperm(n, generator=gen).to(view_q.device)
        plain = torch.arange(n, device=view_q.device)
        q = self._embed(self.encoder_q, self.head_q, view_q, [plain[:half], plain[half:]] if n > 3 else [plain])
        with torch.no_grad():
            k = self._embed(self.encoder_k, self.head_k, view_k, [perm[:half], perm[half:]] if n > 3 else [perm])
        pos = (q * k).sum(1, keepdim=True)
        neg = q @ self.queue.clone().T
        logits = torch.cat([pos, neg], dim=1) / temperature
        loss = F.cross_entropy(logits, torch.zeros(n, dtype=torch.long, device=q.device))
        self.enqueue(k)
        return loss


def random_view(x: torch.Tensor, crop: int, gen: torch.Generator) -> torch.Tensor:
    """MoCo v2 style view of standardised patches: random resized crop (20-100 % of the area), one of the 8
    square symmetries, brightness gain/offset (+-5 % per band), random blur and pixel noise."""
    n, c, h, w = x.shape
    views = []
    for i in range(n):
        area = float(torch.empty(1).uniform_(0.2, 1.0, generator=gen)) * h * w
        side = int(min(h, w, max(8, round(area ** 0.5))))
        r = int(torch.randint(0, h - side + 1, (1,), generator=gen))
        q = int(torch.randint(0, w - side + 1, (1,), generator=gen))
        patch = x[i:i + 1, :, r:r + side, q:q + side]
        views.append(F.interpolate(patch, size=(crop, crop), mode="bilinear", align_corners=False))
    v = torch.cat(views)
    k = int(torch.randint(0, 8, (1,), generator=gen))
    if k >= 4:
        v = v.flip(-1)
    v = torch.rot90(v, k % 4, (-2, -1))
    # brightness changes all bands together (band ratios carry the classes); per-band jitter stays small
    gain = (1 + 0.3 * (2 * torch.rand(n, 1, 1, 1, generator=gen) - 1)) * \
        (1 + 0.05 * (2 * torch.rand(n, c, 1, 1, generator=gen) - 1))
    offset = 0.2 * (2 * torch.rand(n, 1, 1, 1, generator=gen) - 1)
    v = v * gain.to(v.device) + offset.to(v.device)
    if float(torch.rand(1, generator=gen)) < 0.5:
        v = F.avg_pool2d(v, 3, stride=1, padding=1, count_include_pad=False)
    return v + 0.1 * torch.randn(v.shape, generator=gen).to(v.device)


def pretrain(patches: np.ndarray, config: EncoderConfig, s: PretrainSettings,
             on_epoch: Callable[[dict], None] | None = None) -> tuple[dict, list[dict]]:
    """Train an encoder by MoCo v2 on standardised patches (N, C, H, W); returns its state dict and the
    per-epoch history (loss, patches/s)."""
    torch.manual_seed(s.seed)
    gen = torch.Generator().manual_seed(s.seed)
    device = pick_device(s.device)
    queue = int(min(s.queue, max(s.batch_size, 4 * len(patches))))
    model = MoCo(config, s.dim, queue).to(device)
    params = list(model.encoder_q.parameters()) + list(model.head_q.parameters())
    optim = torch.optim.SGD(params, lr=s.lr, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=max(s.epochs, 1))
    data = torch.from_numpy(np.ascontiguousarray(patches, dtype=np.float32))
    batch = int(min(s.batch_size, len(data)))
    history = []
    for epoch in range(1, s.epochs + 1):
        t0, total, seen = time.perf_counter(), 0.0, 0
        model.train()
        order = torch.randperm(len(data), generator=gen)
        for i in range(0, len(order) - batch + 1, batch):
            xb = data[order[i:i + batch]]
            vq = random_view(xb, s.crop, gen).to(device)
            vk = random_view(xb, s.crop, gen).to(device)
            with autocast(device):
                loss = model(vq, vk, s.temperature, gen)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            model.momentum_update(s.momentum)
            total += float(loss.detach()) * len(xb)
            seen += len(xb)
        sched.step()
        seconds = time.perf_counter() - t0
        row = {"epoch": epoch, "loss": total / max(seen, 1), "seconds": seconds,
               "patches_per_s": seen / seconds if seconds > 0 else 0.0}
        history.append(row)
        if on_epoch:
            on_epoch(row)
    state = {k: v.detach().cpu() for k, v in model.encoder_q.state_dict().items()}
    return state, history
