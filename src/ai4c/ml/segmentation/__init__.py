"""Pixel-level classification of Sentinel-2 patches: a U-Net on a ResNet-50 encoder (plain PyTorch),
its losses, training loop, sliding-window inference and self-supervised (MoCo v2) pre-training."""
