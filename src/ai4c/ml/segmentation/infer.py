"""Sliding-window inference with overlap blending: any image size, windows of the training patch size,
each window's probabilities weighted by a taper that favours window centres (no seams at window edges)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ai4c.ml.segmentation.unet import UNet

Predictor = Callable[[np.ndarray], np.ndarray]  # (N, C, P, P) raw bands -> (N, K, P, P) probabilities


def window_starts(length: int, patch: int, stride: int) -> list[int]:
    """Window origins covering [0, length) with windows of `patch` (last one flush with the end)."""
    if length <= patch:
        return [0]
    starts = list(range(0, length - patch, stride))
    return starts + [length - patch]


def blend_weights(patch: int, overlap: int) -> np.ndarray:
    """(patch, patch) weight: 1 in the centre, a linear ramp over `overlap` pixels to a small floor at the edges."""
    ramp = np.ones(patch, np.float32)
    if overlap > 0:
        edge = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        ramp[:overlap] = edge
        ramp[-overlap:] = edge[::-1]
    return np.maximum(np.outer(ramp, ramp), 1e-3).astype(np.float32)


def sliding_probabilities(image: np.ndarray, predict: Predictor, n_classes: int, patch: int,
                          overlap: int, batch: int = 4) -> np.ndarray:
    """(K, H, W) blended class probabilities of a (C, H, W) image; images smaller than a patch are
    reflect-padded."""
    c, h, w = image.shape
    ph, pw = max(patch - h, 0), max(patch - w, 0)
    if ph or pw:
        image = np.pad(image, ((0, 0), (0, ph), (0, pw)), mode="reflect" if min(h, w) > 1 else "edge")
    hh, ww = image.shape[1:]
    stride = max(patch - overlap, 1)
    weight = blend_weights(patch, overlap)
    acc = np.zeros((n_classes, hh, ww), np.float32)
    norm = np.zeros((hh, ww), np.float32)
    origins = [(r, q) for r in window_starts(hh, patch, stride) for q in window_starts(ww, patch, stride)]
    for i in range(0, len(origins), batch):
        chunk = origins[i:i + batch]
        windows = np.stack([image[:, r:r + patch, q:q + patch] for r, q in chunk]).astype(np.float32)
        probs = predict(windows)
        for (r, q), p in zip(chunk, probs, strict=True):
            acc[:, r:r + patch, q:q + patch] += p * weight
            norm[r:r + patch, q:q + patch] += weight
    acc /= norm
    return acc[:, :h, :w]


def torch_predictor(model: UNet, device: torch.device | None = None) -> Predictor:
    """Softmax probabilities of a PyTorch U-Net (eval mode, float32 on every device, so the classes are those
    of the ONNX export; inference mode: no autograd bookkeeping)."""
    device = device or next(model.parameters()).device
    model.eval()

    @torch.inference_mode()
    def predict(windows: np.ndarray) -> np.ndarray:
        logits = model(torch.from_numpy(windows).to(device))
        return torch.softmax(logits.float(), dim=1).cpu().numpy()

    return predict


def softmax(logits: np.ndarray, axis: int = 1) -> np.ndarray:
    """Numerically stable softmax of numpy logits (for ONNX outputs)."""
    z = logits - logits.max(axis=axis, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=axis, keepdims=True)
    return z
