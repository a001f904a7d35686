"""Evaluation plots: maps (truth, bicubic, a member, ensemble mean, spread), power spectra, rank histogram."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ai4c.core.io import atomic_path
from ai4c.ml.downscaling.metrics import interpolate, power_spectrum


def _save(fig, path: Path) -> str:
    """Atomic PNG write."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, bbox_inches="tight", format="png")
    plt.close(fig)
    return str(path)


def plot_maps(members: np.ndarray, truth: np.ndarray, low: np.ndarray, factor: int, path: Path, when: int = 0) -> str:
    """Five maps of one time step on a shared colour scale, plus the spread."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bicubic = interpolate(low[when], factor, "bicubic")
    panels = [("truth", truth[when]), ("bicubic", bicubic), ("member 1", members[0, when]),
              ("ensemble mean", members[:, when].mean(0)), ("ensemble spread", members[:, when].std(0))]
    vmax = float(np.nanpercentile(truth[when], 99.5))
    fig, axes = plt.subplots(1, 5, figsize=(18, 3.6))
    for ax, (title, field) in zip(axes, panels, strict=True):
        spread = title.endswith("spread")
        im = ax.imshow(field, origin="lower", cmap="magma" if spread else "viridis", vmin=0,
                       vmax=None if spread else vmax)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, shrink=0.8, label="µg m-3")
    return _save(fig, path)


def plot_spectra(members: np.ndarray, truth: np.ndarray, low: np.ndarray, factor: int, tile: int, path: Path) -> str:
    """Mean radially averaged power spectra of truth, ensemble members, bilinear and bicubic."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ai4c.ml.downscaling.metrics import _tiles

    fig, ax = plt.subplots(figsize=(5.5, 4))
    curves = [("truth", truth), ("SR-GAN members", members)]
    curves += [(m, interpolate(low, factor, m)) for m in ("bilinear", "bicubic")]
    for label, fields in curves:
        k, p = power_spectrum(_tiles(fields, tile))
        ax.loglog(k, p, label=label)
    ax.set_xlabel("wavenumber (cycles per tile)")
    ax.set_ylabel("power")
    ax.legend()
    return _save(fig, path)


def plot_rank_histogram(hist: list[float], path: Path) -> str:
    """Rank histogram with the uniform frequency and the 2x-uniform limit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.bar(np.arange(len(hist)), hist, color="tab:blue")
    ax.axhline(1 / len(hist), color="k", ls="--", label="uniform")
    ax.axhline(2 / len(hist), color="r", ls=":", label="2x uniform")
    ax.set_xlabel("rank of the truth among the members")
    ax.set_ylabel("frequency")
    ax.legend()
    return _save(fig, path)


def plot_all(data: dict, report: dict, folder: Path, factor: int, tag: str) -> dict[str, str]:
    """Every plot for every variable; returns {label: path}."""
    out = {}
    for name, (members, truth, low) in data.items():
        tile = min(64, truth.shape[-1], truth.shape[-2])
        out[f"{name}_maps"] = plot_maps(members, truth, low, factor, folder / f"{name}_maps_{tag}.png")
        out[f"{name}_spectra"] = plot_spectra(members, truth, low, factor, tile, folder / f"{name}_spectra_{tag}.png")
        out[f"{name}_rank_histogram"] = plot_rank_histogram(report[name]["ensemble"]["rank_histogram"],
                                                            folder / f"{name}_rank_histogram_{tag}.png")
    return out
