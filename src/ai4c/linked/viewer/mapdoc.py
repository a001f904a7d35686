"""Map documents: a Sextant map (view, time, layers with their sources and styles) as JSON, checked
on load and save so a shared map always opens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ai4c.core.errors import InputNotFoundError, InvalidParameterError

VERSION = 1
LAYER_TYPES = ("sparql", "file", "raster", "xyz", "wms")
STYLE_KINDS = ("single", "categories", "graduated")
TIME_MODES = ("at", "until")
DEFAULT_STYLE = {"color": "#1f77b4", "kind": "single", "by": None, "palette": "tab10", "classes": 5,
                 "size_by": None, "radius": 5, "label": None}
_REQUIRED = {"sparql": ("endpoint", "query"), "file": ("file",), "raster": ("file",), "xyz": ("url",),
             "wms": ("url", "layers")}


def _fail(where: str, problem: str) -> InvalidParameterError:
    return InvalidParameterError(f"map document: {where} {problem}")


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _fail(where, f"must be a number in [{low:g}, {high:g}], not {value!r}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"must be a non-empty string, not {value!r}")
    return value


def check_layer(layer: Any, n: int) -> dict:
    """One layer with defaults filled in, or an error naming the layer and the field."""
    where = f"layers[{n}]"
    if not isinstance(layer, dict):
        raise _fail(where, "must be an object")
    kind = layer.get("type")
    if kind not in LAYER_TYPES:
        raise _fail(f"{where}.type", f"is {kind!r}; use one of {', '.join(LAYER_TYPES)}")
    for key in _REQUIRED[kind]:
        _text(layer.get(key), f"{where}.{key}")
    out = {"id": str(layer.get("id") or f"layer{n + 1}"), "name": str(layer.get("name") or f"{kind} {n + 1}"),
           **layer, "type": kind, "visible": bool(layer.get("visible", True)),
           "opacity": _number(layer.get("opacity", 1.0), f"{where}.opacity", 0, 1)}
    style = {**DEFAULT_STYLE, **(layer.get("style") or {})}
    if style["kind"] not in STYLE_KINDS:
        raise _fail(f"{where}.style.kind", f"is {style['kind']!r}; use one of {', '.join(STYLE_KINDS)}")
    if style["kind"] != "single" and not style.get("by"):
        raise _fail(f"{where}.style.by", f"names no attribute for {style['kind']} colours")
    if not isinstance(style.get("colors") or {}, dict):
        raise _fail(f"{where}.style.colors", "must map category values to colours")
    style["classes"] = int(_number(style["classes"], f"{where}.style.classes", 2, 12))
    style["radius"] = _number(style["radius"], f"{where}.style.radius", 1, 40)
    out["style"] = style
    if kind == "raster":
        out["band"] = int(_number(layer.get("band", 1), f"{where}.band", 1, 10_000))
        out["cmap"] = str(layer.get("cmap") or "viridis")
    return out


def check_map(doc: Any) -> dict:
    """A map document with defaults filled in; InvalidParameterError naming the first problem."""
    if not isinstance(doc, dict):
        raise _fail("", "must be a JSON object with 'layers'")
    version = doc.get("ai4c_map", VERSION)
    if version != VERSION:
        raise _fail("ai4c_map", f"is version {version!r}; this ai4c reads version {VERSION}")
    view = doc.get("view") or {}
    center = view.get("center", [20.0, 0.0])
    if not isinstance(center, list | tuple) or len(center) != 2:
        raise _fail("view.center", f"must be [latitude, longitude], not {center!r}")
    checked_view = {"center": [_number(center[0], "view.center[0]", -90, 90),
                               _number(center[1], "view.center[1]", -540, 540)],
                    "zoom": _number(view.get("zoom", 2), "view.zoom", 0, 24)}
    layers = doc.get("layers", [])
    if not isinstance(layers, list):
        raise _fail("layers", "must be a list")
    time = doc.get("time") or {}
    mode = time.get("mode", "at")
    if mode not in TIME_MODES:
        raise _fail("time.mode", f"is {mode!r}; use one of {', '.join(TIME_MODES)}")
    value = time.get("value")
    if value is not None:
        _number(value, "time.value", -1e15, 1e15)
    checked = [check_layer(layer, n) for n, layer in enumerate(layers)]
    ids = [layer["id"] for layer in checked]
    if len(set(ids)) != len(ids):
        raise _fail("layers", f"repeat an id: {ids}")
    return {"ai4c_map": VERSION, "title": str(doc.get("title") or "Sextant map"), "view": checked_view,
            "time": {"mode": mode, "value": value}, "layers": checked}


def read_map(path: Path | str) -> dict:
    """A map document from a JSON file, checked."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such map document")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidParameterError(f"{path.name}: not a JSON map document ({err})") from err
    return check_map(doc)
