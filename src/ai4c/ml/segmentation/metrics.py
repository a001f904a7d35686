"""Confusion matrix, per-class IoU and mIoU over the labelled pixels."""

from __future__ import annotations

import numpy as np


def confusion(target: np.ndarray, pred: np.ndarray, n_classes: int, ignore: int = -1) -> np.ndarray:
    """(n, n) counts: rows truth, columns prediction; pixels with target == ignore skipped."""
    t = np.asarray(target).ravel()
    p = np.asarray(pred).ravel()
    keep = t != ignore
    idx = t[keep].astype(np.int64) * n_classes + p[keep].astype(np.int64)
    return np.bincount(idx, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def iou_per_class(cm: np.ndarray) -> np.ndarray:
    """IoU of each class (NaN where the class is in neither truth nor prediction)."""
    tp = np.diag(cm).astype(np.float64)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def summary(cm: np.ndarray) -> dict:
    """mIoU (over classes present in the truth), overall accuracy, per-class IoU."""
    iou = iou_per_class(cm)
    present = cm.sum(1) > 0
    total = cm.sum()
    return {"miou": float(np.nanmean(iou[present])) if present.any() else 0.0,
            "overall_accuracy": float(np.trace(cm) / total) if total else 0.0,
            "iou_per_class": [None if np.isnan(v) else float(v) for v in iou],
            "pixels": int(total)}
