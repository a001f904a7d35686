"""SR-GAN generator (residual blocks, noise input, static high-resolution fields, x8 upsampling) and critic.

The generator works at the low resolution first (residual blocks over the low-resolution inputs and a
noise field), then doubles the resolution three times; each stage sees the static fields averaged to
its resolution and a fresh noise channel, so that members differ at every scale. The output is a
residual added to the bilinear upsampling of the same variables in the low-resolution input, which lets
a small network learn fast. The critic is conditional: it judges a high-resolution field together with
the static fields and the low-resolution input it should belong to.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LEAK = 0.2


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with a leaky ReLU and an identity shortcut."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x + conv(lrelu(conv(x)))."""
        return x + self.conv2(F.leaky_relu(self.conv1(x), LEAK))


class UpStage(nn.Module):
    """x2 upsampling, then a convolution over (features, static fields at that scale, one noise channel)."""

    def __init__(self, channels_in: int, channels_out: int, n_static: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels_in + n_static + 1, channels_out, 3, padding=1)

    def forward(self, x: torch.Tensor, static: torch.Tensor | None, noise: torch.Tensor) -> torch.Tensor:
        """One resolution doubling."""
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        parts = [x, noise] if static is None else [x, _pool_to(static, x.shape[-1]), noise]
        return F.leaky_relu(self.conv(torch.cat(parts, dim=1)), LEAK)


def _pool_to(field: torch.Tensor, size: int) -> torch.Tensor:
    """Average a high-resolution field down to `size` x `size`."""
    factor = field.shape[-1] // size
    return field if factor == 1 else F.avg_pool2d(field, factor)


class Generator(nn.Module):
    """Low-res inputs + static high-res fields + noise -> high-res outputs (x `factor`, a power of two)."""

    def __init__(self, n_lowres: int, n_static: int, n_out: int, *, filters: int = 64, noise_channels: int = 8,
                 residual_blocks: int = 3, factor: int = 8, skip_index: list[int] | None = None) -> None:
        super().__init__()
        stages = int(round(math.log2(factor)))
        self.noise_channels = noise_channels
        self.skip_index = list(skip_index or [])
        self.conv_in = nn.Conv2d(n_lowres + noise_channels, filters, 3, padding=1)
        self.blocks = nn.Sequential(*[ResidualBlock(filters) for _ in range(residual_blocks)])
        widths = [max(filters // 2**i, 8) for i in range(stages + 1)]
        self.ups = nn.ModuleList(UpStage(widths[i], widths[i + 1], n_static) for i in range(stages))
        self.conv_out = nn.Conv2d(widths[-1] + n_static, n_out, 3, padding=1)
        self.factor = factor

    def forward(self, lowres: torch.Tensor, static: torch.Tensor | None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """One sample per input row; call repeatedly (or on repeated rows) for an ensemble."""
        batch, _, h, w = lowres.shape
        z = torch.randn(batch, self.noise_channels, h, w, generator=generator, device=lowres.device)
        x = F.leaky_relu(self.conv_in(torch.cat([lowres, z], dim=1)), LEAK)
        x = self.blocks(x)
        for up in self.ups:
            size = x.shape[-1] * 2
            noise = torch.randn(batch, 1, size, size, generator=generator, device=lowres.device)
            x = up(x, static, noise)
        x = self.conv_out(x if static is None else torch.cat([x, static], dim=1))
        if self.skip_index:
            base = F.interpolate(lowres[:, self.skip_index], scale_factor=self.factor, mode="bilinear",
                                 align_corners=False)
            x = x + base
        return x


class Critic(nn.Module):
    """Conditional critic: (high-res field, static fields, upsampled low-res input) -> one score per tile."""

    def __init__(self, n_lowres: int, n_static: int, n_out: int, *, filters: int = 32, factor: int = 8) -> None:
        super().__init__()
        stages = int(round(math.log2(factor)))
        widths = [max(filters // 2**(stages - i), 8) for i in range(stages)] + [filters]
        layers: list[nn.Module] = [nn.Conv2d(n_out + n_static + n_lowres, widths[0], 3, padding=1),
                                   nn.LeakyReLU(LEAK)]
        for i in range(stages):
            layers += [nn.Conv2d(widths[i], widths[i + 1], 4, stride=2, padding=1), nn.LeakyReLU(LEAK)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(filters, 1)
        self.factor = factor

    def forward(self, hires: torch.Tensor, lowres: torch.Tensor, static: torch.Tensor | None) -> torch.Tensor:
        """Wasserstein score (higher = more real)."""
        up = F.interpolate(lowres, scale_factor=self.factor, mode="nearest")
        parts = [hires, up] if static is None else [hires, static, up]
        return self.head(self.features(torch.cat(parts, dim=1)).mean(dim=(2, 3))).squeeze(1)
