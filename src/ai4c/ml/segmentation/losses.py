"""Segmentation losses: cross-entropy and focal loss, both with class weights and an ignored label."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

IGNORE = -1  # target index of pixels the loss skips (unknown label 0 when labels are partial)
CRITERIA = ("cross_entropy", "focal_loss")


class FocalLoss(nn.Module):
    """Focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_t)^gamma, mean over labelled pixels."""

    def __init__(self, weight: torch.Tensor | None = None, gamma: float = 2.0, ignore_index: int = IGNORE) -> None:
        super().__init__()
        self.register_buffer("weight", weight if weight is not None else None)
        self.gamma = gamma
        self.ignore_index = ignore_index

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        valid = target != self.ignore_index
        safe = torch.where(valid, target, torch.zeros_like(target))
        logp = F.log_softmax(logits.float(), dim=1).gather(1, safe.unsqueeze(1)).squeeze(1)
        loss = -((1 - logp.exp()) ** self.gamma) * logp
        w = self.weight[safe] if self.weight is not None else torch.ones_like(loss)
        w = w * valid
        return (loss * w).sum() / w.sum().clamp_min(1e-8)


def make_criterion(name: str, weight: torch.Tensor | None = None) -> nn.Module:
    """`cross_entropy` or `focal_loss`, ignoring target IGNORE."""
    if name == "focal_loss":
        return FocalLoss(weight)
    return nn.CrossEntropyLoss(weight=weight, ignore_index=IGNORE)


def class_weights(counts: np.ndarray) -> np.ndarray:
    """Median-frequency balancing (Eigen & Fergus): weight_c = median(freq) / freq_c, 0 for absent classes,
    clipped to [0.1, 10] so a rare class cannot dominate."""
    counts = np.asarray(counts, np.float64)
    present = counts > 0
    out = np.zeros_like(counts)
    if present.any():
        freq = counts[present] / counts[present].sum()
        out[present] = np.clip(np.median(freq) / freq, 0.1, 10.0)
    return out.astype(np.float32)
