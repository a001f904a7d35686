"""ResNet-50 encoder in plain PyTorch, with torchvision/timm parameter names (so SSL4EO-S12 and torchgeo
checkpoints load by name) and a width/depth option that shrinks it for tests and small CPUs."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

RESNET50_BLOCKS = (3, 4, 6, 3)
EXPANSION = 4


@dataclass(frozen=True)
class EncoderConfig:
    """Shape of the encoder: `width` 64 and blocks (3, 4, 6, 3) is the standard ResNet-50."""

    in_channels: int
    width: int = 64
    blocks: tuple[int, int, int, int] = RESNET50_BLOCKS

    @property
    def channels(self) -> list[int]:
        """Channels of the five feature maps (strides 2, 4, 8, 16, 32)."""
        return [self.width] + [self.width * (2 ** i) * EXPANSION for i in range(4)]


class Bottleneck(nn.Module):
    """1x1 -> 3x3 (strided, as torchvision v1.5) -> 1x1 residual block."""

    def __init__(self, in_ch: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out_ch = planes * EXPANSION
        self.conv1 = nn.Conv2d(in_ch, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNetEncoder(nn.Module):
    """conv1/bn1/maxpool + layer1..layer4; `forward` returns the five feature maps for the U-Net skips."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.conv1 = nn.Conv2d(config.in_channels, w, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_ch = w
        for i, n in enumerate(config.blocks):
            planes = w * 2 ** i
            blocks = [Bottleneck(in_ch, planes, stride=1 if i == 0 else 2)]
            in_ch = planes * EXPANSION
            blocks += [Bottleneck(in_ch, planes) for _ in range(n - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self._init_weights()

    def _init_weights(self) -> None:
        """He init for convolutions; the last BN of each block starts at 0 (residual starts as identity)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, Bottleneck):
                nn.init.zeros_(m.bn3.weight)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        f0 = self.relu(self.bn1(self.conv1(x)))
        f1 = self.layer1(self.maxpool(f0))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        f4 = self.layer4(f3)
        return [f0, f1, f2, f3, f4]

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """Global-average-pooled last feature map (the representation SSL trains)."""
        return self.forward(x)[-1].mean(dim=(2, 3))
