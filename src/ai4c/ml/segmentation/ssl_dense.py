"""Dense self-supervised pre-training of the whole U-Net body (ResNet encoder + decoder): pixel-level contrast
between two views of each unlabelled patch whose geometric correspondence is known (the DenseCL / PixPro
family, Wang et al. 2021, Xie et al. 2021), for pixel classification.

Each view is a translated square crop of the patch under one of the 8 symmetries of the square, with
brightness jitter, blur and noise. The decoder's full-resolution features of both views are mapped back to
patch coordinates; pixels sampled in the two crops' overlap are embedded by a 1x1 projection head, and a
symmetric InfoNCE makes each pixel's embedding in one view pick out the same pixel in the other view among
all the sampled pixels of the batch. Unlike an image-level objective (MoCo), every pixel gives a
positive pair, the decoder is trained too, and what is learnt is per-pixel, which is what the U-Net's class
head reads: on a CPU the loss falls well below chance within a few epochs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ai4c.ml.segmentation.augment import symmetry
from ai4c.ml.segmentation.ssl import Views, photometric
from ai4c.ml.segmentation.ssl_body import body_state, train_body
from ai4c.ml.segmentation.train import autocast
from ai4c.ml.segmentation.unet import UNet, UNetConfig


@dataclass
class DenseSettings:
    """Pixel-contrast hyper-parameters (AdamW, cosine decay over `epochs`)."""

    epochs: int = 30
    batch_size: int = 16
    lr: float = 2e-3
    temperature: float = 0.2
    crop: float = 0.75     # side of each view, as a share of the patch side (the overlap is >= 2 x crop - 1)
    pixels: int = 64       # pixels sampled per patch in the overlap of its two views
    dim: int = 32          # embedding size
    seed: int = 0
    device: str = "auto"
    views: Views = field(default_factory=lambda: Views(blur=0.2))


class PixelContrast(nn.Module):
    """The U-Net body (normalisation buffers unused: inputs are standardised) and a per-pixel projection head."""

    def __init__(self, config: UNetConfig, dim: int) -> None:
        super().__init__()
        self.unet = UNet(config)
        feat = self.unet.head.in_channels
        hidden = max(4 * feat, dim)
        self.project = nn.Sequential(nn.Conv2d(feat, hidden, 1), nn.BatchNorm2d(hidden), nn.ReLU(inplace=True),
                                     nn.Conv2d(hidden, dim, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, dim, H, W) pixel embeddings; views whose side is not a multiple of 32 (the encoder's stride) are
        reflect-padded to one and their features cropped back."""
        h, w = x.shape[-2:]
        ph, pw = -h % 32, -w % 32
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), mode="reflect")
        f = self.unet.features(x)[..., ph // 2:ph // 2 + h, pw // 2:pw // 2 + w]
        return self.project(f)


@dataclass
class ViewGeometry:
    """Where each sample's view lies in its patch (crop origins) and its symmetry k (0..7)."""

    rows: list[int]
    cols: list[int]
    ks: list[int]


def make_view(x: torch.Tensor, side: int, gen: torch.Generator, views: Views) -> tuple[torch.Tensor, ViewGeometry]:
    """Random crops of `side` pixels, each under a random symmetry, then photometric jitter."""
    n, _, h, w = x.shape
    rows = torch.randint(0, h - side + 1, (n,), generator=gen).tolist()
    cols = torch.randint(0, w - side + 1, (n,), generator=gen).tolist()
    ks = torch.randint(0, 8, (n,), generator=gen).tolist()
    crops = [symmetry(x[i, :, r:r + side, c:c + side], k) for i, (r, c, k) in enumerate(zip(rows, cols, ks, strict=True))]
    return photometric(torch.stack(crops), gen, views), ViewGeometry(rows, cols, ks)


def overlap_pixels(a: ViewGeometry, b: ViewGeometry, side: int, count: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, count) patch rows and columns drawn uniformly in the overlap of each sample's two crops."""
    out = []
    for starts in ((a.rows, b.rows), (a.cols, b.cols)):
        lo = torch.tensor([max(p, q) for p, q in zip(*starts, strict=True)])
        hi = torch.tensor([min(p, q) + side for p, q in zip(*starts, strict=True)])
        u = torch.rand(len(lo), count, generator=gen)
        out.append(lo[:, None] + (u * (hi - lo)[:, None]).long())
    return out[0], out[1]


def gather_pixels(emb: torch.Tensor, geo: ViewGeometry, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """(N x count, D) embeddings of the given patch pixels, read from a view's (N, D, side, side) map."""
    back = torch.stack([symmetry(emb[i], k, inverse=True) for i, k in enumerate(geo.ks)])
    r = rows - torch.tensor(geo.rows)[:, None]
    c = cols - torch.tensor(geo.cols)[:, None]
    n = torch.arange(len(rows))[:, None].expand_as(r)
    dev = back.device
    return back[n.to(dev), :, r.to(dev), c.to(dev)].reshape(-1, back.shape[1])


def pixel_infonce(q: torch.Tensor, k: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric InfoNCE: row i of q must match row i of k among all rows (and conversely)."""
    q, k = F.normalize(q.float(), dim=1), F.normalize(k.float(), dim=1)
    logits = q @ k.T / temperature
    target = torch.arange(len(q), device=q.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def contrast_step(model: PixelContrast, xb: torch.Tensor, s: DenseSettings, gen: torch.Generator,
                  device: torch.device) -> torch.Tensor:
    """Loss of one batch of standardised patches: two views, pixels of their overlap, pixel InfoNCE."""
    side = max(8, int(round(s.crop * min(xb.shape[-2:]) / 8)) * 8)
    v1, g1 = make_view(xb, side, gen, s.views)
    v2, g2 = make_view(xb, side, gen, s.views)
    rows, cols = overlap_pixels(g1, g2, side, s.pixels, gen)
    with autocast(device):
        e = model(torch.cat([v1, v2]).to(device))
    e1, e2 = e[:len(xb)], e[len(xb):]
    return pixel_infonce(gather_pixels(e1, g1, rows, cols), gather_pixels(e2, g2, rows, cols), s.temperature)


def pretrain_dense(patches: np.ndarray, config: UNetConfig, s: DenseSettings,
                   on_epoch: Callable[[dict], None] | None = None) -> tuple[dict, list[dict]]:
    """Pixel-contrast pre-training of a U-Net body on standardised patches (N, C, H, W); returns the encoder and
    decoder state dicts ({"encoder": ..., "decoder": ...}) and the per-epoch history (loss, chance, patches/s)."""
    model, history = train_body(patches, s, lambda: PixelContrast(config, s.dim),
                                lambda m, ids, xb, gen, device: contrast_step(m, xb, s, gen, device),
                                on_epoch=on_epoch, extra=lambda batch, data: {"chance": float(np.log(batch * s.pixels))})
    return body_state(model.unet), history
