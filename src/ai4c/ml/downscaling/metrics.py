"""Verification of downscaled fields: RMSE, MAE, ensemble CRPS, rank histogram and its flatness, power
spectra and log-spectral distance, and the bilinear/bicubic interpolation baselines."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def rmse(pred: np.ndarray, truth: np.ndarray) -> float:
    """Root-mean-square error."""
    return float(np.sqrt(np.mean((np.asarray(pred, "float64") - truth) ** 2)))


def mae(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(pred, "float64") - truth)))


def crps_ensemble(members: np.ndarray, truth: np.ndarray) -> float:
    """Mean CRPS of an ensemble (members on axis 0) against the truth: E|X-y| - E|X-X'|/2."""
    ens = np.sort(np.asarray(members, "float64"), axis=0)
    m = ens.shape[0]
    skill = np.abs(ens - truth[None]).mean(axis=0)
    weights = (2 * np.arange(1, m + 1) - m - 1).reshape((m,) + (1,) * truth.ndim)
    spread = (weights * ens).sum(axis=0) / m**2
    return float(np.mean(skill - spread))


def rank_histogram(members: np.ndarray, truth: np.ndarray, seed: int = 0) -> np.ndarray:
    """Relative frequency of the truth's rank among the m members (m + 1 bins, ties broken at random)."""
    ens = np.asarray(members).reshape(members.shape[0], -1)
    obs = np.asarray(truth).reshape(-1)
    below = (ens < obs).sum(axis=0)
    ties = (ens == obs).sum(axis=0)
    rng = np.random.default_rng(seed)
    rank = below + np.floor(rng.random(obs.size) * (ties + 1)).astype(int)
    counts = np.bincount(rank, minlength=ens.shape[0] + 1).astype("float64")
    return counts / counts.sum()


def flatness(hist: np.ndarray) -> dict[str, float]:
    """Largest bin over the uniform frequency, and the reliability index (sum of |f - 1/(m+1)|)."""
    uniform = 1.0 / len(hist)
    return {"max_bin_ratio": float(hist.max() / uniform), "reliability_index": float(np.abs(hist - uniform).sum())}


def power_spectrum(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged power spectrum of square fields (..., n, n), averaged over leading axes."""
    data = np.asarray(fields, "float64")
    n = data.shape[-1]
    data = data.reshape(-1, data.shape[-2], n)
    data = data - data.mean(axis=(-2, -1), keepdims=True)
    power = np.abs(np.fft.fft2(data)) ** 2 / n**2
    ky, kx = np.meshgrid(np.fft.fftfreq(n) * n, np.fft.fftfreq(data.shape[-2]) * data.shape[-2], indexing="xy")
    radius = np.rint(np.hypot(kx, ky)).astype(int)
    bins = np.arange(1, n // 2 + 1)
    spectrum = np.array([power[:, radius == k].mean() for k in bins])
    return bins.astype("float64"), spectrum


def log_spectral_distance(pred: np.ndarray, truth: np.ndarray) -> float:
    """RMS over wavenumbers of 10 log10 of the ratio of mean power spectra (dB)."""
    _, p = power_spectrum(pred)
    _, t = power_spectrum(truth)
    return float(np.sqrt(np.mean((10 * np.log10(p / t)) ** 2)))


def interpolate(lowres: np.ndarray, factor: int, method: str) -> np.ndarray:
    """Bilinear or bicubic upsampling of (..., h, w) cell-mean fields onto the nested high-res grid."""
    data = torch.from_numpy(np.ascontiguousarray(lowres, "float32"))
    shape = data.shape
    flat = data.reshape(-1, 1, shape[-2], shape[-1])
    out = F.interpolate(flat, scale_factor=factor, mode=method, align_corners=False)
    return out.reshape(*shape[:-2], shape[-2] * factor, shape[-1] * factor).numpy()


def evaluate(members: np.ndarray, truth: np.ndarray, lowres: np.ndarray, factor: int,
             tile: int | None = None) -> dict:
    """Every score of the ensemble and of both interpolations; members (m, T, H, W), truth (T, H, W)."""
    mean = members.mean(axis=0)
    tiles = (lambda a: _tiles(a, tile)) if tile else (lambda a: a)
    hist = rank_histogram(members, truth)
    result = {"ensemble": {"crps": crps_ensemble(members, truth), "rmse_mean": rmse(mean, truth),
                           "mae_mean": mae(mean, truth), "spread": float(members.std(axis=0).mean()),
                           "lsd": log_spectral_distance(tiles(members), tiles(truth)),
                           "rank_histogram": hist.tolist(), **flatness(hist)}}
    for method in ("bilinear", "bicubic"):
        base = interpolate(lowres, factor, method)
        result[method] = {"rmse": rmse(base, truth), "mae": mae(base, truth),
                          "lsd": log_spectral_distance(tiles(base), tiles(truth))}
    ens, bic = result["ensemble"], result["bicubic"]
    result["ratios_to_bicubic"] = {"crps_over_mae": ens["crps"] / bic["mae"], "lsd": ens["lsd"] / bic["lsd"],
                                   "rmse": ens["rmse_mean"] / bic["rmse"]}
    return result


def _tiles(fields: np.ndarray, tile: int) -> np.ndarray:
    """Cut (..., H, W) into (..., ny, nx, tile, tile) square blocks for spectra."""
    h, w = fields.shape[-2:]
    ny, nx = h // tile, w // tile
    cut = fields[..., :ny * tile, :nx * tile]
    cut = cut.reshape(*fields.shape[:-2], ny, tile, nx, tile)
    return np.moveaxis(cut, -3, -2)
