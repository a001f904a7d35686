"""U-Net with a ResNet-50 encoder (smp-style decoder), with the band normalisation inside the model so a
saved model (PyTorch or ONNX) takes raw band values in its band order."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ai4c.ml.segmentation.resnet import RESNET50_BLOCKS, EncoderConfig, ResNetEncoder

DECODER = (256, 128, 64, 32, 16)


@dataclass
class UNetConfig:
    """Everything needed to rebuild a model: bands, class codes (index -> label value), widths."""

    bands: list[str]
    class_values: list[int]
    width: int = 64
    blocks: tuple[int, int, int, int] = RESNET50_BLOCKS
    patch_size: int = 256
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    band_skip: bool = False  # the standardised bands also enter the last decoder block (full-resolution skip)

    @property
    def n_classes(self) -> int:
        return len(self.class_values)

    def encoder(self) -> EncoderConfig:
        return EncoderConfig(len(self.bands), self.width, tuple(self.blocks))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["blocks"] = list(self.blocks)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> UNetConfig:
        d = dict(d)
        d["blocks"] = tuple(d.get("blocks", RESNET50_BLOCKS))
        return cls(**d)


class ConvBlock(nn.Sequential):
    """Two 3x3 conv + BN + ReLU."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__(nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch),
                         nn.ReLU(inplace=True), nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Normalise -> ResNet encoder (5 scales) -> 5 upsampling decoder blocks with skips (the last one, with
    `band_skip`, from the standardised bands themselves) -> class logits."""

    def __init__(self, config: UNetConfig) -> None:
        super().__init__()
        self.config = config
        n = len(config.bands)
        mean = torch.tensor(config.mean or [0.0] * n, dtype=torch.float32).view(1, n, 1, 1)
        std = torch.tensor(config.std or [1.0] * n, dtype=torch.float32).view(1, n, 1, 1)
        self.register_buffer("mean", mean)
        self.register_buffer("std", std.clamp_min(1e-6))
        self.encoder = ResNetEncoder(config.encoder())
        enc = config.encoder().channels
        scale = config.width / 64
        dec = [max(8, int(c * scale)) for c in DECODER]
        skips = [enc[3], enc[2], enc[1], enc[0], n if config.band_skip else 0]
        ins = [enc[4]] + dec[:-1]
        self.decoder = nn.ModuleList(ConvBlock(i + s, o) for i, s, o in zip(ins, skips, dec, strict=True))
        self.head = nn.Conv2d(dec[-1], config.n_classes, 3, padding=1)

    def set_normalisation(self, mean: list[float], std: list[float]) -> None:
        """Store the training band statistics (raw input -> standardised)."""
        self.config.mean, self.config.std = list(map(float, mean)), list(map(float, std))
        self.mean.copy_(torch.tensor(mean, dtype=torch.float32).view_as(self.mean))
        self.std.copy_(torch.tensor(std, dtype=torch.float32).clamp_min(1e-6).view_as(self.std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features((x - self.mean) / self.std))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Full-resolution decoder features (N, DECODER[-1] x width/64, H, W) of standardised bands (the input
        of the class head, and of the dense self-supervised pre-training)."""
        feats = self.encoder(x)
        y = feats[-1]
        skips = [feats[3], feats[2], feats[1], feats[0], x if self.config.band_skip else None]
        for block, skip in zip(self.decoder, skips, strict=True):
            y = F.interpolate(y, scale_factor=2.0, mode="nearest")
            if skip is not None:
                y = torch.cat([y, skip], dim=1)
            y = block(y)
        return y
