"""Air-quality downscaling service (seed 7.2.1): preproc -> train -> generate -> evaluate.

preproc regrids one dataset onto the AoI's tile grid, normalises it (statistics saved) and writes paired
tiles as chunked Zarr; train fits the SR-GAN on the tiles of a period; generate writes CF NetCDF
ensembles and a CSV at the points of interest; evaluate scores them against the CAMS-EU truth and
against bilinear/bicubic interpolation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ai4c.core.errors import InputNotFoundError, InvalidParameterError
from ai4c.core.graph import operator, register_service
from ai4c.core.io import atomic_path, write_text_atomic
from ai4c.ml.downscaling import tiles as T
from ai4c.pipelines.aqgan_config import AqganConfig, input_pattern
from ai4c.pipelines.parameters import AqganParameters
from ai4c.products import cams

GRAPH = "aqgan"
register_service(GRAPH, AqganParameters, ("Preprocess", "Train", "Generate"))

TIME_CHUNK = 24


def _tag(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """YYYYMMDDHH_YYYYMMDDHH."""
    return f"{start:%Y%m%d%H}_{end:%Y%m%d%H}"


def _regrid(ds: xr.Dataset, lats: np.ndarray, lons: np.ndarray, dataset: str) -> xr.Dataset:
    """Linear interpolation onto the AoI grid; an error when the files do not cover the AoI."""
    lat, lon = ds["latitude"].values, ds["longitude"].values
    step = abs(float(np.median(np.diff(lat)))) if lat.size > 1 else 0.0
    if lats.min() < lat.min() - step or lats.max() > lat.max() + step or \
            lons.min() < lon.min() - step or lons.max() > lon.max() + step:
        raise InvalidParameterError(
            f"the {dataset} files span lat {lat.min():.2f}..{lat.max():.2f}, lon {lon.min():.2f}..{lon.max():.2f} "
            f"and miss part of the AoI; shrink aoi.bbox or give files covering it")
    inside = {"latitude": np.clip(lats, lat.min(), lat.max()), "longitude": np.clip(lons, lon.min(), lon.max())}
    return ds.interp(inside, method="linear").assign_coords(latitude=lats, longitude=lons)


def _fields(cfg: AqganConfig, dataset: str, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, tuple]:
    """Regridded physical fields {name: (level, array)} that `dataset` contributes; level lowres|hires|static."""
    grid = cfg.grid()
    files = cams.files_for(input_pattern(cfg, dataset).parent, input_pattern(cfg, dataset).name)
    if dataset == "static":
        wanted = cfg.variables["static"]
        ds = cams.open_dataset(files, "static", [cams.DERIVED.get(n, n) for n in wanted])
        ds = _regrid(ds, grid.lats(True), grid.lons(True), dataset).load()
        out = {}
        for name in wanted:
            field = ds[cams.DERIVED.get(name, name)]
            out[name] = ("static", (cams.min_max_scale(field) if name == "orog_scal" else field).values)
        return out
    if dataset == "cams-eu":
        names = sorted(set(cfg.variables["output"]) | ({"pm2p5", "pm10"} & set(cams.VARIABLES["cams-eu"])))
        raw = cams.open_dataset(files, "cams-eu", [n for n in names if n in cfg.variables["output"]
                                                   or n in cfg.variables["lowres"]])
        hi = _regrid(cams.select_period(raw, start, end, dataset), grid.lats(True), grid.lons(True), dataset).load()
        low = hi.coarsen(latitude=grid.factor, longitude=grid.factor).mean()
        out = {f"{n}": ("lowres", low[n].values) for n in hi.data_vars}
        out.update({f"hires_{n}": ("hires", hi[n].values) for n in cfg.variables["output"]})
        return out
    table = cams.VARIABLES[dataset]
    names = [n for n in cfg.variables["lowres"] if n in table]
    if not names:
        raise InvalidParameterError(f"variables.lowres names no {dataset} variable ({', '.join(table)}); "
                                    f"nothing to preprocess for --dataset {dataset}")
    ds = cams.select_period(cams.open_dataset(files, dataset, names), start, end, dataset)
    ds = _regrid(ds, grid.lats(False), grid.lons(False), dataset).load()
    return {n: ("lowres", ds[n].values) for n in names}


def preproc(cfg: AqganConfig, dataset: str, start: pd.Timestamp, end: pd.Timestamp) -> Path:
    """Regrid, normalise and tile one dataset over the period; write `<dataset>_<start>_<end>.zarr`."""
    dataset = cams.DATASETS[[d.lower() for d in cams.DATASETS].index(dataset.lower())] \
        if dataset.lower() in cams.DATASETS else dataset
    if dataset not in cams.DATASETS:
        raise InvalidParameterError(f"--dataset {dataset!r} is unknown; use one of: {', '.join(cams.DATASETS)}")
    grid = cfg.grid()
    fields = _fields(cfg, dataset, start, end)
    positions = grid.positions()
    stats, variables = {}, {}
    for key, (level, values) in fields.items():
        name = key.removeprefix("hires_")
        if level == "static":
            stats[name] = T.IDENTITY
            variables[name] = (("tile", "y", "x"), T.cut(values, positions, grid.size, grid.factor))
            continue
        stats.setdefault(name, T.fit_stats(name, fields[name][1] if name in fields else values))
        scale = grid.factor if level == "hires" else 1
        tiled = T.cut(T.normalise(values, stats[name]), positions, grid.size, scale)
        variables[key] = (("time", "tile", "y_hr" if level == "hires" else "y", "x_hr" if level == "hires" else "x"),
                          tiled)
    coords = {"tile_row": ("tile", [p[0] for p in positions]), "tile_col": ("tile", [p[1] for p in positions])}
    if dataset != "static":
        coords["time"] = pd.date_range(start, end, freq="h")
    attrs = {"dataset": dataset, "start": f"{start:%Y%m%d%H}", "end": f"{end:%Y%m%d%H}",
             "grid": json.dumps(grid.to_dict()), "normalisation": json.dumps(stats),
             "note": "values are normalised; physical = inverse(value * std + mean), see normalisation"}
    ds = xr.Dataset({k: (dims, np.asarray(v, "float32")) for k, (dims, v) in variables.items()}, coords=coords,
                    attrs=attrs)
    chunks = {d: (min(TIME_CHUNK, n) if d == "time" else 1 if d == "tile" else n) for d, n in ds.sizes.items()}
    ds = ds.chunk(chunks)
    folder = cfg.output["preproc_dir"]
    folder.mkdir(parents=True, exist_ok=True)
    name = "static.zarr" if dataset == "static" else f"{dataset}_{_tag(start, end)}.zarr"
    with atomic_path(folder / name) as tmp:
        ds.to_zarr(tmp, mode="w", zarr_format=2, consolidated=True)
    return folder / name


def open_preproc(cfg: AqganConfig, dataset: str, start: pd.Timestamp, end: pd.Timestamp) -> xr.Dataset:
    """The preprocessed tiles of `dataset` covering start..end (selected), checked against the config's grid."""
    folder = cfg.output["preproc_dir"]
    pattern = "static.zarr" if dataset == "static" else f"{dataset}_*.zarr"
    hint = (f"run `aqgan-preproc --dataset {dataset} --start-date {start:%Y%m%d%H} --end-date {end:%Y%m%d%H} "
            f"--config ...` first")
    for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
        ds = xr.open_zarr(path, consolidated=True)
        if dataset != "static":
            times = pd.DatetimeIndex(ds["time"].values)
            if start < times.min() or end > times.max():
                continue
            ds = ds.sel(time=pd.date_range(start, end, freq="h"))
        if json.loads(ds.attrs["grid"]) != cfg.grid().to_dict():
            raise InvalidParameterError(f"{path} was preprocessed for another AoI or tile size; {hint}")
        return ds
    raise InputNotFoundError(f"no preprocessed {dataset} tiles in {folder} cover {_tag(start, end)}; {hint}")


def physical(ds: xr.Dataset, key: str) -> np.ndarray:
    """Tile values of a preprocessed variable back in physical units."""
    stats = json.loads(ds.attrs["normalisation"])[key.removeprefix("hires_")]
    return T.denormalise(ds[key].values, stats)


def evaluation_inputs(cfg: AqganConfig, start: pd.Timestamp, end: pd.Timestamp, name: str) -> tuple:
    """Truth (T, H, W) and coarse-grained low-res (T, h, w) maps of an output variable from the CAMS-EU tiles."""
    ds = open_preproc(cfg, "cams-eu", start, end)
    grid = cfg.grid()
    keep = [k for k, p in enumerate(grid.positions()) if p in grid.positions(grid.size)]
    sub = ds.isel(tile=keep)
    pos = grid.positions(grid.size)
    truth = T.assemble(physical(sub, f"hires_{name}"), pos, (grid.ny * grid.factor, grid.nx * grid.factor), grid.factor)
    low = T.assemble(physical(sub, name), pos, (grid.ny, grid.nx), 1)
    return truth, low


def _lowres_inputs(cfg: AqganConfig, start: pd.Timestamp, end: pd.Timestamp, stats: dict | None) -> tuple:
    """Low-res input tiles (time, tile, C, h, w) normalised with `stats` (default: the tiles' own)."""
    sources = {cfg.source_of(n) for n in cfg.variables["lowres"]}
    opened = {d: open_preproc(cfg, d, start, end) for d in sorted(sources)}
    arrays, used = [], {}
    for name in cfg.variables["lowres"]:
        ds = opened[cfg.source_of(name)]
        if name not in ds:
            raise InvalidParameterError(f"{name} is not in the preprocessed {cfg.source_of(name)} tiles; "
                                        f"rerun aqgan-preproc --dataset {cfg.source_of(name)}")
        own = json.loads(ds.attrs["normalisation"])[name]
        used[name] = own if stats is None else stats[name]
        values = ds[name].values if stats is None else T.normalise(T.denormalise(ds[name].values, own), stats[name])
        arrays.append(values)
    times = next(iter(opened.values()))["time"].values
    return np.stack(arrays, axis=2).astype("float32"), used, times


def _static(cfg: AqganConfig) -> np.ndarray:
    """Static tiles (tile, S, H, W)."""
    ds = open_preproc(cfg, "static", pd.Timestamp(0), pd.Timestamp(0))
    return np.stack([ds[n].values for n in cfg.variables["static"]], axis=1).astype("float32")


def _skip_index(cfg: AqganConfig) -> list[int]:
    """Positions of the output variables among the low-res inputs (the generator's bilinear skip)."""
    low = cfg.variables["lowres"]
    return [low.index(n) for n in cfg.variables["output"]] if all(n in low for n in cfg.variables["output"]) else []


def train(cfg: AqganConfig, start: pd.Timestamp, end: pd.Timestamp, resume: bool = True) -> dict:
    """Train the SR-GAN on the period's tiles; returns the checkpoint path and the per-epoch history."""
    from ai4c.ml.downscaling.train import TileData
    from ai4c.ml.downscaling.train import train as fit

    lowres, stats, _ = _lowres_inputs(cfg, start, end, None)
    eu = open_preproc(cfg, "cams-eu", start, end)
    own = json.loads(eu.attrs["normalisation"])
    for name in cfg.variables["output"]:
        stats.setdefault(name, own[name])
    hires = np.stack([T.normalise(physical(eu, f"hires_{n}"), stats[n]) if stats[n] != own[n]
                      else eu[f"hires_{n}"].values for n in cfg.variables["output"]], axis=2)
    static = _static(cfg)
    nt, ntile = lowres.shape[:2]
    meta = {"variables": cfg.variables, "normalisation": stats, "grid": cfg.grid().to_dict(),
            "period": _tag(start, end)}
    data = TileData(lowres.reshape(nt * ntile, *lowres.shape[2:]), hires.reshape(nt * ntile, *hires.shape[2:]),
                    np.tile(np.arange(ntile), nt), static, meta)
    folder = cfg.output["model_dir"]
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = folder / f"srgan_{_tag(start, end)}.pt"
    log = folder / f"srgan_{_tag(start, end)}.metrics.jsonl"
    if not resume:
        checkpoint.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
    history = fit(data, cfg.settings(), checkpoint, log, skip_index=_skip_index(cfg), factor=cfg.factor,
                  resume=resume)
    return {"checkpoint": str(checkpoint), "metrics_log": str(log), "history": history}


def find_checkpoint(cfg: AqganConfig) -> Path:
    """The configured checkpoint, else the newest one in model_dir."""
    if cfg.output.get("checkpoint"):
        path = Path(cfg.output["checkpoint"])
        if not path.is_file():
            raise InputNotFoundError(f"output.checkpoint {path} does not exist; train first or fix the path")
        return path
    folder = cfg.output["model_dir"]
    found = sorted(folder.glob("srgan_*.pt"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not found:
        raise InputNotFoundError(f"no checkpoint in {folder}; run aqgan-train first or set output.checkpoint")
    return found[-1]


def load_model(cfg: AqganConfig) -> tuple:
    """The trained generator and its metadata, checked against the config's variables and grid."""
    from ai4c.ml.downscaling.train import generator_from_checkpoint, load_checkpoint

    path = find_checkpoint(cfg)
    state = load_checkpoint(path)
    trained = state["meta"]["variables"]
    for kind in ("lowres", "static", "output"):
        if list(trained[kind]) != list(cfg.variables[kind]):
            raise InvalidParameterError(
                f"checkpoint {path.name} was trained on {kind} variables {', '.join(trained[kind])}, the config "
                f"asks for {', '.join(cfg.variables[kind])}; use matching variables or retrain")
    return generator_from_checkpoint(state), state


def generate(cfg: AqganConfig, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """High-res ensembles over the AoI as CF NetCDF (+ CSV at the points); returns the output paths."""
    from ai4c.ml.downscaling.output import ensemble_dataset, points_table
    from ai4c.ml.downscaling.train import sample

    gen, state = load_model(cfg)
    stats = state["meta"]["normalisation"]
    lowres, _, times = _lowres_inputs(cfg, start, end, stats)
    grid = cfg.grid()
    central = T.central_assembly_possible(grid)
    keep = [k for k, p in enumerate(grid.positions()) if central or p in grid.positions(grid.size)]
    lowres, static = lowres[:, keep], _static(cfg)[keep]
    nt, ntile = lowres.shape[:2]
    members = int(cfg.model["ensemble_size"])
    flat = sample(gen, lowres.reshape(nt * ntile, *lowres.shape[2:]), np.tile(static, (nt, 1, 1, 1)), members,
                  int(cfg.model["seed"]))
    shape = (grid.ny * grid.factor, grid.nx * grid.factor)
    fields = {}
    for c, name in enumerate(cfg.variables["output"]):
        tiles = T.denormalise(flat[:, :, c].reshape(members, nt, ntile, *flat.shape[-2:]), stats[name])
        fields[name] = T.assemble_central(tiles, grid) if central else \
            T.assemble(tiles, grid.positions(grid.size), shape, grid.factor)
    ds = ensemble_dataset(fields, times, grid, {"model": state["meta"]["period"], "seed": int(cfg.model["seed"])})
    folder = cfg.output["predictions_dir"]
    folder.mkdir(parents=True, exist_ok=True)
    netcdf = folder / f"srgan_{'_'.join(cfg.variables['output'])}_{_tag(start, end)}.nc"
    with atomic_path(netcdf) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding={n: {"zlib": True} for n in ds.data_vars})
    out = {"netcdf": str(netcdf)}
    if cfg.points:
        csv = folder / f"srgan_points_{_tag(start, end)}.csv"
        write_text_atomic(csv, points_table(ds, cfg.points, cfg.variables["output"]).to_csv(index=False))
        out["csv"] = str(csv)
    return out


def evaluate(cfg: AqganConfig, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """Scores of the generated ensemble vs the truth and vs bilinear/bicubic interpolation; JSON + PNGs."""
    from ai4c.ml.downscaling.metrics import evaluate as score
    from ai4c.ml.downscaling.plots import plot_all

    name_nc = f"srgan_{'_'.join(cfg.variables['output'])}_{_tag(start, end)}.nc"
    netcdf = cfg.output["predictions_dir"] / name_nc
    if not netcdf.is_file():
        raise InputNotFoundError(f"no generated ensemble {netcdf}; run aqgan-generate for the same dates first")
    folder = cfg.output["evaluation_dir"]
    report, plots = {"period": _tag(start, end), "predictions": str(netcdf)}, {}
    with xr.open_dataset(netcdf, engine="h5netcdf") as ds:
        for name in cfg.variables["output"]:
            truth, low = evaluation_inputs(cfg, start, end, name)
            members = ds[name].transpose("member", "time", "lat", "lon").values
            report[name] = score(members, truth, low, cfg.factor, tile=int(cfg.model["hires_size"]))
            plots[name] = (members, truth, low)
    folder.mkdir(parents=True, exist_ok=True)
    report["plots"] = plot_all(plots, report, folder, cfg.factor, f"{_tag(start, end)}")
    path = write_text_atomic(folder / f"evaluation_{_tag(start, end)}.json", json.dumps(report, indent=2))
    return {"json": str(path), **report}


def _period(start_date: str, end_date: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Validated period of a graph step."""
    return cams.parse_period(start_date, end_date)


@operator(GRAPH, "Preprocess", ("config", "start_date", "end_date", "datasets"), aliases=("aqgan-preproc",))
def op_preproc(data, ctx, p: AqganParameters):
    """Preprocess every listed dataset for the period into Zarr tiles."""
    from ai4c.pipelines.aqgan_config import load_config

    cfg, period = load_config(p.config), _period(p.start_date, p.end_date)
    return [str(preproc(cfg, d.strip(), *period)) for d in p.datasets.split(",") if d.strip()]


@operator(GRAPH, "Train", ("config", "start_date", "end_date", "resume"), aliases=("aqgan-train",))
def op_train(data, ctx, p: AqganParameters):
    """Train the SR-GAN on the period."""
    from ai4c.pipelines.aqgan_config import load_config

    return train(load_config(p.config), *_period(p.start_date, p.end_date), resume=p.resume)["checkpoint"]


@operator(GRAPH, "Generate", ("config", "start_date", "end_date"), aliases=("aqgan-generate",))
def op_generate(data, ctx, p: AqganParameters):
    """Generate ensembles for the period."""
    from ai4c.pipelines.aqgan_config import load_config

    return generate(load_config(p.config), *_period(p.start_date, p.end_date))


@operator(GRAPH, "Evaluate", ("config", "start_date", "end_date"), aliases=("aqgan-evaluate",))
def op_evaluate(data, ctx, p: AqganParameters):
    """Score the period's ensembles."""
    from ai4c.pipelines.aqgan_config import load_config

    return evaluate(load_config(p.config), *_period(p.start_date, p.end_date))["json"]
