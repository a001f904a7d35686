"""Clustering pre-training (ssl_cluster): K-means of the pixel spectra recovers known spectral groups, and a
short run teaches the U-Net body to predict every pixel's group, which an untrained network cannot."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4c.ml.segmentation.ssl_body import BodyWithHead
from ai4c.ml.segmentation.ssl_cluster import (
    ClusterSettings,
    cluster_labels,
    pixel_clusters,
    pretrain_cluster,
)
from ai4c.ml.segmentation.unet import UNet, UNetConfig

CONFIG = UNetConfig(["B2", "B3"], [0, 1], width=8, blocks=(1, 1, 1, 1), patch_size=32)
SPECTRA = np.array([[-1.5, -1.0], [0.0, 1.5], [1.5, -0.5]])  # three spectral groups, far apart in band space


def _quarters(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Patches whose four 16 x 16 quarters each take one of the three group spectra (plus noise), and the
    (N, 32, 32) group of every pixel."""
    rng = np.random.default_rng(seed)
    groups = np.kron(rng.integers(0, 3, (n, 2, 2)), np.ones((16, 16), int))
    x = SPECTRA[groups].transpose(0, 3, 1, 2) + 0.1 * rng.normal(size=(n, 2, 32, 32))
    return x.astype(np.float32), groups


def _agreement(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    """Share of pixels whose cluster is the one most of their true group falls in (1: the same partition)."""
    table = np.zeros((3, k), int)
    np.add.at(table, (truth.ravel(), found.ravel()), 1)
    return float(table.max(axis=1).sum() / truth.size) if len(set(table.argmax(axis=1))) == 3 else 0.0


def test_pixel_clusters_recover_the_spectral_groups():
    x, groups = _quarters(20, 0)
    centres = pixel_clusters(x, 3, sample=5000, seed=0)
    assert centres.shape == (3, 2)
    assert np.abs(np.sort(centres, axis=0) - np.sort(SPECTRA, axis=0)).max() < 0.05
    labels = cluster_labels(x, centres, chunk=7)  # chunks that do not divide the patches
    assert labels.shape == (20, 32, 32) and _agreement(labels, groups, 3) == 1.0


@pytest.mark.parametrize("ratio", [0.0, 0.25])
def test_pretrain_cluster_learns_the_groups_and_fits_a_unet(ratio):
    """Chance is the entropy of the group shares; after a short run (nothing or a quarter of the input cells
    blanked) the loss falls well below it and the network's prediction on unseen patches (nothing blanked) is
    the true grouping, which an untrained one is not."""
    train, truth = _quarters(48, 1)
    unseen, unseen_truth = _quarters(16, 2)
    settings = ClusterSettings(epochs=15, batch_size=8, lr=5e-3, clusters=3, ratio=ratio, device="cpu")
    state, history = pretrain_cluster(train, CONFIG, settings)
    share = np.bincount(truth.ravel(), minlength=3) / truth.size
    assert history[-1]["chance"] == pytest.approx(float(-(share * np.log(share)).sum()), rel=1e-3)
    assert history[-1]["loss"] < 0.3 * history[-1]["chance"]
    model = BodyWithHead(CONFIG, 3)
    torch.manual_seed(0)
    with torch.no_grad():
        untrained = model.eval()(torch.from_numpy(unseen)).argmax(1).numpy()
    model.unet.encoder.load_state_dict(state["encoder"])
    model.unet.decoder.load_state_dict(state["decoder"])
    model.head.load_state_dict(state["head"])
    with torch.no_grad():
        trained = model(torch.from_numpy(unseen)).argmax(1).numpy()
    assert _agreement(untrained, unseen_truth, 3) < 0.8
    assert _agreement(trained, unseen_truth, 3) >= 0.98
    unet = UNet(CONFIG)
    unet.encoder.load_state_dict(state["encoder"])
    unet.decoder.load_state_dict(state["decoder"])
    assert state["centres"].shape == (3, 2)

