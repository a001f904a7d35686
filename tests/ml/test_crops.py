"""LSTM crop classifier: HDF5 round trip, class weights, normalisation, learning a toy problem."""

from __future__ import annotations

import numpy as np
import pytest

from ai4c.core.errors import InvalidProductError
from ai4c.ml.crops.model import (
    LstmClassifier,
    LstmConfig,
    band_stats,
    class_weights,
    load_model,
    predict_proba,
    save_model,
)
from ai4c.ml.crops.training import TrainSettings, metrics, train


def toy(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three classes told apart by when band 0 peaks."""
    y = rng.integers(0, 3, n)
    t = np.arange(12)
    x = rng.normal(1000, 50, (n, 12, 2))
    x[..., 0] += 3000 * np.exp(-0.5 * ((t[None] - (3 + 3 * y[:, None])) / 1.2) ** 2)
    return x.astype(np.float32), y


def test_class_weights_inverse_frequency():
    w = class_weights(np.array([0, 0, 0, 1, 2, 2]), 4)
    assert w[3] == 0 and w[1] == pytest.approx(3 * w[0]) and w[2] == pytest.approx(1.5 * w[0])
    assert w[:3].mean() == pytest.approx(1.0)


def test_band_stats():
    x = np.stack([np.full((4, 3), 10.0), np.full((4, 3), 30.0)], axis=-1)
    mean, std = band_stats(x)
    assert mean.tolist() == [10, 30] and std.tolist() == pytest.approx([1e-6, 1e-6])


def test_h5_round_trip(tmp_path):
    config = LstmConfig(n_steps=12, n_bands=2, n_classes=3, hidden=8, layers=2)
    model = LstmClassifier(config, np.array([1.0, 2.0]), np.array([3.0, 4.0])).eval()
    x = np.random.default_rng(0).normal(0, 5, (7, 12, 2)).astype(np.float32)
    save_model(model, tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert loaded.config == config
    np.testing.assert_allclose(predict_proba(loaded, x), predict_proba(model, x), atol=1e-6)
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(InvalidProductError, match="HDF5"):
        load_model(tmp_path / "junk.h5")


def test_learns_toy_problem_and_stops_early():
    rng = np.random.default_rng(1)
    x, y = toy(384, rng)
    vx, vy = toy(128, rng)
    config = LstmConfig(n_steps=12, n_bands=2, n_classes=3, hidden=16, layers=1)
    model, history = train(x, y, config, TrainSettings(n_epochs=40, batch_size=32, learning_rate=0.02, patience=3),
                           (vx, vy))
    result = metrics(vy, predict_proba(model, vx).argmax(1), 3)
    assert result["overall_accuracy"] > 0.95
    assert len(history.epochs) <= 40 and history.epochs[-1]["val_accuracy"] > 0.9
    assert history.stopped_early == (len(history.epochs) < 40)
    assert np.array(result["confusion_matrix"]).sum() == 128


def test_metrics():
    m = metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)
    assert m["overall_accuracy"] == 0.75
    assert m["f1_per_class"][:2] == pytest.approx([2 / 3, 0.8]) and m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]


def test_numba_kernel_equals_pytorch():
    import torch

    from ai4c.ml.crops.infer import classify, pack

    torch.manual_seed(3)
    x = np.random.default_rng(3).normal(1500, 800, (3000, 12, 9)).astype(np.float32)
    for hidden, layers in ((8, 1), (6, 2), (32, 1)):      # 6: remainder of the 4-input unrolling
        model = LstmClassifier(LstmConfig(12, 9, hidden=hidden, layers=layers), np.full(9, 1400.0), np.full(9, 700.0))
        reference = predict_proba(model.eval(), x)
        fast = classify(pack(model), x)
        margin = np.sort(reference, 1)[:, -1] - np.sort(reference, 1)[:, -2]
        clear = margin > 1e-4
        assert (fast[clear] == reference.argmax(1)[clear]).all() and clear.mean() > 0.95


def test_fast_tanh():
    from ai4c.ml.crops.infer import fast_tanh

    z = np.linspace(-20, 20, 4001)
    assert np.abs(np.array([fast_tanh(v) for v in z]) - np.tanh(z)).max() < 1e-6


def test_kernel_takes_uint16_composites():
    import torch

    from ai4c.ml.crops.infer import classify_tbn, pack

    torch.manual_seed(4)
    model = LstmClassifier(LstmConfig(12, 9, hidden=8), np.full(9, 1400.0), np.full(9, 700.0))
    x = np.random.default_rng(4).integers(0, 4000, (12, 9, 500)).astype(np.uint16)
    packed = pack(model)
    assert (classify_tbn(packed, x) == classify_tbn(packed, x.astype(np.float32))).all()
