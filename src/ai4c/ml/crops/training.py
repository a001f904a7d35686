"""Training loop of the LSTM crop classifier: mini-batch Adam, optional class weights, early stopping."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ai4c.core.log import LOGGER
from ai4c.core.progress import track
from ai4c.ml.crops.model import LstmClassifier, LstmConfig, band_stats, class_weights, device, predict


@dataclass
class TrainSettings:
    """Hyper-parameters of one training run (table 10 plus early stopping)."""

    n_epochs: int = 50
    batch_size: int = 32
    learning_rate: float = 1e-3
    use_class_weights: bool = False
    patience: int = 8
    seed: int = 0
    threads: int = field(default_factory=lambda: int(os.environ.get("AI4C_TORCH_THREADS", "1")))


@dataclass
class History:
    """Per-epoch training (and validation) loss and accuracy, and the epoch kept."""

    epochs: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False


def metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """Overall accuracy, macro-F1 (over classes present), per-class F1 and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, f1_score

    labels = list(range(n_classes))
    present = sorted(set(np.unique(y_true).tolist()))
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {"overall_accuracy": float((y_true == y_pred).mean()),
            "macro_f1": float(np.mean(per_class[present])) if present else 0.0,
            "f1_per_class": [float(v) for v in per_class],
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()}


def _loss_and_accuracy(model: LstmClassifier, x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module) -> tuple[float, float]:
    """Mean loss and accuracy of a whole set (evaluation mode, batched)."""
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, x.shape[0], 8192):
            logits = model(x[start:start + 8192])
            total += float(loss_fn(logits, y[start:start + 8192])) * logits.shape[0]
            correct += int((logits.argmax(1) == y[start:start + 8192]).sum())
    return total / x.shape[0], correct / x.shape[0]


def _epoch(model: LstmClassifier, x: torch.Tensor, y: torch.Tensor, settings: TrainSettings,
           optimiser: torch.optim.Optimizer, loss_fn: nn.Module, generator: torch.Generator, label: str
           ) -> tuple[float, float]:
    """One pass over shuffled mini-batches; returns the running loss and accuracy."""
    model.train()
    order = torch.randperm(x.shape[0], generator=generator).to(x.device)
    batches = range(0, x.shape[0], settings.batch_size)
    total, correct = 0.0, 0
    for start in track(batches, label, total=len(batches)):
        index = order[start:start + settings.batch_size]
        optimiser.zero_grad()
        logits = model(x[index])
        loss = loss_fn(logits, y[index])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        total += loss.item() * index.numel()
        correct += int((logits.argmax(1) == y[index]).sum())
    return total / x.shape[0], correct / x.shape[0]


def train(x: np.ndarray, y: np.ndarray, config: LstmConfig, settings: TrainSettings,
          val: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[LstmClassifier, History]:
    """Train a classifier on x [N, ts, b], y [N]; with `val`, keep the best validation-loss epoch and
    stop after `patience` epochs without improvement."""
    previous = torch.get_num_threads()
    torch.set_num_threads(settings.threads)   # tiny LSTM steps: extra threads only add contention
    try:
        return _train(x, y, config, settings, val)
    finally:
        torch.set_num_threads(previous)


def _train(x: np.ndarray, y: np.ndarray, config: LstmConfig, settings: TrainSettings,
           val: tuple[np.ndarray, np.ndarray] | None) -> tuple[LstmClassifier, History]:
    """The body of `train`."""
    torch.manual_seed(settings.seed)
    dev = device()
    mean, std = band_stats(x)
    model = LstmClassifier(config, mean, std).to(dev)
    weights = class_weights(y, config.n_classes) if settings.use_class_weights else np.ones(config.n_classes)
    loss_fn = nn.CrossEntropyLoss(weight=torch.as_tensor(weights, dtype=torch.float32, device=dev))
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    generator = torch.Generator().manual_seed(settings.seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32), device=dev)
    yt = torch.as_tensor(np.asarray(y, dtype=np.int64), device=dev)
    vx = vy = None
    if val is not None:
        vx = torch.as_tensor(np.asarray(val[0], dtype=np.float32), device=dev)
        vy = torch.as_tensor(np.asarray(val[1], dtype=np.int64), device=dev)
    history, best_loss, best_state, last = History(), np.inf, None, ""
    for epoch in range(1, settings.n_epochs + 1):
        label = f"epoch {epoch}/{settings.n_epochs}{last}"
        loss, acc = _epoch(model, xt, yt, settings, optimiser, loss_fn, generator, label)
        row = {"epoch": epoch, "loss": loss, "accuracy": acc}
        last = f" (previous: loss {loss:.3f}, acc {acc:.3f})"
        if vx is not None:
            row["val_loss"], row["val_accuracy"] = _loss_and_accuracy(model, vx, vy, loss_fn)
            last = f" (previous: loss {loss:.3f}, acc {acc:.3f}, val acc {row['val_accuracy']:.3f})"
            if row["val_loss"] < best_loss - 1e-4:
                best_loss, best_state, history.best_epoch = row["val_loss"], copy.deepcopy(model.state_dict()), epoch
            elif epoch - history.best_epoch >= settings.patience:
                history.epochs.append(row)
                history.stopped_early = True
                LOGGER.info("epoch %d: no validation improvement for %d epochs, stopping; keeping epoch %d",
                            epoch, settings.patience, history.best_epoch)
                break
        history.epochs.append(row)
        LOGGER.info("epoch %d/%d: %s", epoch, settings.n_epochs,
                    ", ".join(f"{k} {v:.4f}" for k, v in row.items() if k != "epoch"))
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = len(history.epochs)
    return model.eval(), history


def evaluate(model: LstmClassifier, x: np.ndarray, y: np.ndarray) -> dict:
    """Metrics of the model on a labelled set."""
    return metrics(np.asarray(y), predict(model, x), model.config.n_classes)
