"""Pre-trained ResNet-50 weights into the U-Net encoder: key layouts of torchgeo/timm, SSL4EO-S12 MoCo
(`module.encoder_q.`), Lightning (`backbone.`/`encoder.`), our own pre-training; first convolution
adapted to the bands in use."""

from __future__ import annotations

import re

import torch

from ai4c.core.errors import InvalidProductError

# Band order of the 13-band Sentinel-2 L1C/L2A ResNet-50 weights of SSL4EO-S12 and torchgeo.
S2_13_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
PREFIXES = ("module.", "encoder_q.", "model.", "backbone.", "encoder.", "net.")
SKIP = ("fc.", "head.", "encoder_k.", "queue", "projector.", "predictor.", "momentum_")


def canonical_band(name: str) -> str:
    """`B02`, `b2`, `B2` -> `B2`; `B8A`/`b8a` -> `B8A`."""
    m = re.fullmatch(r"[Bb]0*(\d{1,2})([Aa]?)", str(name).strip())
    if not m:
        return str(name).strip()
    return f"B{int(m.group(1))}{m.group(2).upper()}"


def unwrap_state(obj: dict) -> dict[str, torch.Tensor]:
    """The tensor dict inside a checkpoint (`state_dict`, `model`, `encoder` or the dict itself)."""
    for key in ("state_dict", "model", "encoder", "backbone"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            return unwrap_state(obj[key])
    return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def strip_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """ResNet keys (`conv1.weight`, `layer1.0.conv1.weight`, ...) without wrapper prefixes or heads."""
    out = {}
    for key, value in state.items():
        if "encoder_k." in key:  # MoCo key encoder: the query encoder is the one to keep
            continue
        k = key
        changed = True
        while changed:
            changed = False
            for p in PREFIXES:
                if k.startswith(p):
                    k, changed = k[len(p):], True
        if k.startswith(SKIP) or not (k.startswith(("conv1.", "bn1.", "layer"))):
            continue
        out[k] = value
    return out


def adapt_first_conv(weight: torch.Tensor, source_bands: list[str], bands: list[str]) -> torch.Tensor:
    """(out, len(source_bands), k, k) -> (out, len(bands), k, k): the filters of the bands the weights know,
    the mean filter for the others, rescaled by n_source/n_target so activations keep their scale."""
    src = [canonical_band(b) for b in source_bands]
    mean = weight.mean(dim=1)
    planes = [weight[:, src.index(canonical_band(b))] if canonical_band(b) in src else mean for b in bands]
    return torch.stack(planes, dim=1) * (len(src) / len(bands))


def encoder_state(checkpoint: dict, bands: list[str], source_bands: list[str] | None, target: dict) -> dict:
    """Encoder state dict for a model on `bands` from a checkpoint (first conv adapted, shapes checked
    against the `target` encoder state)."""
    state = strip_keys(unwrap_state(checkpoint))
    if "conv1.weight" not in state:
        raise InvalidProductError("the pre-trained checkpoint has no ResNet `conv1.weight`; give a ResNet-50 "
                                  "checkpoint (torchgeo/SSL4EO-S12 or `ai4c unet pretrain` output)")
    conv = state["conv1.weight"]
    if source_bands is None:
        if conv.shape[1] == len(S2_13_BANDS):
            source_bands = list(S2_13_BANDS)
        elif conv.shape[1] == len(bands):
            source_bands = list(bands)
        else:
            raise InvalidProductError(f"the checkpoint's first convolution takes {conv.shape[1]} bands and does not "
                                      "name them; use a 13-band Sentinel-2 checkpoint or one with the same bands")
    state["conv1.weight"] = adapt_first_conv(conv, source_bands, bands)
    bad = [k for k, v in state.items() if k in target and target[k].shape != v.shape]
    missing = [k for k in target if k not in state and not k.endswith("num_batches_tracked")]
    if bad or missing:
        raise InvalidProductError(f"the checkpoint does not fit this encoder ({len(bad)} tensors of another shape, "
                                  f"{len(missing)} missing, e.g. {(bad + missing)[0]}); use a ResNet-50 checkpoint "
                                  "of the same width (-width)")
    return {k: v for k, v in state.items() if k in target}
