"""SR-GAN generator and critic: shapes, noise, determinism, losses."""

from __future__ import annotations

import pytest
import torch

from ai4c.ml.downscaling.losses import crps_ensemble_loss, energy_score_loss, spectral_loss
from ai4c.ml.downscaling.models import Critic, Generator


def test_shapes_noise_and_seed_determinism():
    torch.manual_seed(0)
    gen = Generator(8, 2, 1, filters=16, residual_blocks=1, skip_index=[0])
    critic = Critic(8, 2, 1, filters=16)
    lowres, static = torch.randn(3, 8, 8, 8), torch.rand(3, 2, 64, 64)
    a = gen(lowres, static, torch.Generator().manual_seed(5))
    b = gen(lowres, static, torch.Generator().manual_seed(5))
    c = gen(lowres, static, torch.Generator().manual_seed(6))
    assert a.shape == (3, 1, 64, 64)
    assert torch.equal(a, b) and not torch.allclose(a, c)
    assert critic(a, lowres, static).shape == (3,)


def test_skip_connection_reproduces_the_lowres_mean_scale():
    gen = Generator(1, 0, 1, filters=8, residual_blocks=0, skip_index=[0])
    for p in gen.parameters():
        torch.nn.init.zeros_(p)
    lowres = torch.full((1, 1, 8, 8), 2.5)
    assert torch.allclose(gen(lowres, None), torch.full((1, 1, 64, 64), 2.5))


def test_losses_reward_a_calibrated_ensemble():
    torch.manual_seed(1)
    truth = torch.randn(4, 1, 16, 16)
    good = torch.randn(6, 4, 1, 16, 16)
    narrow = 0.1 * torch.randn(6, 4, 1, 16, 16)
    assert crps_ensemble_loss(good, truth) < crps_ensemble_loss(narrow, truth)
    assert energy_score_loss(good, truth) < energy_score_loss(narrow, truth)
    assert spectral_loss(good, truth) < spectral_loss(narrow, truth)
    assert crps_ensemble_loss(truth.expand(2, -1, -1, -1, -1), truth) == pytest.approx(0.0)
