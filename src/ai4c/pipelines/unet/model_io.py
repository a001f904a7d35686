"""Saving and loading U-Net models (PyTorch `.pt` or ONNX with the configuration in its metadata) and
pre-trained backbones; one predictor interface for both formats."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.core.io import atomic_path
from ai4c.ml.device import pick_device
from ai4c.ml.segmentation.backbone import encoder_state
from ai4c.ml.segmentation.infer import Predictor, softmax, torch_predictor
from ai4c.ml.segmentation.unet import UNet, UNetConfig

FORMAT = "ai4c-unet"
BACKBONE_FORMAT = "ai4c-resnet-backbone"
BACKBONE_FILE = "backbone.pt"
OPSET = 17


def default_model_file(model_format: str) -> str:
    return "unet.onnx" if model_format == "onnx" else "unet.pt"


def save_model(model: UNet, path: Path, model_format: str, extra: dict | None = None) -> Path:
    """Write a `.pt` (config + state dict) or an `.onnx` (config JSON in the metadata) atomically."""
    model = model.cpu().eval()
    meta = {"format": FORMAT, "config": model.config.to_dict(), **(extra or {})}
    with atomic_path(path) as tmp:
        if model_format == "onnx":
            export_onnx(model, tmp, meta)
        else:
            torch.save({**meta, "state_dict": model.state_dict()}, tmp)
    return path


def export_onnx(model: UNet, path: Path, meta: dict) -> None:
    """ONNX export (TorchScript exporter: offline and needs only `onnx`; opset 17, dynamic batch/height/width)
    with the model configuration as metadata."""
    import onnx

    n = len(model.config.bands)
    sample = torch.zeros(1, n, model.config.patch_size, model.config.patch_size)
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():  # the TorchScript exporter (offline, no onnxscript) warns it is legacy
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model, (sample,), str(path), dynamo=False, opset_version=OPSET, input_names=["bands"],
                          output_names=["logits"], dynamic_axes={"bands": axes, "logits": axes})
    proto = onnx.load(str(path))
    entry = proto.metadata_props.add()
    entry.key, entry.value = "ai4c", json.dumps(meta)
    onnx.save(proto, str(path))


@dataclass
class LoadedModel:
    """A model ready for prediction: its configuration and a probability function."""

    config: UNetConfig
    predict: Predictor
    kind: str


def load_model(path: Path | str, device: str = "auto") -> LoadedModel:
    """Open a `.pt` or `.onnx` U-Net written by `ai4c unet`."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"-model_file {path} not found; give the path of a unet.pt or unet.onnx")
    if path.suffix.lower() == ".onnx":
        return _load_onnx(path, device)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise InvalidProductError(f"{path} is not a PyTorch model file ({type(err).__name__})") from err
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise InvalidProductError(f"{path} is not an `ai4c unet` model; train one with -action train")
    config = UNetConfig.from_dict(blob["config"])
    model = UNet(config)
    model.load_state_dict(blob["state_dict"])
    model.to(pick_device(device))
    return LoadedModel(config, torch_predictor(model), "pytorch")


def _load_onnx(path: Path, device: str) -> LoadedModel:
    """onnxruntime session (CUDA provider first when asked/available) and the config from the metadata."""
    import onnxruntime as ort

    try:
        providers = ["CPUExecutionProvider"]
        if device != "cpu" and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        session = ort.InferenceSession(str(path), providers=providers)
        meta = json.loads(session.get_modelmeta().custom_metadata_map["ai4c"])
    except Exception as err:
        raise InvalidProductError(f"{path} is not an ONNX model written by `ai4c unet` ({type(err).__name__})") from err
    config = UNetConfig.from_dict(meta["config"])
    name = session.get_inputs()[0].name

    def predict(windows: np.ndarray) -> np.ndarray:
        return softmax(session.run(None, {name: np.ascontiguousarray(windows, np.float32)})[0])

    return LoadedModel(config, predict, "onnx")


def save_backbone(state: dict, bands: list[str], width: int, blocks: tuple, path: Path, extra: dict) -> Path:
    """The pre-trained network (`backbone.pt`): the encoder's ResNet keys as `state_dict` (what other tools
    read), the U-Net decoder's as `decoder` when it was pre-trained too, its bands and widths."""
    blob = {"format": BACKBONE_FORMAT, "bands": bands, "width": width, "blocks": list(blocks),
            "state_dict": state["encoder"], **extra}
    if state.get("decoder"):
        blob["decoder"] = state["decoder"]
    with atomic_path(path) as tmp:
        torch.save(blob, tmp)
    return path


def resolve_pretrained(value: str, output_dir: Path) -> Path | None:
    """-pretrained False -> None; True -> backbone.pt of -output_dir; otherwise a path."""
    text = str(value).strip()
    if text.lower() in ("false", "0", "no", ""):
        return None
    path = output_dir / BACKBONE_FILE if text.lower() in ("true", "1", "yes") else Path(text)
    if not path.is_file():
        raise InputNotFoundError(f"pre-trained backbone {path} not found; run `ai4c unet pretrain` first or give "
                                 "the path of a ResNet-50 checkpoint")
    return path


def load_backbone_into(model: UNet, path: Path, decoder: bool = False) -> dict:
    """Copy a pre-trained ResNet-50 (ours, torchgeo/timm, SSL4EO-S12 MoCo) into the model's encoder and, with
    `decoder`, our pre-trained decoder's tensors of fitting shape (the band skip changes the last block's
    input: that block stays random)."""
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise InvalidProductError(f"{path} is not a PyTorch checkpoint ({type(err).__name__})") from err
    if not isinstance(blob, dict):
        raise InvalidProductError(f"{path} holds no state dict")
    source_bands = blob.get("bands") if blob.get("format") == BACKBONE_FORMAT else None
    target = model.encoder.state_dict()
    state = encoder_state(blob, model.config.bands, source_bands, target)
    model.encoder.load_state_dict(state, strict=False)
    info = {"path": str(path), "tensors": len(state), "source_bands": source_bands or "13-band S2 (B1..B12)"}
    if decoder and isinstance(blob.get("decoder"), dict):
        shapes = {k: v.shape for k, v in model.decoder.state_dict().items()}
        fits = {k: v for k, v in blob["decoder"].items() if shapes.get(k) == v.shape}
        model.decoder.load_state_dict(fits, strict=False)
        info["decoder_tensors"] = len(fits)
    elif decoder:
        raise InvalidParameterError(f"{path} holds no pre-trained decoder (only `ai4c unet pretrain` with -ssl_method "
                                    "cluster, dense or masked writes one); use -pretrained_decoder False")
    return info


def check_model_bands(config: UNetConfig, bands: list[str] | None) -> None:
    """-bands given at predict time must be the model's bands."""
    if bands and list(bands) != list(config.bands):
        raise InvalidParameterError(f"the model was trained on bands {','.join(config.bands)} but -bands is "
                                    f"{','.join(bands)}; predict with the model's bands")
