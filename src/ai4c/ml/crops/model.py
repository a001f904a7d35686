"""LSTM crop-type classifier of pixel time series (PyTorch; CUDA when present, CPU otherwise).

The model reads a [N, ts, b] series, normalises every band with the training statistics stored with
it, runs a stacked LSTM and classifies the last hidden state. `save_model`/`load_model` keep the
configuration, normalisation and weights in one HDF5 file (h5py), the format of AI4C_LSTMTrain.py's .h5.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ai4c.core.errors import InvalidProductError
from ai4c.core.io import atomic_path
from ai4c.ml.device import pick_device

FORMAT = "ai4c-lstm-1"


@dataclass
class LstmConfig:
    """Architecture and data description of a crop classifier."""

    n_steps: int
    n_bands: int
    n_classes: int = 16
    hidden: int = 32
    layers: int = 1
    dropout: float = 0.2
    bands: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    features: str = ""


class LstmClassifier(nn.Module):
    """Normalise -> stacked LSTM -> linear head on the last hidden state."""

    def __init__(self, config: LstmConfig, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, dtype=np.float32)))
        self.register_buffer("std", torch.as_tensor(np.asarray(std, dtype=np.float32)))
        self.lstm = nn.LSTM(config.n_bands, config.hidden, num_layers=config.layers, batch_first=True,
                            dropout=config.dropout if config.layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(config.hidden, config.n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits [N, n_classes] of raw series x [N, ts, b]."""
        z = (x - self.mean) / self.std
        out, _ = self.lstm(z)
        return self.head(out[:, -1, :])


def device() -> torch.device:
    """CUDA when available, else CPU."""
    return pick_device("auto")


def band_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-band mean and standard deviation over samples and time steps (std floored at 1e-6)."""
    flat = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1])
    return flat.mean(0).astype(np.float32), np.maximum(flat.std(0), 1e-6).astype(np.float32)


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Inverse class frequencies normalised to mean 1 over the classes present (0 for absent ones)."""
    counts = np.bincount(y, minlength=n_classes).astype(float)
    weights = np.where(counts > 0, counts.sum() / np.maximum(counts, 1), 0.0)
    return weights / weights[counts > 0].mean()


@torch.no_grad()
def predict_proba(model: LstmClassifier, x: np.ndarray, batch: int = 8192) -> np.ndarray:
    """Class probabilities [N, n_classes] of series x [N, ts, b], in batches."""
    model.eval()
    dev = next(model.parameters()).device
    out = np.empty((x.shape[0], model.config.n_classes), dtype=np.float32)
    for start in range(0, x.shape[0], batch):
        chunk = torch.as_tensor(np.asarray(x[start:start + batch], dtype=np.float32), device=dev)
        out[start:start + batch] = torch.softmax(model(chunk), dim=1).cpu().numpy()
    return out


def predict(model: LstmClassifier, x: np.ndarray, batch: int = 8192) -> np.ndarray:
    """Most likely class of each series."""
    return predict_proba(model, x, batch).argmax(1)


def save_model(model: LstmClassifier, path: Path | str, extra: dict | None = None) -> Path:
    """Write configuration, normalisation and weights into one HDF5 file, atomically."""
    import h5py

    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["format"] = FORMAT
        h5.attrs["config"] = json.dumps(asdict(model.config))
        h5.attrs["extra"] = json.dumps(extra or {})
        h5.create_dataset("normalisation/mean", data=model.mean.cpu().numpy())
        h5.create_dataset("normalisation/std", data=model.std.cpu().numpy())
        for name, tensor in model.state_dict().items():
            if name not in ("mean", "std"):
                h5.create_dataset(f"weights/{name}", data=tensor.cpu().numpy())
    return Path(path)


def load_model(path: Path | str) -> LstmClassifier:
    """Rebuild a classifier from its HDF5 file (on the best device)."""
    import h5py

    try:
        with h5py.File(path, "r") as h5:
            if h5.attrs.get("format") != FORMAT:
                raise InvalidProductError(f"{path} is not an ai4c LSTM model (format {h5.attrs.get('format')!r}); "
                                          f"train one with train_lstm")
            config = LstmConfig(**json.loads(h5.attrs["config"]))
            mean, std = h5["normalisation/mean"][()], h5["normalisation/std"][()]
            state: dict[str, np.ndarray] = {}
            h5["weights"].visititems(lambda name, obj: state.update({name: obj[()]})
                                     if isinstance(obj, h5py.Dataset) else None)
    except OSError as exc:
        raise InvalidProductError(f"{path} is not a readable HDF5 model ({exc}); give the .h5 of train_lstm") from exc
    model = LstmClassifier(config, mean, std)
    tensors = {k: torch.as_tensor(v) for k, v in state.items()}
    tensors.update({"mean": model.mean, "std": model.std})
    model.load_state_dict(tensors)
    return model.to(device()).eval()
