"""End to end: simulated TimeSen2Crop -> train_lstm; simulated S2 year -> monthlycomposite -> tile_classifier
recovers the truth crop map; bad inputs refused with exit 2 and nothing written."""

from __future__ import annotations

import json
import shutil

import pytest
import rasterio

from ai4c.cli.classify_tile import main
from ai4c.pipelines import monthly_composite
from ai4c.pipelines.classify_tile import run
from ai4c.pipelines.timesen2crop_prepare import prepare
from ai4c.pipelines.train_lstm import run as train
from ai4c.simulate.crops.timesen2crop import simulate_dataset
from ai4c.simulate.s2.series import load_crop_truth, simulate_series


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    root = simulate_dataset(base / "ts", ["32TNT", "33TWN", "33TUM", "33UXP"], samples_per_class=20, seed=5)
    (base / "sets").mkdir()
    prepare(root, base / "sets", val_tiles=["33UXP"], monthly=True)
    (base / "model").mkdir()
    train(base / "sets", base / "model", n_epochs=20, batch_size=64, learning_rate=0.01, val=base / "sets")
    (base / "model" / "lstm_report.json").unlink()
    simulate_series(base / "series", size=96, seed=6, field=16)
    mc = monthly_composite.run(base / "series", base / "mc", season_start=2017, tile="33UVP")
    return base, mc


def model_dir(base, tmp_path, mask=True):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(base / "model" / "lstm_model.h5", folder)
    if mask:
        shutil.copy(base / "series" / "truth" / "crop_mask.tif", folder)
    return folder


def test_recovers_truth_crop_map(chain, tmp_path):
    base, _ = chain
    (tmp_path / "out").mkdir()
    path = run(model_dir(base, tmp_path), tmp_path / "out", base / "mc")
    truth = load_crop_truth(base / "series")
    with rasterio.open(path) as src:
        pred = src.read(1)
        assert src.dtypes[0] == "uint8" and src.nodata == 255 and src.colormap(1)[12][3] == 255
    crop = truth != 255
    assert (pred[crop] == truth[crop]).mean() >= 0.85
    assert (pred[~crop] == 255).all()
    item = json.loads(path.with_name(path.name + ".stac.json").read_text())
    legend = item["properties"]["classification:classes"]
    assert legend[12]["description"] == "Winter Wheat" and legend[-1]["value"] == 255
    assert path.with_suffix(".png").stat().st_size > 1000


def test_without_mask_classifies_everything(chain, tmp_path):
    base, _ = chain
    (tmp_path / "out").mkdir()
    path = run(model_dir(base, tmp_path, mask=False), tmp_path / "out", base / "mc", quicklook=False)
    with rasterio.open(path) as src:
        assert (src.read(1) < 16).all()


def test_blocks_and_reader_thread_give_the_same_map(chain, tmp_path):
    base, _ = chain
    maps = []
    for block in (1024, 64):                 # 64: four windows of 64/32 pixels, read ahead by the reader thread
        out = tmp_path / f"out{block}"
        out.mkdir()
        with rasterio.open(run(model_dir(base, out), out, base / "mc", block=block, quicklook=False)) as src:
            maps.append(src.read(1))
    assert (maps[0] == maps[1]).all() and (maps[0] < 16).sum() > 1000


def bad_case(base, tmp_path, case):
    """Inputs broken in one way."""
    inp = model_dir(base, tmp_path, mask=case != "no model")
    mc = tmp_path / "mc"
    shutil.copytree(base / "mc", mc)
    if case == "no model":
        (inp / "lstm_model.h5").unlink()
    elif case == "missing month":
        next(mc.glob("MC_*_201801.tif")).unlink()
    elif case == "mask grid":
        with rasterio.open(inp / "crop_mask.tif") as src:
            profile, data = src.profile, src.read()
        profile.update(width=profile["width"] - 8)
        with rasterio.open(inp / "crop_mask.tif", "w", **profile) as dst:
            dst.write(data[:, :, :-8])
    elif case == "composite grid":
        path = next(mc.glob("MC_*_201803.tif"))
        with rasterio.open(path) as src:
            profile, data = src.profile, src.read()
        profile.update(transform=profile["transform"] * rasterio.Affine.translation(3, 0))
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data)
    elif case == "bands":
        path = next(mc.glob("MC_*_201709.tif"))
        with rasterio.open(path) as src:
            profile, data = src.profile, src.read()
        profile.update(count=4)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data[:4])
    return inp, mc


@pytest.mark.parametrize(("case", "message"), [
    ("no model", "no model"), ("missing month", "12 monthly"), ("mask grid", "another grid"),
    ("composite grid", "another grid"), ("bands", "bands")])
def test_bad_inputs(chain, tmp_path, capsys, case, message):
    base, _ = chain
    inp, mc = bad_case(base, tmp_path, case)
    (tmp_path / "out").mkdir()
    code = main(["--input_dir", str(inp), "--output_dir", str(tmp_path / "out"), "--mc_dir", str(mc)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err
    assert list((tmp_path / "out").iterdir()) == []
