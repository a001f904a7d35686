"""Losses: Wasserstein with gradient penalty (or relativistic), and content losses L1, CRPS, energy score."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def crps_ensemble_loss(members: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Fair CRPS per pixel, averaged; members (m, B, C, H, W), truth (B, C, H, W); a proper score."""
    m = members.shape[0]
    skill = (members - truth.unsqueeze(0)).abs().mean(0)
    spread = (members.unsqueeze(0) - members.unsqueeze(1)).abs().sum((0, 1)) / (2 * m * (m - 1))
    return (skill - spread).mean()


def energy_score_loss(members: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Fair energy score over whole tiles (multivariate CRPS), normalised by sqrt(pixels)."""
    m = members.shape[0]
    flat = members.flatten(2)
    scale = flat.shape[-1] ** 0.5
    skill = (flat - truth.flatten(1).unsqueeze(0)).norm(dim=-1).mean(0)
    diffs = (flat.unsqueeze(0) - flat.unsqueeze(1)).norm(dim=-1).sum((0, 1)) / (2 * m * (m - 1))
    return ((skill - diffs) / scale).mean()


def content_loss(kind: str, members: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """l1 (first member), crps or energy."""
    if kind == "l1":
        return (members[0] - truth).abs().mean()
    if kind == "energy":
        return energy_score_loss(members, truth)
    return crps_ensemble_loss(members, truth)


def _radial_power(fields: torch.Tensor) -> torch.Tensor:
    """Radially averaged power spectrum of square fields (..., n, n), averaged over all leading axes."""
    n = fields.shape[-1]
    flat = fields.reshape(-1, fields.shape[-2], n)
    power = torch.fft.fft2(flat - flat.mean(dim=(-2, -1), keepdim=True)).abs().pow(2).mean(0) / n**2
    freq = torch.fft.fftfreq(n, device=fields.device) * n
    radius = torch.sqrt(freq[:, None] ** 2 + freq[None, :] ** 2).round().long().flatten()
    keep = (radius >= 1) & (radius <= n // 2)
    sums = torch.zeros(n // 2 + 1, device=fields.device).index_add(0, radius[keep], power.flatten()[keep])
    counts = torch.bincount(radius[keep], minlength=n // 2 + 1).clamp(min=1)
    return (sums / counts)[1:]


def spectral_loss(members: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Mean squared log10 ratio of the members' and the truth's power spectra (drives small-scale variance)."""
    ratio = torch.log10(_radial_power(members) + 1e-8) - torch.log10(_radial_power(truth) + 1e-8)
    return ratio.pow(2).mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, lowres: torch.Tensor,
                     static: torch.Tensor | None, generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP: (|grad D(x_hat)| - 1)^2 at random points between real and fake tiles."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, generator=generator, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed, lowres, static)
    (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def critic_loss(kind: str, real_score: torch.Tensor, fake_score: torch.Tensor) -> torch.Tensor:
    """Critic objective to minimise: Wasserstein or relativistic average."""
    if kind == "relativistic":
        return (F.softplus(-(real_score - fake_score.mean())).mean()
                + F.softplus(fake_score - real_score.mean()).mean())
    return fake_score.mean() - real_score.mean()


def adversarial_loss(kind: str, real_score: torch.Tensor, fake_score: torch.Tensor) -> torch.Tensor:
    """Generator's adversarial objective to minimise."""
    if kind == "relativistic":
        return (F.softplus(real_score - fake_score.mean()).mean()
                + F.softplus(-(fake_score - real_score.mean())).mean())
    return -fake_score.mean()
