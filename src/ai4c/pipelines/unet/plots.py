"""Confusion matrix picture of a validation run."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ai4c.core.io import atomic_path


def plot_confusion(cm: np.ndarray, class_values: list[int], path: Path, title: str) -> Path:
    """Row-normalised confusion matrix (truth rows, predicted columns) with the counts' shares printed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = cm.sum(1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros(cm.shape, float), where=rows > 0)
    n = len(class_values)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * n, 0.8 + 0.6 * n))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, f"{share[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(n), [str(v) for v in class_values])
    ax.set_yticks(range(n), [str(v) for v in class_values])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, bbox_inches="tight", format="png")
    plt.close(fig)
    return path
