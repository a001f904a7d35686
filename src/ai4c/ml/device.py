"""Where PyTorch models run: CUDA when present (or asked for), else the CPU; one choice for every model."""

from __future__ import annotations

import torch


def pick_device(name: str = "auto") -> torch.device:
    """CUDA when present (or asked), else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
