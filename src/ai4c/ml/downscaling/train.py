"""Training loop of the SR-GAN: critic steps with gradient penalty, generator steps with content + adversarial
loss over a small ensemble; checkpoints every epoch, resume, per-epoch JSON metrics, seeded determinism."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ai4c.core import progress
from ai4c.core.io import atomic_path
from ai4c.ml.device import pick_device
from ai4c.ml.downscaling.losses import (
    adversarial_loss,
    content_loss,
    critic_loss,
    gradient_penalty,
    spectral_loss,
)
from ai4c.ml.downscaling.models import Critic, Generator


@dataclass
class TrainSettings:
    """Hyper-parameters (defaults: the seed's Table 15 where it names one)."""

    generator_filters: int = 64
    critic_filters: int = 32
    residual_blocks: int = 3
    noise_channels: int = 8
    learning_rate: float = 1e-5
    batch_size: int = 128
    epochs: int = 20
    adversarial_loss: str = "wasserstein"
    adversarial_weight: float = 1e-3
    gradient_penalty: float = 10.0
    critic_steps: int = 1
    content_loss: str = "crps"
    content_weight: float = 1.0
    spectral_weight: float = 1.0
    train_ensemble: int = 4
    seed: int = 0
    device: str = "auto"
    threads: int = 0
    max_minutes: float | None = None


@dataclass
class TileData:
    """Normalised training tiles: low-res inputs, static fields per tile position, high-res targets."""

    lowres: np.ndarray
    hires: np.ndarray
    position: np.ndarray
    static: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def set_threads(threads: int) -> None:
    """CPU threads for torch (0 = torch's default); 1 is fastest on a machine shared with other jobs."""
    if threads and threads > 0:
        torch.set_num_threads(int(threads))


def build_models(settings: TrainSettings, n_lowres: int, n_static: int, n_out: int, factor: int,
                 skip_index: list[int]) -> tuple[Generator, Critic]:
    """A generator and a critic with the configured widths."""
    gen = Generator(n_lowres, n_static, n_out, filters=settings.generator_filters,
                    noise_channels=settings.noise_channels, residual_blocks=settings.residual_blocks,
                    factor=factor, skip_index=skip_index)
    critic = Critic(n_lowres, n_static, n_out, filters=settings.critic_filters, factor=factor)
    return gen, critic


def _batch(data: TileData, index: np.ndarray, device: torch.device) -> tuple[torch.Tensor, ...]:
    """Tensors for one mini-batch."""
    lowres = torch.from_numpy(data.lowres[index]).to(device)
    hires = torch.from_numpy(data.hires[index]).to(device)
    static = None if data.static is None else torch.from_numpy(data.static[data.position[index]]).to(device)
    return lowres, hires, static


def _step(gen, critic, opt_g, opt_d, batch, s: TrainSettings, rng: torch.Generator) -> dict[str, float]:
    """One critic update (when the adversarial term is on) and one generator update."""
    lowres, hires, static = batch
    losses: dict[str, float] = {}
    adversarial = s.adversarial_weight > 0
    if adversarial:
        for _ in range(s.critic_steps):
            with torch.no_grad():
                fake = gen(lowres, static, rng)
            real_score, fake_score = critic(hires, lowres, static), critic(fake, lowres, static)
            gp = gradient_penalty(critic, hires, fake, lowres, static, rng)
            loss_d = critic_loss(s.adversarial_loss, real_score, fake_score) + s.gradient_penalty * gp
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            losses.update(critic=loss_d.item(), wasserstein=(real_score.mean() - fake_score.mean()).item())
    m = max(1, s.train_ensemble if s.content_loss != "l1" else 1)
    reps = [t.repeat(m, 1, 1, 1) if t is not None else None for t in (lowres, static)]
    members = gen(reps[0], reps[1], rng).view(m, *hires.shape)
    loss_c = content_loss(s.content_loss if m > 1 else "l1", members, hires)
    loss_g = s.content_weight * loss_c
    if s.spectral_weight > 0:
        loss_s = spectral_loss(members, hires)
        loss_g = loss_g + s.spectral_weight * loss_s
        losses["spectral"] = loss_s.item()
    if adversarial:
        loss_a = adversarial_loss(s.adversarial_loss, critic(hires, lowres, static), critic(members[0], lowres, static))
        loss_g = loss_g + s.adversarial_weight * loss_a
        losses["adversarial"] = loss_a.item()
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    losses.update(content=loss_c.item(), generator=loss_g.item())
    return losses


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Atomic torch.save."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path | str) -> dict[str, Any]:
    """A checkpoint written by `train` (weights, optimiser states, metadata)."""
    return torch.load(Path(path), map_location="cpu", weights_only=False)


def train(data: TileData, settings: TrainSettings, checkpoint: Path, log_path: Path, *,
          skip_index: list[int], factor: int = 8, resume: bool = True) -> list[dict[str, float]]:
    """Train (or resume) and return the per-epoch history; writes the checkpoint after every epoch."""
    device = pick_device(settings.device)
    set_threads(settings.threads)
    torch.manual_seed(settings.seed)
    n_static = 0 if data.static is None else data.static.shape[1]
    gen, critic = build_models(settings, data.lowres.shape[1], n_static, data.hires.shape[1], factor, skip_index)
    gen, critic = gen.to(device), critic.to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=settings.learning_rate, betas=(0.5, 0.99))
    opt_d = torch.optim.Adam(critic.parameters(), lr=settings.learning_rate, betas=(0.5, 0.99))
    rng = torch.Generator(device=device).manual_seed(settings.seed)
    shuffle = np.random.default_rng(settings.seed)
    history: list[dict[str, float]] = []
    first = 0
    if not resume:
        log_path.unlink(missing_ok=True)
    if resume and checkpoint.exists():
        state = load_checkpoint(checkpoint)
        gen.load_state_dict(state["generator"])
        critic.load_state_dict(state["critic"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        rng.set_state(state["rng"])
        shuffle.bit_generator.state = state["shuffle"]
        history, first = state["history"], state["epoch"] + 1
    started = time.perf_counter()
    for epoch in range(first, settings.epochs):
        order = shuffle.permutation(len(data.lowres))
        batches = [order[i:i + settings.batch_size] for i in range(0, len(order), settings.batch_size)]
        sums: dict[str, float] = {}
        tic = time.perf_counter()
        for index in progress.track(batches, f"epoch {epoch + 1}/{settings.epochs} {_fmt(history)}"):
            for key, value in _step(gen, critic, opt_g, opt_d, _batch(data, index, device), settings, rng).items():
                sums[key] = sums.get(key, 0.0) + value * len(index)
        row = {"epoch": epoch + 1, **{k: v / len(order) for k, v in sums.items()},
               "seconds": time.perf_counter() - tic, "tiles_per_second": len(order) / (time.perf_counter() - tic)}
        history.append(row)
        save_checkpoint(checkpoint, {
            "generator": gen.state_dict(), "critic": critic.state_dict(), "opt_g": opt_g.state_dict(),
            "opt_d": opt_d.state_dict(), "rng": rng.get_state(), "shuffle": shuffle.bit_generator.state,
            "epoch": epoch, "history": history, "settings": asdict(settings), "factor": factor,
            "skip_index": skip_index, "shapes": {"lowres": data.lowres.shape[1], "static": n_static,
                                                 "out": data.hires.shape[1]}, "meta": data.meta})
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(row) + "\n")
        if settings.max_minutes and (time.perf_counter() - started) / 60 > settings.max_minutes:
            break
    return history


def _fmt(history: list[dict[str, float]]) -> str:
    """The last epoch's losses for the progress bar."""
    if not history:
        return ""
    last = history[-1]
    return " ".join(f"{k}={last[k]:.3f}" for k in ("content", "spectral", "critic", "adversarial") if k in last)


def generator_from_checkpoint(state: dict[str, Any], device: torch.device | None = None) -> Generator:
    """Rebuild the trained generator (eval mode) from a checkpoint dict."""
    settings = TrainSettings(**state["settings"])
    shapes = state["shapes"]
    gen, _ = build_models(settings, shapes["lowres"], shapes["static"], shapes["out"], state["factor"],
                          state["skip_index"])
    gen.load_state_dict(state["generator"])
    set_threads(settings.threads)
    return gen.to(device or pick_device(settings.device)).eval()


@torch.no_grad()
def sample(gen: Generator, lowres: np.ndarray, static: np.ndarray | None, members: int, seed: int,
           batch_size: int = 64) -> np.ndarray:
    """Ensemble (members, N, C, H, W) of normalised high-res fields, deterministic for a seed."""
    device = next(gen.parameters()).device
    rng = torch.Generator(device=device).manual_seed(seed)
    out = []
    for start in range(0, len(lowres), batch_size):
        lr = torch.from_numpy(lowres[start:start + batch_size]).to(device)
        st = None if static is None else torch.from_numpy(static[start:start + batch_size]).to(device)
        rows = [gen(lr, st, rng).cpu().numpy() for _ in range(members)]
        out.append(np.stack(rows))
    return np.concatenate(out, axis=1)
