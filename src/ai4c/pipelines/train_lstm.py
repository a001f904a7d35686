"""train_lstm (seed §5.2.4, AI4C_LSTMTrain.py): train the LSTM crop classifier on train.npy/y_train.npy.

Writes `<output_dir>/lstm_model.h5` (configuration, normalisation, weights) and `lstm_report.json`
(per-epoch loss/accuracy, and on the validation set: confusion matrix, per-class F1, accuracy).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.core.io import write_text_atomic
from ai4c.core.outputs import check_writable
from ai4c.core.params import validate
from ai4c.pipelines.parameters import TrainLstmParameters
from ai4c.products.timesen2crop import BANDS, CLASSES

MODEL_NAME = "lstm_model.h5"
REPORT_NAME = "lstm_report.json"
PAIRS = (("train.npy", "y_train.npy"), ("val.npy", "y_val.npy"), ("test.npy", "y_test.npy"))


def check_parameters(n_epochs: int, batch_size: int, learning_rate: float, class_weights: int) -> None:
    """Table 10's rules (TrainLstmParameters): n_epochs > 1, batch_size a power of 2 > 2, 0 < learning_rate < 1,
    class_weights 0|1."""
    validate(TrainLstmParameters, {"n_epochs": n_epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                                   "class_weights": class_weights})


def load_set(folder: Path | str, names: tuple[str, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Samples [N, ts, b] and labels [N] from a folder (train.npy/y_train.npy, or for --val the first
    of val.npy, test.npy, train.npy present with its labels)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputNotFoundError(f"{folder} is not a folder; give the folder holding train.npy and y_train.npy")
    candidates = [names] if names else list(PAIRS)
    pair = next((p for p in candidates if (folder / p[0]).exists()), candidates[0])
    for name in pair:
        if not (folder / name).is_file():
            raise InputNotFoundError(f"{folder / name} is missing; {folder} needs {pair[0]} [N, ts, b] and {pair[1]} [N]")
    try:
        x, y = np.load(folder / pair[0]), np.load(folder / pair[1])
    except (ValueError, OSError) as exc:
        raise InvalidProductError(f"cannot read {pair[0]}/{pair[1]} in {folder}: {exc}") from exc
    if x.ndim != 3:
        raise InvalidProductError(f"{folder / pair[0]} has shape {x.shape}; expected [N, ts, b]")
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise InvalidProductError(f"{pair[1]} has {y.shape} labels for {x.shape[0]} samples in {pair[0]}; "
                                  f"give one label per sample")
    if y.size and (not np.issubdtype(y.dtype, np.integer) and not np.all(np.mod(y, 1) == 0)):
        raise InvalidProductError(f"{pair[1]} holds non-integer labels; use TimeSen2Crop codes 0..15")
    bad = np.unique(y[(y < 0) | (y >= len(CLASSES))])
    if bad.size:
        raise InvalidProductError(f"{pair[1]} has labels {bad[:5].tolist()} outside 0..15; use TimeSen2Crop codes")
    if not np.isfinite(x).all():
        raise InvalidProductError(f"{pair[0]} contains NaN or infinite values; fill or drop those samples")
    return x.astype(np.float32), y.astype(np.int64)


def run(input_dir: Path | str, output_dir: Path | str, n_epochs: int = 50, batch_size: int = 32,
        class_weights: int = 0, learning_rate: float = 1e-3, val: Path | str | None = None,
        patience: int = 8, seed: int = 0, hidden: int = 32, layers: int = 1) -> dict:
    """Validate, train, write the .h5 model and the JSON report; returns the report."""
    from ai4c.ml.crops.model import LstmConfig, device, save_model
    from ai4c.ml.crops.training import TrainSettings, evaluate, train

    p = validate(TrainLstmParameters, {"n_epochs": n_epochs, "batch_size": batch_size, "class_weights": class_weights,
                                       "learning_rate": learning_rate, "patience": patience, "seed": seed,
                                       "hidden": hidden, "layers": layers})
    n_epochs, batch_size, class_weights, learning_rate = p.n_epochs, p.batch_size, p.class_weights, p.learning_rate
    output_dir = Path(output_dir)
    x, y = load_set(input_dir, PAIRS[0])
    val_set = load_set(val) if val else None
    if val_set is not None and val_set[0].shape[1:] != x.shape[1:]:
        raise InvalidProductError(f"validation samples are {val_set[0].shape[1:]} (ts, b) but training samples "
                                  f"{x.shape[1:]}; prepare both with the same options")
    check_writable(output_dir / MODEL_NAME)         # a file in the way or an old model without --overwrite
    features = "monthly" if x.shape[1] == 12 else f"{x.shape[1]} steps"
    config = LstmConfig(n_steps=x.shape[1], n_bands=x.shape[2], hidden=hidden, layers=layers,
                        bands=list(BANDS) if x.shape[2] == len(BANDS) else [f"band{i + 1}" for i in range(x.shape[2])],
                        classes=list(CLASSES), features=features)
    settings = TrainSettings(int(n_epochs), int(batch_size), float(learning_rate), bool(class_weights), patience, seed)
    start = time.perf_counter()
    model, history = train(x, y, config, settings, val_set)
    seconds = time.perf_counter() - start
    report = {"input_dir": str(input_dir), "val": str(val) if val else None, "device": str(device()),
              "parameters": {"n_epochs": n_epochs, "batch_size": batch_size, "class_weights": class_weights,
                             "learning_rate": learning_rate, "patience": patience, "seed": seed},
              "n_train": int(x.shape[0]), "train_seconds": seconds,
              "samples_per_second": x.shape[0] * len(history.epochs) / max(seconds, 1e-9),
              "epochs": history.epochs, "best_epoch": history.best_epoch, "stopped_early": history.stopped_early,
              "classes": list(CLASSES), "train_metrics": evaluate(model, x, y)}
    if val_set is not None:
        report["validation"] = evaluate(model, *val_set)
    save_model(model, output_dir / MODEL_NAME, {"report": REPORT_NAME})
    write_text_atomic(output_dir / REPORT_NAME, json.dumps(report, indent=2))
    return report
