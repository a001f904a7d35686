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
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ai4c.ml.device import pick_device
from ai4c.ml.segmentation.augment import symmetry
from ai4c.ml.segmentation.resnet import EncoderConfig, ResNetEncoder
from ai4c.ml.segmentation.train import autocast


@dataclass(frozen=True)
class Views:
    """Strength of the two views' augmentations. Multispectral classes differ by band ratios, so colour
    jitter stays small and shared by all bands; the crop, the square symmetries and noise do the rest."""

    min_scale: float = 0.3     # random resized crop: 30-100 % of the patch area
    gain: float = 0.2          # brightness x (1 +- gain), the same for every band
    band_gain: float = 0.03    # per-band x (1 +- band_gain)
    offset: float = 0.1        # + offset (in band standard deviations), the same for every band
    blur: float = 0.3          # probability of a 3x3 box blur
    noise: float = 0.05        # pixel noise (band standard deviations)


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
    views: Views = field(default_factory=Views)


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
        self.register_buffer("queue_ids", torch.full((queue,), -1, dtype=torch.long))  # source patch of each key
        self.register_buffer("ptr", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def momentum_update(self, m: float) -> None:
        for q, k in zip(list(self.encoder_q.parameters()) + list(self.head_q.parameters()),
                        list(self.encoder_k.parameters()) + list(self.head_k.parameters()), strict=True):
            k.mul_(m).add_(q.detach(), alpha=1 - m)

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor, ids: torch.Tensor) -> None:
        """Replace the oldest keys by this batch's keys (after its loss: a key is never its own negative)."""
        n, size = keys.shape[0], self.queue.shape[0]
        idx = (self.ptr + torch.arange(n, device=keys.device)) % size
        self.queue[idx] = keys
        self.queue_ids[idx] = ids.to(keys.device)
        self.ptr.copy_((self.ptr + n) % size)

    def negatives(self, q: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Query-queue similarities, with the keys of the query's own patch from earlier epochs masked out
        (on a small data set the queue holds older views of every patch: they are positives, not negatives)."""
        neg = q @ self.queue.clone().T
        own = self.queue_ids.unsqueeze(0) == ids.to(q.device).unsqueeze(1)
        return neg.masked_fill(own, float("-inf"))

    def _embed(self, encoder: ResNetEncoder, head: nn.Module, x: torch.Tensor, groups: list[torch.Tensor]) -> torch.Tensor:
        """Normalised embeddings with batch-norm statistics computed per group of samples."""
        out = torch.empty(x.shape[0], self.queue.shape[1], device=x.device)
        for g in groups:
            out[g] = F.normalize(head(encoder.pooled(x[g])).float(), dim=1)
        return out

    def forward(self, view_q: torch.Tensor, view_k: torch.Tensor, ids: torch.Tensor, temperature: float,
                gen: torch.Generator) -> torch.Tensor:
        """InfoNCE loss of one batch of patches `ids` (positives: the other view; negatives: the queue's keys of
        other patches)."""
        n = view_q.shape[0]
        half = max(n // 2, 1)
        perm = torch.randperm(n, generator=gen).to(view_q.device)
        plain = torch.arange(n, device=view_q.device)
        q = self._embed(self.encoder_q, self.head_q, view_q, [plain[:half], plain[half:]] if n > 3 else [plain])
        with torch.no_grad():
            k = self._embed(self.encoder_k, self.head_k, view_k, [perm[:half], perm[half:]] if n > 3 else [perm])
        pos = (q * k).sum(1, keepdim=True)
        logits = torch.cat([pos, self.negatives(q, ids)], dim=1) / temperature
        loss = F.cross_entropy(logits, torch.zeros(n, dtype=torch.long, device=q.device))
        self.enqueue(k, ids)
        return loss


def _resized_crops(x: torch.Tensor, crop: int, min_scale: float, gen: torch.Generator) -> torch.Tensor:
    """A random square crop of `min_scale`-100 % of each patch's area, resized to `crop` pixels."""
    n, _, h, w = x.shape
    views = []
    for i in range(n):
        area = float(torch.empty(1).uniform_(min_scale, 1.0, generator=gen)) * h * w
        side = int(min(h, w, max(8, round(area ** 0.5))))
        r = int(torch.randint(0, h - side + 1, (1,), generator=gen))
        q = int(torch.randint(0, w - side + 1, (1,), generator=gen))
        views.append(F.interpolate(x[i:i + 1, :, r:r + side, q:q + side], size=(crop, crop), mode="bilinear",
                                   align_corners=False))
    return torch.cat(views)


def random_view(x: torch.Tensor, crop: int, gen: torch.Generator, views: Views = Views()) -> torch.Tensor:
    """MoCo v2 style view of standardised patches (N, C, H, W): resized crop, one of the 8 square symmetries,
    brightness gain/offset, random blur and pixel noise, of the strengths in `views`."""
    v = _resized_crops(x, crop, views.min_scale, gen)
    k = int(torch.randint(0, 8, (1,), generator=gen))
    return photometric(symmetry(v, k), gen, views)


def photometric(v: torch.Tensor, gen: torch.Generator, views: Views = Views()) -> torch.Tensor:
    """Brightness gain/offset (mostly shared by the bands), random 3x3 blur and pixel noise of standardised
    views (N, C, H, W), of the strengths in `views`."""
    n, c = v.shape[:2]
    gain = (1 + views.gain * (2 * torch.rand(n, 1, 1, 1, generator=gen) - 1)) * \
        (1 + views.band_gain * (2 * torch.rand(n, c, 1, 1, generator=gen) - 1))
    offset = views.offset * (2 * torch.rand(n, 1, 1, 1, generator=gen) - 1)
    v = v * gain.to(v.device) + offset.to(v.device)
    if float(torch.rand(1, generator=gen)) < views.blur:
        v = F.avg_pool2d(v, 3, stride=1, padding=1, count_include_pad=False)
    return v + views.noise * torch.randn(v.shape, generator=gen).to(v.device)


def queue_size(wanted: int, batch: int, n_patches: int) -> int:
    """At most `wanted` keys and fewer than the patches outside one batch: on a small data set a longer queue
    only repeats the same patches (older views), which add no negatives."""
    return int(max(batch, min(wanted, n_patches - batch)))


def ssl_epochs(model: nn.Module, data: torch.Tensor, batch: int, epochs: int, optim: torch.optim.Optimizer,
               gen: torch.Generator, batch_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
               after_step: Callable[[], None] | None = None, on_epoch: Callable[[dict], None] | None = None,
               extra: dict | None = None) -> list[dict]:
    """The self-supervised training loop: per epoch, shuffled batches (`batch_loss(ids, patches)`), a step of
    `optim` (then `after_step`), a cosine-decay step of its rate; returns the history (loss, patches/s, extra)."""
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=max(epochs, 1))
    history = []
    for epoch in range(1, epochs + 1):
        t0, total, seen = time.perf_counter(), 0.0, 0
        model.train()
        order = torch.randperm(len(data), generator=gen)
        for i in range(0, len(order) - batch + 1, batch):
            ids = order[i:i + batch]
            loss = batch_loss(ids, data[ids])
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            if after_step:
                after_step()
            total += float(loss.detach()) * len(ids)
            seen += len(ids)
        sched.step()
        seconds = time.perf_counter() - t0
        row = {"epoch": epoch, "loss": total / max(seen, 1), **(extra or {}), "seconds": seconds,
               "patches_per_s": seen / seconds if seconds > 0 else 0.0}
        history.append(row)
        if on_epoch:
            on_epoch(row)
    return history


def pretrain(patches: np.ndarray, config: EncoderConfig, s: PretrainSettings,
             on_epoch: Callable[[dict], None] | None = None) -> tuple[dict, list[dict]]:
    """Train an encoder by MoCo v2 on standardised patches (N, C, H, W); returns its state dict and the
    per-epoch history (loss, patches/s)."""
    torch.manual_seed(s.seed)
    gen = torch.Generator().manual_seed(s.seed)
    device = pick_device(s.device)
    queue = queue_size(s.queue, s.batch_size, len(patches))
    model = MoCo(config, s.dim, queue).to(device)
    params = list(model.encoder_q.parameters()) + list(model.head_q.parameters())
    optim = torch.optim.SGD(params, lr=s.lr, momentum=0.9, weight_decay=1e-4)
    data = torch.from_numpy(np.ascontiguousarray(patches, dtype=np.float32))

    def batch_loss(ids: torch.Tensor, xb: torch.Tensor) -> torch.Tensor:
        vq = random_view(xb, s.crop, gen, s.views).to(device)
        vk = random_view(xb, s.crop, gen, s.views).to(device)
        with autocast(device):
            return model(vq, vk, ids, s.temperature, gen)

    history = ssl_epochs(model, data, int(min(s.batch_size, len(data))), s.epochs, optim, gen, batch_loss,
                         after_step=lambda: model.momentum_update(s.momentum), on_epoch=on_epoch)
    state = {k: v.detach().cpu() for k, v in model.encoder_q.state_dict().items()}
    return state, history
