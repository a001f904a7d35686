"""Batch augmentation on tensors: the 8 flips/rotations of the square and radiometric jitter."""

from __future__ import annotations

import torch


def symmetry(x: torch.Tensor, k: int, inverse: bool = False) -> torch.Tensor:
    """Symmetry k (0..7) of the square on (..., H, W): a flip when k >= 4, then k % 4 quarter turns; or its inverse."""
    if inverse:
        x = torch.rot90(x, -(k % 4), (-2, -1))
        return x.flip(-1) if k >= 4 else x
    x = x.flip(-1) if k >= 4 else x
    return torch.rot90(x, k % 4, (-2, -1))


def dihedral(x: torch.Tensor, y: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One of the 8 symmetries of the square (k in 0..7) applied to images (N,C,H,W) and labels (N,H,W)."""
    return symmetry(x, k), symmetry(y, k)


def radiometric(x: torch.Tensor, std: torch.Tensor, gen: torch.Generator, gain: float = 0.08,
                offset: float = 0.05, noise: float = 0.02) -> torch.Tensor:
    """Per-sample, per-band gain (1 +- gain), offset (+- offset x band std) and pixel noise (x band std):
    the illumination and atmospheric differences between acquisitions."""
    n, c = x.shape[:2]
    g = 1 + gain * (2 * torch.rand(n, c, 1, 1, generator=gen, device="cpu") - 1)
    o = offset * (2 * torch.rand(n, c, 1, 1, generator=gen, device="cpu") - 1)
    s = std.view(1, c, 1, 1).to(x.device)
    jitter = torch.randn(x.shape, generator=gen, device="cpu").to(x.device) * noise
    return x * g.to(x.device) + (o.to(x.device) + jitter) * s


def augment(x: torch.Tensor, y: torch.Tensor, std: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random symmetry (one per batch, cheap) plus per-sample radiometric jitter."""
    k = int(torch.randint(0, 8, (1,), generator=gen))
    x, y = dihedral(x, y, k)
    return radiometric(x, std, gen), y
