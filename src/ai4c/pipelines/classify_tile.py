"""tile_classifier (seed §5.2.5, AI4C_LSTMInference.py): classify a tile's 12 monthly composites with the
LSTM of train_lstm, block by block, then clean the map (majority filter, small patches removed).

input_dir holds the model (.h5) and optionally a mask GeoTIFF (pixels with 0 are classified, any other
value is ignored); mc_dir holds `MC_<tile>_<YYYYMM>.tif`. The output `CropType_<tile>_<YYYY>.tif` is
uint8 with TimeSen2Crop codes, 255 for ignored or no data, a colour table, a STAC Item with the
legend and a PNG quick-look with the legend.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai4c.core.errors import InputNotFoundError, InvalidParameterError, InvalidProductError
from ai4c.core.graph import Context, default_graph, operator, parameters_of, record, register_service
from ai4c.core.progress import track
from ai4c.pipelines.parameters import TileClassifierParameters
from ai4c.products.timesen2crop import CLASSES, COLOURS

GRAPH = "tile-classifier"
register_service(GRAPH, TileClassifierParameters, ("Read", "Classify", "Clean-Map", "Write"))

IGNORED = 255
_MC = re.compile(r"^MC_(?P<tile>[^_]+)_(?P<ym>\d{6})\.tiff?$", re.IGNORECASE)


@dataclass
class Inputs:
    """The validated inputs of one run."""

    model: Path
    mask: Path | None
    composites: list[Path]
    tile: str
    months: list[str]


def find_inputs(input_dir: Path, mc_dir: Path) -> Inputs:
    """The model, the optional mask and the sorted composites, or a one-line error naming what is missing."""
    for name, folder in (("--input_dir", input_dir), ("--mc_dir", mc_dir)):
        if not folder.is_dir():
            raise InputNotFoundError(f"{name} {folder} is not a folder")
    models = sorted(input_dir.glob("*.h5"))
    if not models:
        raise InputNotFoundError(f"no model (.h5) in --input_dir {input_dir}; put the lstm_model.h5 of train_lstm there")
    if len(models) > 1:
        raise InvalidParameterError(f"several models in {input_dir}: {', '.join(m.name for m in models)}; keep one")
    masks = sorted(p for p in input_dir.iterdir() if p.suffix.lower() in (".tif", ".tiff"))
    if len(masks) > 1:
        raise InvalidParameterError(f"several mask GeoTIFFs in {input_dir}: {', '.join(m.name for m in masks)}; keep one")
    found = sorted((m["ym"], p, m["tile"]) for p in mc_dir.iterdir() if (m := _MC.match(p.name)))
    if not found:
        raise InputNotFoundError(f"no monthly composite MC_<tile>_<YYYYMM>.tif in --mc_dir {mc_dir}; run monthlycomposite")
    tiles = sorted({t for _, _, t in found})
    if len(tiles) > 1:
        raise InvalidProductError(f"composites of several tiles in {mc_dir}: {', '.join(tiles)}; use one tile per folder")
    return Inputs(models[0], masks[0] if masks else None, [p for _, p, _ in found], tiles[0], [y for y, _, _ in found])


def _header(path: Path) -> tuple:
    """CRS, transform, shape and band count of a raster."""
    import rasterio

    try:
        with rasterio.open(path) as src:
            return src.crs, tuple(src.transform)[:6], (src.height, src.width), src.count
    except rasterio.errors.RasterioIOError as exc:
        raise InvalidProductError(f"{path.name} is not a readable GeoTIFF ({exc}); replace it") from exc


def check_inputs(inputs: Inputs, n_steps: int, n_bands: int) -> tuple:
    """All composites and the mask on one grid, and as many composites and bands as the model expects."""
    if len(inputs.composites) != n_steps:
        raise InvalidProductError(f"the model expects {n_steps} time steps but {len(inputs.composites)} composites "
                                  f"were found ({', '.join(inputs.months)}); give the 12 monthly composites")
    first = _header(inputs.composites[0])
    for path in inputs.composites + ([inputs.mask] if inputs.mask else []):
        crs, transform, shape, count = _header(path)
        if crs != first[0] or not np.allclose(transform, first[1]) or shape != first[2]:
            raise InvalidProductError(f"{path.name} is on another grid (shape {shape}, CRS {crs}) than "
                                      f"{inputs.composites[0].name} (shape {first[2]}, CRS {first[0]}); "
                                      f"resample it to the composites' grid")
        if path != inputs.mask and count != n_bands:
            raise InvalidProductError(f"{path.name} has {count} bands but the model expects {n_bands}; "
                                      f"use composites of the bands the model was trained on")
    return first


def blocks(shape: tuple[int, int], size: int):
    """Row/column windows of at most size x size pixels covering the grid."""
    from rasterio.windows import Window

    for row in range(0, shape[0], size):
        for col in range(0, shape[1], size):
            yield Window(col, row, min(size, shape[1] - col), min(size, shape[0] - row))


def classifier(model, batch: int):
    """A function stack [T, B, N] -> classes: the numba kernel on CPU, PyTorch on CUDA."""
    from ai4c.ml.crops.model import device, predict

    if device().type == "cuda":
        return lambda stack: predict(model, np.transpose(stack, (2, 0, 1)).astype(np.float32), batch)
    from ai4c.ml.crops.infer import classify_tbn, pack

    packed = pack(model)
    return lambda stack: classify_tbn(packed, stack)


def read_block(sources: list, mask_src, window) -> tuple[np.ndarray, np.ndarray]:
    """The composites of one window as one (t, b, h * w) uint16 array (each file read once, straight into
    it, no stacking copy) and the pixels to classify (unmasked with data in at least one month)."""
    height, width = int(window.height), int(window.width)
    stack = np.empty((len(sources), sources[0].count, height, width), dtype=sources[0].dtypes[0])
    for index, src in enumerate(sources):
        src.read(window=window, out=stack[index])
    stack = stack.reshape(stack.shape[0], stack.shape[1], -1)                  # (t, b, n)
    todo = stack.any(axis=(0, 1))
    if mask_src is not None:
        todo &= mask_src.read(1, window=window).ravel() == 0
    return stack, todo


def classify_stack(predict, stack: np.ndarray, todo: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Classes of one read block (uint8, IGNORED where masked or without data in every month)."""
    out = np.full(stack.shape[-1], IGNORED, dtype=np.uint8)
    if todo.all():
        out[:] = predict(stack)
    elif todo.any():
        out[todo] = predict(stack[:, :, todo])
    return out.reshape(shape)


def legend() -> dict[int, tuple[str, str]]:
    """{code: (name, colour)} of the 16 classes."""
    return {code: (name, COLOURS[code]) for code, name in enumerate(CLASSES)}


def _colormap() -> dict[int, tuple[int, int, int, int]]:
    """GeoTIFF colour table: class colours, 255 transparent."""
    table = {code: (*(int(colour[i:i + 2], 16) for i in (1, 3, 5)), 255) for code, (_, colour) in legend().items()}
    table[IGNORED] = (0, 0, 0, 0)
    return table


@dataclass
class CropMap:
    """Data passed between the steps: the inputs, the model, the grid and the class map."""

    inputs: Inputs
    model: object
    grid: tuple
    classes: np.ndarray | None = None


@operator(GRAPH, "Read", aliases=("crop-read-inputs",))
def read_inputs(data: object, ctx: Context, p: TileClassifierParameters) -> CropMap:
    """Find the model, the optional mask and the composites; check them against each other."""
    from ai4c.ml.crops.model import load_model

    inputs = find_inputs(Path(ctx.inputs[0]), Path(ctx.inputs[1]))
    model = load_model(inputs.model)
    grid = check_inputs(inputs, model.config.n_steps, model.config.n_bands)
    return CropMap(inputs, model, grid)


@operator(GRAPH, "Classify", ("block", "batch"), aliases=("crop-classify",))
def classify_blocks(data: CropMap, ctx: Context, p: TileClassifierParameters) -> CropMap:
    """Classify the composites block by block (memory bounded by the block size)."""
    import rasterio

    block, batch = p.block, p.batch
    shape = data.grid[2]
    data.classes = np.full(shape, IGNORED, dtype=np.uint8)
    predict = classifier(data.model, batch)
    # every window is read once: no use caching blocks (GDAL's default cache is 5 % of the RAM)
    with rasterio.Env(GDAL_CACHEMAX=64), ExitStack() as opened:
        sources = [opened.enter_context(rasterio.open(p)) for p in data.inputs.composites]
        mask_src = opened.enter_context(rasterio.open(data.inputs.mask)) if data.inputs.mask else None
        windows = list(blocks(shape, block))
        # one reader thread decodes the next block while the classifier works on this one; only it
        # touches the datasets, and at most two blocks are in memory
        reader = opened.enter_context(ThreadPoolExecutor(1, thread_name_prefix="crop-reader"))
        pending = reader.submit(read_block, sources, mask_src, windows[0])
        for index, window in enumerate(track(windows, "classifying blocks", total=len(windows))):
            stack, todo = pending.result()
            if index + 1 < len(windows):
                pending = reader.submit(read_block, sources, mask_src, windows[index + 1])
            rows = slice(window.row_off, window.row_off + window.height)
            cols = slice(window.col_off, window.col_off + window.width)
            data.classes[rows, cols] = classify_stack(predict, stack, todo, (int(window.height), int(window.width)))
            del stack, todo
    return data


@operator(GRAPH, "Clean-Map", ("majority_size", "min_patch"), aliases=("crop-postprocess",))
def postprocess(data: CropMap, ctx: Context, p: TileClassifierParameters) -> CropMap:
    """Majority filter (odd window, 1 = off), then patches below min_patch pixels merged (0 = off)."""
    from ai4c.ml.crops.postprocess import majority_filter, remove_small_patches

    data.classes = remove_small_patches(majority_filter(data.classes, p.majority_size), p.min_patch)
    return data


@operator(GRAPH, "Write", ("quicklook",), aliases=("crop-write-map",))
def write_map(data: CropMap, ctx: Context, p: TileClassifierParameters) -> Path:
    """Write CropType_<tile>_<YYYY>.tif (colour table, legend tag), its STAC Item and a PNG with legend."""
    import rasterio
    import xarray as xr

    from ai4c.core.io import write_raster
    from ai4c.core.quicklook import write_quicklook
    from ai4c.core.stac import write_item

    crs, transform, _, _ = data.grid
    season = data.inputs.months[0][:4]
    out_path = Path(ctx.output_path) / f"CropType_{data.inputs.tile}_{season}.tif"
    da = xr.DataArray(data.classes[None], dims=("band", "y", "x"), coords={"band": ["crop_type"]}, name="crop_type")
    da = da.rio.write_crs(crs).rio.write_transform(rasterio.Affine(*transform))
    names = {str(code): name for code, (name, _) in legend().items()}
    write_raster(da, out_path, nodata=IGNORED, colormap=_colormap(),
                 tags={"legend": names, "nodata": "255 = ignored or no data"})
    write_item(out_path, raster=da, inputs=[str(data.inputs.model)] + [str(p) for p in data.inputs.composites],
               parameters={k: v for k, v in record(p).items() if k in ("majority_size", "min_patch")},
               properties={"classification:classes": [
                   {"value": code, "description": name, "color_hint": colour.lstrip("#")}
                   for code, (name, colour) in legend().items()] + [
                   {"value": IGNORED, "description": "ignored or no data", "nodata": True}]})
    if p.quicklook:
        step = max(1, -(-max(data.classes.shape) // 1024))      # decimate first: no float copy of the full map
        small = data.classes[::step, ::step]
        write_quicklook(np.where(small == IGNORED, np.nan, small), out_path.with_suffix(".png"),
                        title=f"crop types {data.inputs.tile} {season}", classes=legend())
    return out_path


def run(input_dir: Path | str, output_dir: Path | str, mc_dir: Path | str, majority_size: int = 3,
        min_patch: int = 10, block: int = 1024, batch: int = 16384, quicklook: bool = True) -> Path:
    """Classify the composites and write the crop-type map, its STAC Item and quick-look."""
    params = parameters_of(GRAPH, {"majority_size": majority_size, "min_patch": min_patch, "block": block,
                                   "batch": batch, "quicklook": quicklook})     # checked before reading anything
    ctx = Context(inputs=[Path(input_dir), Path(mc_dir)], output_path=Path(output_dir))
    return default_graph(GRAPH).run(ctx, parameters=params)
