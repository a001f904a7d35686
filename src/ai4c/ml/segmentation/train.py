"""Training loop: mini-batches of patches, augmentation, validation mIoU per epoch, early stopping,
mixed precision on CUDA. Arrays in, model and history out (no file I/O)."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from ai4c.ml.device import pick_device
from ai4c.ml.segmentation.augment import augment
from ai4c.ml.segmentation.losses import IGNORE, class_weights, make_criterion
from ai4c.ml.segmentation.metrics import confusion, summary
from ai4c.ml.segmentation.unet import UNet


@dataclass
class TrainSettings:
    """Hyper-parameters of one training run (the seed's defaults)."""

    epochs: int = 20
    batch_size: int = 2
    lr: float = 1e-4
    criterion: str = "cross_entropy"
    data_aug: bool = False
    balance: bool = True
    patience: int = 5
    seed: int = 0
    device: str = "auto"
    schedule: str = "cosine"  # or "constant"
    encoder_lr: float | None = None  # learning rate of the encoder (None: `lr`); smaller keeps pre-training
    freeze_encoder: bool = False     # train the decoder only (a pre-trained encoder kept as it is)
    freeze_epochs: int = 0           # the encoder frozen for the first epochs only (decoder first, then all)
    l2sp: float = 0.0                # weight of the L2-SP penalty pulling the encoder back to its starting weights
    encoder_bn: str = "train"        # "frozen": the encoder's batch-norm statistics stay those it started with


def autocast(device: torch.device):
    """bfloat16 autocast on CUDA (no loss scaling needed), nothing on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def class_counts(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Labelled pixels per class index (IGNORE skipped)."""
    v = y[y != IGNORE].ravel()
    return np.bincount(v.astype(np.int64), minlength=n_classes)[:n_classes]


@torch.inference_mode()
def predict_classes(model: UNet, x: np.ndarray, batch: int = 8, device: torch.device | None = None) -> np.ndarray:
    """Argmax class index per pixel of patches (N, C, H, W), in float32 (the precision of the saved model)."""
    device = device or next(model.parameters()).device
    model.eval()
    out = []
    for i in range(0, len(x), batch):
        logits = model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch])).to(device))
        out.append(logits.argmax(1).cpu().numpy().astype(np.int16))
    return np.concatenate(out) if out else np.zeros((0,) + x.shape[2:], np.int16)


def evaluate(model: UNet, x: np.ndarray, y: np.ndarray, batch: int = 8) -> tuple[dict, np.ndarray]:
    """mIoU summary and confusion matrix of the model on labelled patches."""
    n = model.config.n_classes
    cm = confusion(y, predict_classes(model, x, batch), n, ignore=IGNORE)
    return summary(cm), cm


def cosine_decay(optim: torch.optim.Optimizer, epochs: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Every group's rate decays from its own start to 1 % of it along a half cosine over `epochs`."""
    return torch.optim.lr_scheduler.LambdaLR(
        optim, lambda e: 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(e, epochs) / max(epochs, 1))))


def parameter_groups(model: UNet, s: TrainSettings) -> list[dict]:
    """Optimiser groups: the decoder and head at `lr`, the encoder at `encoder_lr` (or frozen)."""
    encoder = list(model.encoder.parameters())
    rest = [p for name, p in model.named_parameters() if not name.startswith("encoder.")]
    groups = [{"params": rest, "lr": s.lr}]
    if not s.freeze_encoder:
        groups.append({"params": encoder, "lr": s.lr if s.encoder_lr is None else s.encoder_lr})
    return groups


def encoder_frozen(s: TrainSettings, epoch: int) -> bool:
    """Whether the encoder is kept as it is during this (1-based) epoch."""
    return s.freeze_encoder or epoch <= s.freeze_epochs


def l2sp_penalty(model: UNet, anchor: list[torch.Tensor] | None, weight: float) -> torch.Tensor | float:
    """L2-SP (Li et al. 2018): `weight` x the squared distance of the encoder from its starting weights, so
    fine-tuning on few labels stays near a pre-trained encoder instead of near zero."""
    if anchor is None or weight <= 0:
        return 0.0
    return weight * sum(((p - a) ** 2).sum() for p, a in zip(model.encoder.parameters(), anchor, strict=True))


def _train_mode(model: UNet, frozen: bool, frozen_bn: bool) -> None:
    """Training mode, the encoder's parameters frozen and/or its batch-norm statistics kept as they are."""
    model.train()
    for p in model.encoder.parameters():  # without a gradient AdamW leaves a parameter as it is
        p.requires_grad_(not frozen)
    if frozen:  # its batch-norm statistics stay those of the pre-training
        model.encoder.eval()
    elif frozen_bn:
        for m in model.encoder.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()


def _epoch(model, x, y, s: TrainSettings, criterion, optim, gen: torch.Generator, device,
           frozen: bool = False, anchor: list[torch.Tensor] | None = None) -> tuple[float, int]:
    """One pass over the shuffled training patches; mean loss and patches seen."""
    _train_mode(model, frozen, s.encoder_bn == "frozen")
    order = torch.randperm(len(x), generator=gen).numpy()
    total, seen = 0.0, 0
    for i in range(0, len(order), s.batch_size):
        idx = np.sort(order[i:i + s.batch_size])
        if len(idx) < 2 and len(order) >= 2:  # BatchNorm needs two samples
            continue
        xb = torch.from_numpy(x[idx]).to(device, non_blocking=True)
        yb = torch.from_numpy(y[idx].astype(np.int64)).to(device, non_blocking=True)
        if s.data_aug:
            xb, yb = augment(xb, yb, model.std.flatten(), gen)
        with autocast(device):
            loss = criterion(model(xb).float(), yb)
        optim.zero_grad(set_to_none=True)
        (loss + l2sp_penalty(model, None if frozen else anchor, s.l2sp)).backward()
        optim.step()
        total += float(loss.detach()) * len(idx)
        seen += len(idx)
    return total / max(seen, 1), seen


def train(model: UNet, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, s: TrainSettings,
          on_epoch: Callable[[dict], None] | None = None) -> dict:
    """Train in place (AdamW; cosine learning-rate decay over `epochs` or a constant rate); keep the weights of the best
    validation mIoU; stop after `patience` epochs without improvement. Returns history, best epoch, best summary and its confusion matrix."""
    torch.manual_seed(s.seed)
    gen = torch.Generator().manual_seed(s.seed)
    device = pick_device(s.device)
    model.to(device)
    n = model.config.n_classes
    weight = torch.from_numpy(class_weights(class_counts(y, n))).to(device) if s.balance else None
    criterion = make_criterion(s.criterion, weight).to(device)
    optim = torch.optim.AdamW(parameter_groups(model, s), weight_decay=1e-4)
    sched = cosine_decay(optim, s.epochs) if s.schedule == "cosine" else None
    anchor = [p.detach().clone() for p in model.encoder.parameters()] if s.l2sp > 0 else None
    history: list[dict] = []
    best: dict = {"miou": -1.0}
    best_state, best_cm, stale = None, None, 0
    for epoch in range(1, s.epochs + 1):
        t0 = time.perf_counter()
        loss, seen = _epoch(model, x, y, s, criterion, optim, gen, device, encoder_frozen(s, epoch), anchor)
        if sched is not None:
            sched.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        val, cm = evaluate(model, x_val, y_val)
        row = {"epoch": epoch, "loss": loss, "val_miou": val["miou"], "val_overall_accuracy": val["overall_accuracy"],
               "seconds": seconds, "patches_per_s": seen / seconds if seconds > 0 else 0.0}
        history.append(row)
        if on_epoch:
            on_epoch(row)
        if val["miou"] > best["miou"] + 1e-6:
            best, best_cm, stale = {**val, "epoch": epoch}, cm, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            stale += 1
            if stale >= s.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"history": history, "best": best, "confusion_matrix": best_cm.tolist() if best_cm is not None else [],
            "device": str(device), "class_weights": weight.tolist() if weight is not None else None}
