"""Demo: crop-type mapping. Simulated TimeSen2Crop -> train_lstm (unseen-tile accuracy); a simulated
S2 year -> monthlycomposite -> tile_classifier, compared with the truth crop map."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 40
TITLE = "Crop-type mapping (TimeSen2Crop, train_lstm, tile_classifier)"


def _train(workdir: Path) -> dict:
    """Simulate 5 tiles, train on 3, validate on 1, test on the unseen 4th; returns test metrics."""
    from ai4c.ml.crops.model import load_model
    from ai4c.ml.crops.training import evaluate
    from ai4c.pipelines.timesen2crop_prepare import prepare
    from ai4c.pipelines.train_lstm import run as train
    from ai4c.simulate.crops.timesen2crop import simulate_dataset

    root = simulate_dataset(workdir / "timesen2crop", ["32TNT", "33TWN", "33TUM", "33UWP", "33UXP"],
                            samples_per_class=30)
    sets = workdir / "sets"
    sets.mkdir()
    prepare(root, sets, val_tiles=["33UWP"], test_tiles=["33UXP"], monthly=True)
    (workdir / "model").mkdir()
    train(sets, workdir / "model", n_epochs=20, batch_size=64, learning_rate=0.01, val=sets)
    model = load_model(workdir / "model" / "lstm_model.h5")
    return evaluate(model, np.load(sets / "test.npy"), np.load(sets / "y_test.npy"))


def _map(workdir: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """Simulate a year over fields, composite it, classify it; returns the map path, prediction and truth."""
    import rasterio

    from ai4c.core.quicklook import write_quicklook
    from ai4c.pipelines import monthly_composite
    from ai4c.pipelines.classify_tile import legend, run
    from ai4c.simulate.s2.series import load_crop_truth, simulate_series

    simulate_series(workdir / "series", size=128, seed=1, field=20)
    monthly_composite.run(workdir / "series", workdir / "composites", season_start=2017, tile="33UVP")
    inputs = workdir / "classifier_input"
    inputs.mkdir()
    shutil.copy(workdir / "model" / "lstm_model.h5", inputs)
    shutil.copy(workdir / "series" / "truth" / "crop_mask.tif", inputs)
    (workdir / "map").mkdir()
    path = run(inputs, workdir / "map", workdir / "composites")
    truth = load_crop_truth(workdir / "series")
    write_quicklook(np.where(truth == 255, np.nan, truth), workdir / "truth.png", title="truth crop map",
                    classes=legend())
    with rasterio.open(path) as src:
        return path, src.read(1), truth


def run(workdir: Path) -> Section:
    """Train, map, compare with the truth."""
    section = Section(TITLE)
    metrics = _train(workdir)
    path, pred, truth = _map(workdir)
    crop = truth != 255
    accuracy = float((pred[crop] == truth[crop]).mean())
    section.paragraphs += [
        "A simulated TimeSen2Crop (5 tiles in the real folder layout, 16 classes with their own phenology, "
        "per-tile timing shifts, clouds/shadows/snow flagged) is turned into monthly medians "
        "(<code>ai4c timesen2crop prepare --monthly</code>); <code>train_lstm</code> trains on 3 tiles, stops on a "
        "4th and is tested on the unseen 5th.",
        "A simulated Sentinel-2 year over 128 x 128 px of crop fields (REFBOA/LAI with clouds as invalid LAI, "
        "<code>ai4c simulate s2-series</code>) goes through <code>monthlycomposite</code> and "
        "<code>tile_classifier</code> with the truth crop mask; the map is compared with the truth fields.",
    ]
    section.check("unseen-tile overall accuracy", metrics["overall_accuracy"], ">= 0.90", metrics["overall_accuracy"] >= 0.9)
    section.check("unseen-tile macro-F1", metrics["macro_f1"], ">= 0.85", metrics["macro_f1"] >= 0.85)
    section.check("crop map accuracy vs truth (classified pixels)", accuracy, ">= 0.85", accuracy >= 0.85)
    section.check("non-crop pixels left unclassified (255)", float((pred[~crop] == 255).mean()), "== 1",
                  bool((pred[~crop] == 255).all()))
    section.images += [(f"{workdir.name}/map/{path.with_suffix('.png').name}", "tile_classifier output"),
                       (f"{workdir.name}/truth.png", "truth crop map")]
    return section
