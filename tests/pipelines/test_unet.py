"""`ai4c unet` end to end on simulated labelled S2 tiles (known land-cover truth): extract_data, train,
predict (PyTorch and ONNX), full, pretrain, SEN12MS layout and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
import rasterio
import torch

from ai4c.simulate.s2.segmentation import scene_arrays, simulate_segmentation, simulate_sen12ms

torch.set_num_threads(1)
BANDS = "B2,B3,B4,B8"
CLASSES = "1,2,3,4,5,6"
TINY = ["-patch_size", "64", "-width", "8", "-depth", "1,1,1,1", "-threads", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two simulated 256 x 256 tiles, `-action full` with a tiny U-Net (the model the other tests reuse)."""
    from ai4c.cli.main import main

    root = tmp_path_factory.mktemp("unet")
    simulate_segmentation(root / "data", tiles=2, size=256, seed=0)
    out = root / "full"
    code = main(["unet", "-action", "full", "-input_dir", str(root / "data"), "-output_dir", str(out), "-bands", BANDS,
                 "-selected-classes", CLASSES, "-b", "8", "-epochs", "30", "-lr", "0.003", "-patience", "30",
                 "-lr_schedule", "constant",
                 "-data_aug", "True", "--quiet", *TINY])
    assert code == 0
    return root, out


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def test_extract_data_splits_spatially_and_records_statistics(trained):
    root, out = trained
    manifest = json.loads((out / "dataset.json").read_text())
    # 256-row tiles, patch 64: the southern 64-row strip is validation (4 patches a tile), the rest 12 a tile
    assert manifest["patches"] == {"train": 24, "val": 8}
    with h5py.File(out / "train.h5") as tr, h5py.File(out / "val.h5") as va:
        assert tr["images"].shape == (24, 4, 64, 64) and va["labels"].shape == (8, 64, 64)
        assert tr["origin"][:, 0].max() + 64 <= 192 and va["origin"][:, 0].min() >= 192
        images, origin, source = tr["images"][...], tr["origin"][...], tr["source"][...].astype(str)
    with rasterio.open(root / "data" / "images" / source[5]) as src:
        r, c = origin[5]
        assert np.array_equal(images[5], src.read(window=((r, r + 64), (c, c + 64))).astype(np.float32))
    assert np.allclose(manifest["mean"], images.mean(axis=(0, 2, 3)), rtol=1e-5)
    assert np.allclose(manifest["std"], images.std(axis=(0, 2, 3)), rtol=1e-4)


def test_full_learns_the_land_cover(trained):
    """Held-out map against the simulator's own truth: a broken model stays below ~0.2 mIoU."""
    from sklearn.metrics import jaccard_score

    root, out = trained
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["validation"]["miou"] >= 0.55
    assert (out / "confusion_matrix.png").stat().st_size > 1000
    _, landcover, crs, transform = scene_arrays(256, 1, ("B2",), offset=256)
    with rasterio.open(out / "predictions" / "scene_001.tif") as src:
        pred = src.read(1)
        assert src.crs == crs and src.dtypes[0] == "uint8" and pred.shape == (64, 256)
        assert src.transform.almost_equals(transform * transform.translation(0, 192))
    truth = landcover[192:]
    present = np.unique(truth)
    score = jaccard_score(truth.ravel(), pred.ravel(), labels=present, average="macro")
    assert score >= 0.5
    assert metrics["heldout"]["miou"] >= 0.5
    assert (pred == truth).mean() >= 0.8


def _torch_and_onnx_logits(model, x: np.ndarray, onnx_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Logits of `model` for `x` from PyTorch and from its ONNX export at `onnx_path` (onnxruntime, CPU)."""
    import onnxruntime as ort

    from ai4c.pipelines.unet import model_io

    model_io.save_model(model, onnx_path, "onnx")
    with torch.no_grad():
        ref = model.eval()(torch.from_numpy(x)).numpy()
    got = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"]).run(None, {"bands": x})[0]
    return ref, got


def test_predict_pytorch_and_onnx_agree(trained, tmp_path, run_cli):
    from ai4c.ml.segmentation.unet import UNet, UNetConfig

    root, out = trained
    loaded = torch.load(out / "unet.pt", weights_only=True)
    model = UNet(UNetConfig.from_dict(loaded["config"]))
    model.load_state_dict(loaded["state_dict"])
    onnx_path = tmp_path / "unet.onnx"
    with rasterio.open(root / "data" / "images" / "scene_000.tif") as src:
        x = src.read(window=((0, 128), (0, 192))).astype(np.float32)[None]
    ref, got = _torch_and_onnx_logits(model, x, onnx_path)
    assert np.abs(got - ref).max() <= 1e-4
    assert (got.argmax(1) == ref.argmax(1)).mean() >= 0.999
    maps = {}
    for name, path in (("pt", out / "unet.pt"), ("onnx", onnx_path)):
        code, _, err = run_cli("unet", "-action", "predict", "-input_dir", root / "data", "-output_dir", tmp_path / name,
                               "-model_file", path, "-probabilities", "True", "--quiet", "-threads", "1")
        assert code == 0, err
        with rasterio.open(tmp_path / name / "scene_000.tif") as src, \
                rasterio.open(root / "data" / "images" / "scene_000.tif") as ref_src:
            maps[name] = src.read(1)
            assert src.transform == ref_src.transform and src.crs == ref_src.crs and maps[name].shape == (256, 256)
    assert (maps["pt"] == maps["onnx"]).mean() >= 0.999
    with rasterio.open(tmp_path / "pt" / "scene_000_proba.tif") as src:
        proba = src.read()
    assert proba.shape == (7, 256, 256)
    values = np.array([0, 1, 2, 3, 4, 5, 6])
    assert (values[proba.argmax(0)] == maps["pt"]).mean() >= 0.99
    assert np.abs(proba.astype(int).sum(0) - 255).max() <= 4


def test_train_onnx_and_pretrained_backbone(trained, tmp_path, run_cli):
    """pretrain (pixel clustering by default; MoCo v2, pixel contrast or masked reconstruction on request) writes a
    backbone whose encoder `-pretrained True` loads (and its decoder with -pretrained_decoder True); train writes
    an ONNX model."""
    root, out = trained
    work = tmp_path / "m"
    for method, name, lr, decoder in (("moco", "MoCo v2", 0.03, False), ("masked", "masked reconstruction", 0.002, True),
                                      ("dense", "pixel contrast", 0.002, True)):
        code, _, err = run_cli("unet", "pretrain", "-input_dir", root / "data", "-output_dir", tmp_path / method,
                               "-bands", BANDS, "-ssl_method", method, "-epochs", "1", "-b", "8", "--quiet", *TINY)
        assert code == 0, err
        report = json.loads((tmp_path / method / "pretrain.json").read_text())
        assert report["method"] == name and report["settings"]["lr"] == lr
        assert ("decoder" in torch.load(tmp_path / method / "backbone.pt", weights_only=True)) == decoder
    code, stdout, err = run_cli("unet", "pretrain", "-input_dir", root / "data", "-output_dir", work, "-bands", BANDS,
                                "-epochs", "2", "-b", "8", "--quiet", *TINY)
    assert code == 0, err
    report = json.loads((work / "pretrain.json").read_text())
    assert report["patches"] == 32 and report["method"] == "pixel clustering" and report["settings"]["lr"] == 0.002
    assert report["settings"]["clusters"] == 32 and report["history"][-1]["loss"] < report["history"][0]["loss"]
    code, stdout, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", work, "-bands", BANDS,
                                "-selected-classes", CLASSES, "-epochs", "1", "-b", "8", "-pretrained", "True",
                                "-model_format", "onnx", "--quiet", *TINY)
    assert code == 0, err
    metrics = json.loads((work / "metrics.json").read_text())
    n_decoder = len(torch.load(work / "backbone.pt", weights_only=True)["decoder"])
    assert metrics["pretrained"]["tensors"] > 50 and "decoder_tensors" not in metrics["pretrained"]
    assert (work / "unet.onnx").exists()
    from ai4c.pipelines.unet.model_io import load_model

    onnx = load_model(work / "unet.onnx", "cpu")
    assert onnx.kind == "onnx" and onnx.config.bands == BANDS.split(",")
    assert onnx.predict(np.zeros((1, 4, 64, 64), np.float32)).shape == (1, 7, 64, 64)
    for backbone, decoder, loaded in ((work, "True", n_decoder), (tmp_path / "dense", "True", n_decoder),
                                      (tmp_path / "masked", "False", None)):
        target = tmp_path / f"t_{backbone.name}"
        code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", target,
                               "-bands", BANDS, "-selected-classes", CLASSES, "-epochs", "1", "-b", "8", "-pretrained",
                               backbone / "backbone.pt", "-pretrained_decoder", decoder, "--quiet", *TINY)
        assert code == 0, err
        info = json.loads((target / "metrics.json").read_text())["pretrained"]
        assert info.get("decoder_tensors") == loaded
    code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", tmp_path / "no_decoder",
                           "-bands", BANDS, "-selected-classes", CLASSES, "-epochs", "1", "-pretrained",
                           tmp_path / "moco" / "backbone.pt", "-pretrained_decoder", "True", "--quiet", *TINY)
    assert code == 2 and "holds no pre-trained decoder" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "no_decoder" / "unet.pt").exists()


def test_sen12ms_layout_and_simplified_classes(tmp_path, run_cli):
    simulate_sen12ms(tmp_path / "sen12ms", scenes=5, patches=1, size=64, seed=3)
    code, _, err = run_cli("unet", "-action", "extract_data", "-input_dir", tmp_path / "sen12ms", "-output_dir",
                           tmp_path / "ds", "-bands", "B2,B3,B4,B8A,B11", "-simplified", "True", "-patch_size", "64",
                           "--quiet")
    assert code == 0, err
    manifest = json.loads((tmp_path / "ds" / "dataset.json").read_text())
    assert sum(manifest["patches"].values()) == 5 and manifest["patches"]["val"] == 1
    igbp_to_simple = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2}  # DFC2020 simplification of the IGBP codes
    counts: dict[int, int] = {}
    for k in range(5):
        _, lc, _, _ = scene_arrays(64, 3 + k, ("B2",))
        for v, n in zip(*np.unique(lc, return_counts=True), strict=True):
            counts[igbp_to_simple[int(v)]] = counts.get(igbp_to_simple[int(v)], 0) + int(n)
    got: dict[int, int] = {}
    for split in ("train", "val"):
        for v, n in manifest["label_counts"][split].items():
            got[int(v)] = got.get(int(v), 0) + n
    assert got == counts
    with h5py.File(tmp_path / "ds" / "train.h5") as h5:
        first = h5["images"][0]
        name = h5["source"][0].decode()
    k = int(name.split("_s2_")[1].split("_")[0])
    with rasterio.open(next((tmp_path / "sen12ms").rglob(name))) as src:
        assert np.array_equal(first, src.read([2, 3, 4, 9, 12]).astype(np.float32))
        assert k >= 1


def _write(path: Path, data: np.ndarray, transform=None, descriptions=None) -> None:
    from rasterio.transform import from_origin

    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, crs="EPSG:32633", transform=transform or from_origin(0, 0, 10, 10)) as dst:
        dst.write(data)
        for i, d in enumerate(descriptions or [], 1):
            dst.set_band_description(i, d)


def _bad_case(kind: str, root: Path) -> list[str]:
    """Inputs for one bad-input case; returns the extra flags."""
    from rasterio.transform import from_origin

    img = np.ones((4, 128, 128), np.uint16)
    lab = np.ones((1, 128, 128), np.uint8)
    names = ["B2", "B3", "B4", "B8"]
    flags = ["-action", "extract_data", "-bands", BANDS, "-patch_size", "64"]
    if kind == "grid":
        _write(root / "images" / "a.tif", img, descriptions=names)
        _write(root / "labels" / "a.tif", lab, transform=from_origin(10, 0, 10, 10))
    elif kind == "names":
        _write(root / "images" / "a.tif", img, descriptions=names)
        _write(root / "labels" / "b.tif", lab)
    elif kind == "label_value":
        _write(root / "images" / "a.tif", img, descriptions=names)
        _write(root / "labels" / "a.tif", np.full((1, 128, 128), 300, np.uint16))
    elif kind == "band":
        _write(root / "images" / "a.tif", img[:3], descriptions=names[:3])
        _write(root / "labels" / "a.tif", lab)
    elif kind == "patch":
        _write(root / "images" / "a.tif", img, descriptions=names)
        _write(root / "labels" / "a.tif", lab)
        flags[-1] = "128"
    elif kind == "small":
        _write(root / "images" / "a.tif", img[:, :48, :48], descriptions=names)
        _write(root / "labels" / "a.tif", lab[:, :48, :48])
    elif kind == "no_labels":
        _write(root / "images" / "a.tif", img, descriptions=names)
        flags[1] = "train"
    elif kind == "class":
        _write(root / "images" / "a.tif", img, descriptions=names)
        _write(root / "labels" / "a.tif", lab)
    return flags


@pytest.mark.parametrize("kind, message", [
    ("grid", "not on the grid"), ("names", "no label raster"), ("label_value", "outside the classes"),
    ("band", "band B8 is not in"), ("patch", "must be 64 or 256"), ("small", "at least 64x64"),
    ("no_labels", "labels/"), ("class", None)])
def test_bad_inputs_exit_2_and_write_nothing(kind, message, tmp_path, run_cli):
    flags = _bad_case(kind, tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    if kind == "class":  # a selected class absent from the labels: extraction works, training refuses
        assert run_cli("unet", *flags, "-input_dir", tmp_path / "in", "-output_dir", tmp_path / "ds", "--quiet")[0] == 0
        code, _, err = run_cli("unet", "-action", "train", "-input_dir", tmp_path / "ds", "-output_dir", out,
                               "-bands", BANDS, "-selected-classes", "1,7", "--quiet")
        message = "-selected-classes 7 does not occur"
    else:
        code, _, err = run_cli("unet", *flags, "-input_dir", tmp_path / "in", "-output_dir", out, "--quiet")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert _files(out) == set()


def test_predict_refuses_a_model_of_other_bands(trained, tmp_path, run_cli):
    root, out = trained
    _write(tmp_path / "in" / "a.tif", np.ones((3, 64, 64), np.uint16), descriptions=["B2", "B3", "B4"])
    code, _, err = run_cli("unet", "-action", "predict", "-input_dir", tmp_path / "in", "-output_dir", tmp_path / "o",
                           "-model_file", out / "unet.pt", "--quiet")
    assert code == 2 and "band B8 is not in" in err and _files(tmp_path / "o") == set()
    code, _, err = run_cli("unet", "-action", "predict", "-input_dir", root / "data", "-output_dir", tmp_path / "o",
                           "-model_file", out / "unet.pt", "-bands", "B2,B3,B4,B11", "--quiet")
    assert code == 2 and "trained on bands B2,B3,B4,B8" in err and _files(tmp_path / "o") == set()


def test_double_dash_flags_and_missing_action(run_cli, tmp_path):
    code, _, err = run_cli("unet", "--input_dir", tmp_path, "--output_dir", tmp_path / "o", "--bands", BANDS)
    assert code == 2 and "-action is required" in err
    code, _, err = run_cli("unet", "--action", "train", "--input_dir", tmp_path, "--output_dir", tmp_path / "o",
                           "--bands", "B2,B99", "--batch-size", "4")
    assert code == 2 and "-bands" in err


def test_docs_flag_table_is_the_parameter_definition():
    from ai4c.pipelines.unet.params import table

    docs = Path(__file__).resolve().parents[2] / "docs" / "unet.md"
    assert table() in docs.read_text()


def test_predict_marks_input_nodata(trained, tmp_path, run_cli):
    root, out = trained
    with rasterio.open(root / "data" / "images" / "scene_000.tif") as src:
        data, profile = src.read(), src.profile
    data[:, 10:40, 100:180] = 0
    profile.update(nodata=0)
    with rasterio.open(tmp_path / "in.tif", "w", **profile) as dst:
        dst.write(data)
    code, _, err = run_cli("unet", "-action", "predict", "-input_dir", tmp_path, "-output_dir", tmp_path / "o",
                           "-model_file", out / "unet.pt", "--quiet", "-threads", "1")
    assert code == 0, err
    with rasterio.open(tmp_path / "o" / "in.tif") as src:
        pred = src.read(1)
        assert src.nodata == 255
    hole = np.zeros(pred.shape, bool)
    hole[10:40, 100:180] = True
    assert (pred[hole] == 255).all() and (pred[~hole] != 255).all()


def test_existing_outputs_need_overwrite(trained, tmp_path, run_cli):
    root, out = trained
    args = ["unet", "-action", "predict", "-input_dir", root / "data", "-output_dir", tmp_path, "-model_file",
            out / "unet.pt", "--quiet", "-threads", "1"]
    assert run_cli(*args)[0] == 0
    stamp = (tmp_path / "scene_000.tif").stat().st_mtime_ns
    code, _, err = run_cli(*args)
    assert code == 2 and "already exists" in err and (tmp_path / "scene_000.tif").stat().st_mtime_ns == stamp
    assert run_cli(*args, "--overwrite")[0] == 0
    code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", out, "-bands", BANDS,
                           "-selected-classes", CLASSES, "--quiet")
    assert code == 2 and "unet.pt already exists" in err


def test_frozen_encoder_flag_and_parameter_ranges(trained, tmp_path, run_cli):
    """-freeze_encoder True trains the decoder only (the encoder weights of the saved model are the initial
    ones, same seed); out-of-range values of the table 7 flags exit 2 with one line and write nothing."""
    from ai4c.core.log import collect_warnings
    from ai4c.ml.segmentation.unet import UNet, UNetConfig

    root, out = trained
    with collect_warnings() as warnings:
        code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", tmp_path / "f", "-bands",
                               BANDS, "-selected-classes", CLASSES, "-epochs", "1", "-b", "8", "-freeze_encoder", "True",
                               "-encoder_lr", "1e-5", "-seed", "3", "--quiet", *TINY)
    assert code == 0, err
    assert any("-freeze_encoder True without -pretrained" in w for w in warnings)
    metrics = json.loads((tmp_path / "f" / "metrics.json").read_text())
    assert metrics["encoder"]["frozen"] is True
    blob = torch.load(tmp_path / "f" / "unet.pt", weights_only=True)
    torch.manual_seed(3)
    fresh = UNet(UNetConfig.from_dict(blob["config"])).encoder.state_dict()
    saved = {k.removeprefix("encoder."): v for k, v in blob["state_dict"].items() if k.startswith("encoder.")}
    assert all(torch.equal(fresh[k], saved[k]) for k in fresh)
    for flags, message in ((["-b", "100"], "b=100 must be in 2..64"), (["-epochs", "0"], "epochs=0 must be in 1..99"),
                           (["-encoder_lr", "-1"], "encoder_lr=-1.0 must be a number > 0"),
                           (["-width", "10"], "-width 10 must be a multiple of 4")):
        code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", tmp_path / "bad", "-bands",
                               BANDS, *flags, "--quiet")
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "bad").exists()


def test_band_skip_l2sp_and_frozen_batch_norm_flags(trained, tmp_path, run_cli):
    """-band_skip True builds the U-Net with the input skip (kept in the saved model and its ONNX export, whose
    logits agree within 1e-4); -l2sp and -encoder_bn reach the training and metrics.json, with a warning when no
    -pretrained encoder is given; a negative -l2sp exits 2."""
    from ai4c.core.log import collect_warnings
    from ai4c.ml.segmentation.unet import UNet
    from ai4c.pipelines.unet.model_io import load_model

    root, out = trained
    work = tmp_path / "skip"
    with collect_warnings() as warnings:
        code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", work, "-bands", BANDS,
                               "-selected-classes", CLASSES, "-epochs", "1", "-b", "8", "-band_skip", "True",
                               "-l2sp", "0.1", "-encoder_bn", "frozen", "-model_format", "onnx", "--quiet", *TINY)
    assert code == 0, err
    assert any("-l2sp and -encoder_bn frozen without -pretrained" in w for w in warnings)
    metrics = json.loads((work / "metrics.json").read_text())
    assert metrics["band_skip"] is True and metrics["encoder"]["l2sp"] == 0.1
    assert metrics["encoder"]["batch_norm"] == "frozen"
    config = load_model(work / "unet.onnx", "cpu").config
    assert config.band_skip is True
    torch.manual_seed(0)
    x = np.random.default_rng(0).uniform(0, 3000, (1, 4, 64, 96)).astype(np.float32)
    ref, got = _torch_and_onnx_logits(UNet(config), x, tmp_path / "m.onnx")
    assert np.abs(got - ref).max() <= 1e-4
    code, _, err = run_cli("unet", "-action", "train", "-input_dir", out, "-output_dir", tmp_path / "bad", "-bands",
                           BANDS, "-selected-classes", CLASSES, "-l2sp", "-1", "--quiet", *TINY)
    assert code == 2 and "l2sp" in err and not (tmp_path / "bad").exists()
