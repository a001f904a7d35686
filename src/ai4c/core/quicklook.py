"""PNG quick-looks of rasters: RGB or single-band stretches, class maps with a legend."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ai4c.core.outputs import atomic_path


def stretch(values: np.ndarray, low: float = 2, high: float = 98) -> np.ndarray:
    """Percentile stretch to 0..1, NaN kept as NaN."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.full(values.shape, np.nan)
    lo, hi = np.percentile(finite, [low, high])
    return np.clip((values - lo) / ((hi - lo) or 1.0), 0, 1)


def rgb_image(bands: np.ndarray) -> np.ndarray:
    """An (y, x, 4) RGBA image from (3, y, x) reflectances, transparent where any band is NaN."""
    rgb = np.stack([stretch(b.astype("float64")) for b in bands], axis=-1)
    alpha = np.all(np.isfinite(rgb), axis=-1).astype(float)
    return np.dstack([np.nan_to_num(rgb), alpha])


def write_quicklook(data: np.ndarray, path: Path | str, *, title: str | None = None, cmap: str = "viridis",
                    classes: dict[int, tuple[str, str]] | None = None, max_size: int = 1024) -> Path:
    """Write a PNG: (3, y, x) as RGB, (y, x) with `cmap`, or a class map with `classes`
    ({value: (label, colour)}); large rasters are decimated to at most `max_size` pixels a side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    arr = np.asarray(data)
    step = max(1, int(np.ceil(max(arr.shape[-2:]) / max_size)))
    arr = arr[..., ::step, ::step]
    fig, ax = plt.subplots(figsize=(6, 6 * arr.shape[-2] / max(arr.shape[-1], 1) + 0.4), dpi=110)
    if classes:
        values = sorted(classes)
        lut = {v: i for i, v in enumerate(values)}
        index = np.vectorize(lambda v: lut.get(int(v), -1))(np.nan_to_num(arr, nan=-1)).astype(float)
        index[index < 0] = np.nan
        ax.imshow(index, cmap=ListedColormap([classes[v][1] for v in values]), vmin=-0.5,
                  vmax=len(values) - 0.5, interpolation="nearest")
        ax.legend(handles=[Patch(color=classes[v][1], label=f"{v}: {classes[v][0]}") for v in values],
                  loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    elif arr.ndim == 3 and arr.shape[0] >= 3:
        ax.imshow(rgb_image(arr[:3]), interpolation="nearest")
    else:
        img = ax.imshow(arr if arr.ndim == 2 else arr[0], cmap=cmap, interpolation="nearest")
        fig.colorbar(img, ax=ax, fraction=0.046)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)
    return Path(path)
