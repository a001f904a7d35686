"""The aqgan YAML configuration: the shipped example (every Table 15 parameter), loading and validation."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, check_choice
from ai4c.ml.downscaling.tiles import TileGrid
from ai4c.ml.downscaling.train import TrainSettings
from ai4c.products.cams import VARIABLES, known_variables

EXAMPLE = Path(__file__).with_name("aqgan_config.yaml")
SECTIONS = ("model", "aoi", "variables", "input", "output")
LOWRES_KNOWN = sorted({*VARIABLES["cams-eu"], *VARIABLES["eac4"], *VARIABLES["era5"]})
MODEL_ONLY = {"type", "lowres_size", "hires_size", "ensemble_size"}


def example_text() -> str:
    """The documented example config (printed by `aqgan-preproc --print-config`)."""
    return EXAMPLE.read_text(encoding="utf-8")


@dataclass
class AqganConfig:
    """A validated configuration; paths are absolute."""

    model: dict[str, Any]
    aoi: dict[str, Any]
    variables: dict[str, list[str]]
    input: dict[str, Any]
    output: dict[str, Path | None]
    points: list[dict[str, Any]]
    base: Path

    @property
    def factor(self) -> int:
        """High-res cells per low-res cell along one axis."""
        return int(self.model["hires_size"]) // int(self.model["lowres_size"])

    def settings(self) -> TrainSettings:
        """Training hyper-parameters."""
        names = {f.name for f in fields(TrainSettings)}
        return TrainSettings(**{k: v for k, v in self.model.items() if k in names})

    def grid(self) -> TileGrid:
        """The AoI snapped to whole tiles on the low-res grid."""
        lon_min, lat_min, lon_max, lat_max = (float(v) for v in self.aoi["bbox"])
        size = int(self.model["lowres_size"])
        low = float(self.aoi["hires_resolution"]) * self.factor
        ny = int(math.floor((lat_max - lat_min) / low + 1e-6)) // size * size
        nx = int(math.floor((lon_max - lon_min) / low + 1e-6)) // size * size
        if ny < size or nx < size:
            raise InvalidParameterError(
                f"aoi.bbox {self.aoi['bbox']} holds less than one {size}x{size} tile of {low:g} degree cells; "
                f"enlarge it to at least {size * low:g} degrees each way")
        return TileGrid(lon_min, lat_min, low, self.factor, ny, nx, size, int(self.aoi.get("tile_stride", size)))

    def source_of(self, name: str) -> str:
        """The dataset that provides a low-res variable."""
        if name in VARIABLES["era5"]:
            return "era5"
        pm_source = self.input.get("lowres_pm_source", "cams-eu")
        return pm_source if name in VARIABLES[pm_source] else "cams-eu"


def _require(body: dict, section: str, keys: list[str]) -> dict:
    """The section with all `keys`, or an error naming the missing ones."""
    part = body.get(section)
    if not isinstance(part, dict):
        raise InvalidParameterError(f"config lacks the '{section}:' section; see `aqgan-preproc --print-config`")
    missing = [k for k in keys if k not in part]
    if missing:
        raise InvalidParameterError(f"config section '{section}' lacks {', '.join(missing)}; "
                                    "see `aqgan-preproc --print-config`")
    return part


def _check_names(kind: str, names: Any, known: list[str]) -> list[str]:
    """A non-empty list of known variable names."""
    if not isinstance(names, list) or not names:
        raise InvalidParameterError(f"variables.{kind} must be a non-empty list; known: {', '.join(known)}")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidParameterError(f"variables.{kind} names unknown variable(s) {', '.join(map(str, unknown))}; "
                                    f"known: {', '.join(known)}")
    return [str(n) for n in names]


def load_config(path: Path | str) -> AqganConfig:
    """Read and validate a config file (unknown variables, missing keys and bad values are errors)."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"config file {path} does not exist; write one with `aqgan-preproc --print-config`")
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidParameterError(f"config {path} is not valid YAML: {exc}".replace("\n", " ")) from exc
    if not isinstance(body, dict):
        raise InvalidParameterError(f"config {path} is not a YAML mapping; see `aqgan-preproc --print-config`")
    defaults = yaml.safe_load(example_text())
    model_keys = list(defaults["model"])
    model = {**defaults["model"], **_require(body, "model", ["type", "lowres_size", "hires_size"])}
    unknown = sorted(set(model) - set(model_keys))
    if unknown:
        raise InvalidParameterError(f"config model.{unknown[0]} is not a parameter; known: {', '.join(model_keys)}")
    check_choice("model.type", model["type"], ["srgan"])
    model["adversarial_loss"] = check_choice("model.adversarial_loss", model["adversarial_loss"],
                                             ["wasserstein", "relativistic"])
    model["content_loss"] = check_choice("model.content_loss", model["content_loss"], ["l1", "crps", "energy"])
    factor = int(model["hires_size"]) // max(int(model["lowres_size"]), 1)
    if factor * int(model["lowres_size"]) != int(model["hires_size"]) or factor & (factor - 1) or factor < 2:
        raise InvalidParameterError(f"model.hires_size {model['hires_size']} must be lowres_size "
                                    f"{model['lowres_size']} times a power of two (8 x 8 and 64 x 64 by default)")
    aoi = {**defaults["aoi"], **_require(body, "aoi", ["bbox"])}
    if not isinstance(aoi["bbox"], list) or len(aoi["bbox"]) != 4:
        raise InvalidParameterError(f"aoi.bbox={aoi['bbox']!r} must be [lon_min, lat_min, lon_max, lat_max]")
    variables = _require(body, "variables", ["lowres", "static", "output"])
    inputs = _require(body, "input", [])
    pm_source = check_choice("input.lowres_pm_source", inputs.get("lowres_pm_source", "cams-eu"), ["cams-eu", "eac4"])
    checked = {"lowres": _check_names("lowres", variables["lowres"], LOWRES_KNOWN),
               "static": _check_names("static", variables["static"],
                                      [n for n in known_variables("static") if n != "orography"]),
               "output": _check_names("output", variables["output"], list(VARIABLES["cams-eu"]))}
    base = path.resolve().parent
    output_part = {**defaults["output"], **(body.get("output") or {})}
    output = {k: (None if v is None else (base / str(v))) for k, v in output_part.items()}
    cfg = AqganConfig(model, aoi, checked, {**inputs, "lowres_pm_source": pm_source}, output,
                      list(body.get("points") or []), base)
    _check_points(cfg)
    cfg.grid()
    return cfg


def _check_points(cfg: AqganConfig) -> None:
    """Points of interest need a name, lat and lon inside the AoI."""
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in cfg.aoi["bbox"])
    for point in cfg.points:
        if not isinstance(point, dict) or not {"name", "lat", "lon"} <= set(point):
            raise InvalidParameterError(f"point {point!r} needs name, lat and lon")
        if not (lat_min <= float(point["lat"]) <= lat_max and lon_min <= float(point["lon"]) <= lon_max):
            raise InvalidParameterError(f"point {point['name']} ({point['lat']}, {point['lon']}) is outside "
                                        f"aoi.bbox {cfg.aoi['bbox']}; move it or enlarge the AoI")


def input_pattern(cfg: AqganConfig, dataset: str) -> Path:
    """The configured file pattern of a dataset (absolute)."""
    if dataset not in cfg.input:
        raise InvalidParameterError(f"config input.{dataset} is missing; give the path (glob) of the {dataset} files")
    return cfg.base / str(cfg.input[dataset])
