"""Training loop: seeded determinism, checkpoint + resume, relativistic and energy-score options."""

from __future__ import annotations

import json

import numpy as np
import torch

from ai4c.ml.downscaling.train import (
    TileData,
    TrainSettings,
    generator_from_checkpoint,
    load_checkpoint,
    train,
)


def _data():
    rng = np.random.default_rng(0)
    lowres = rng.normal(size=(12, 2, 8, 8)).astype("float32")
    hires = np.repeat(np.repeat(lowres[:, :1], 8, 2), 8, 3) + 0.1 * rng.normal(size=(12, 1, 64, 64)).astype("float32")
    return TileData(lowres, hires.astype("float32"), np.arange(12) % 2, rng.random((2, 1, 64, 64)).astype("float32"))


def _settings(**kw):
    base = {"generator_filters": 8, "critic_filters": 8, "residual_blocks": 1, "batch_size": 6, "epochs": 1,
            "learning_rate": 1e-3, "train_ensemble": 2, "threads": 1}
    return TrainSettings(**{**base, **kw})


def test_same_seed_same_weights_and_resume(tmp_path):
    data = _data()
    one = train(data, _settings(), tmp_path / "a.pt", tmp_path / "a.jsonl", skip_index=[0], resume=False)
    same = train(data, _settings(), tmp_path / "b.pt", tmp_path / "b.jsonl", skip_index=[0], resume=False)
    wa, wb = load_checkpoint(tmp_path / "a.pt")["generator"], load_checkpoint(tmp_path / "b.pt")["generator"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert one[0]["content"] == same[0]["content"]
    resumed = train(data, _settings(epochs=3), tmp_path / "a.pt", tmp_path / "a.jsonl", skip_index=[0])
    assert [r["epoch"] for r in resumed] == [1, 2, 3] and resumed[0] == one[0]
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 3
    straight = train(data, _settings(epochs=3), tmp_path / "c.pt", tmp_path / "c.jsonl", skip_index=[0])
    assert json.dumps(straight[-1]["content"]) == json.dumps(resumed[-1]["content"])


def test_relativistic_and_energy_options_train(tmp_path):
    history = train(_data(), _settings(adversarial_loss="relativistic", content_loss="energy", epochs=2),
                    tmp_path / "r.pt", tmp_path / "r.jsonl", skip_index=[0], resume=False)
    assert all(np.isfinite(v) for row in history for v in row.values())
    gen = generator_from_checkpoint(load_checkpoint(tmp_path / "r.pt"))
    assert gen(torch.zeros(1, 2, 8, 8), torch.zeros(1, 1, 64, 64)).shape == (1, 1, 64, 64)
