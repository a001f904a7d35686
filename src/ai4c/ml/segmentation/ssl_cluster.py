"""Clustering pre-training of the U-Net body (pixel-level DeepCluster, Caron et al. 2018; the dense PiCIE
family, Cho et al. 2021): the standardised pixel spectra of the unlabelled patches are grouped by K-means into
`clusters` spectral clusters, and the U-Net body (encoder + decoder) with a 1x1 head learns to predict every
pixel's cluster from the whole patch, under a random symmetry. Optionally (`ratio` > 0) square cells of the
input are blanked, so that their clusters must be told from the context as in masked reconstruction; on the
benchmark's validation scenes blanking half of them did slightly worse than none (BENCHMARKS.md), so the
default blanks none.

Why clusters: land-cover classes in S2 bands are many small, curved regions of the spectral space (a
multiplicative texture spreads every class along a ray), which a linear read-out of the bands cannot
separate but fine clusters can. A network that already tells the clusters apart needs only to learn which
clusters make a class from the few labelled patches. No label is used: the clusters come from the unlabelled
pixels alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ai4c.ml.segmentation.augment import symmetry
from ai4c.ml.segmentation.ssl_body import BodyWithHead, body_state, cpu_state, train_body
from ai4c.ml.segmentation.ssl_masked import cell_mask
from ai4c.ml.segmentation.train import autocast
from ai4c.ml.segmentation.unet import UNetConfig
from ai4c.optical.kmeans import kmeans, nearest


@dataclass
class ClusterSettings:
    """Clustering pre-training hyper-parameters (AdamW, cosine decay over `epochs`)."""

    epochs: int = 30
    batch_size: int = 16
    lr: float = 2e-3
    clusters: int = 32       # K-means clusters of the pixel spectra (the pretext's classes)
    sample: int = 200_000    # pixels drawn at random for the K-means fit
    cell: int = 8            # side of a blanked square cell of the input, pixels
    ratio: float = 0.0       # share of the input cells blanked (0: none, the default)
    seed: int = 0
    device: str = "auto"


def pixel_clusters(patches: np.ndarray, k: int, sample: int, seed: int) -> np.ndarray:
    """(k, C) K-means centres of `sample` pixel spectra drawn from standardised patches (N, C, H, W)."""
    pixels = np.moveaxis(patches, 1, -1).reshape(-1, patches.shape[1])
    rng = np.random.default_rng(seed)
    drawn = pixels[rng.choice(len(pixels), min(sample, len(pixels)), replace=False)].astype(np.float64)
    return kmeans(drawn, k, n_init=2, seed=seed)


def cluster_labels(patches: np.ndarray, centres: np.ndarray, chunk: int = 64) -> np.ndarray:
    """(N, H, W) uint8 index of every pixel's nearest centre (at most 256 centres: a quarter of a band's
    float32 memory), computed `chunk` patches at a time."""
    if len(centres) > 256:
        raise ValueError(f"{len(centres)} clusters: at most 256")
    out = np.empty((len(patches), *patches.shape[2:]), np.uint8)
    for i in range(0, len(patches), chunk):
        part = patches[i:i + chunk]
        out[i:i + chunk] = nearest(np.moveaxis(part, 1, -1).reshape(-1, part.shape[1]), centres)[0].reshape(
            len(part), *part.shape[2:])
    return out


def cluster_step(model: BodyWithHead, xb: torch.Tensor, yb: torch.Tensor, s: ClusterSettings,
                 gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """Cross-entropy of one batch: a random symmetry of patches and clusters, cells of the input blanked."""
    k = int(torch.randint(0, 8, (1,), generator=gen))
    x, y = symmetry(xb, k).to(device), symmetry(yb, k).to(device).long()
    if s.ratio > 0:
        x = x * (1 - cell_mask(len(x), x.shape[-2], x.shape[-1], s.cell, s.ratio, gen).to(device))
    with autocast(device):
        logits = model(x)
    return nn.functional.cross_entropy(logits.float(), y)


def pretrain_cluster(patches: np.ndarray, config: UNetConfig, s: ClusterSettings,
                     on_epoch: Callable[[dict], None] | None = None) -> tuple[dict, list[dict]]:
    """Clustering pre-training of a U-Net body on standardised patches (N, C, H, W) whose sides are multiples of
    32; returns the encoder, decoder, cluster head and K-means centres and the per-epoch history (loss, patches/s; `chance`
    is the loss of predicting the cluster frequencies)."""
    centres = pixel_clusters(patches, s.clusters, s.sample, s.seed)
    labels = torch.from_numpy(cluster_labels(patches, centres))
    share = torch.bincount(labels.reshape(-1).long(), minlength=s.clusters).double() / labels.numel()
    chance = float(-(share[share > 0] * share[share > 0].log()).sum())
    model, history = train_body(patches, s, lambda: BodyWithHead(config, s.clusters),
                                lambda m, ids, xb, gen, device: cluster_step(m, xb, labels[ids], s, gen, device),
                                on_epoch=on_epoch, extra=lambda batch, data: {"chance": chance})
    state = {**body_state(model.unet), "head": cpu_state(model.head),
             "centres": torch.from_numpy(centres.astype(np.float32))}
    return state, history
