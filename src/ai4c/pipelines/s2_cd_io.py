"""S2-CD outputs: CVA (magnitude, angle), S2-CD classes with a colour table, polar scatter PNG, STAC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ai4c.core.graph import Context
from ai4c.core.grid import Grid
from ai4c.core.outputs import output_folder
from ai4c.optical.cva import NO_DATA, CvaResult

NO_CHANGE_COLOUR = (40, 40, 40, 255)
NO_DATA_COLOUR = (255, 255, 255, 0)
CVA_BANDS, CLASS_BANDS = ["magnitude", "angle_deg"], ["change_class"]
CLASS_TAGS = {"classes": "0 no change; 1..N change classes by increasing angle; 255 no data"}


def class_colours(n_classes: int) -> dict[int, tuple[int, int, int, int]]:
    """Colour table: 0 dark grey (no change), 1..N from matplotlib's tab10/tab20, 255 transparent."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n_classes <= 10 else "tab20"]
    table = {0: NO_CHANGE_COLOUR, NO_DATA: NO_DATA_COLOUR}
    for k in range(1, n_classes + 1):
        r, g, b, _ = cmap((k - 1) % cmap.N)
        table[k] = (int(r * 255), int(g * 255), int(b * 255), 255)
    return table


def polar_scatter(result: CvaResult, path: Path, *, max_points: int = 20000, seed: int = 0) -> Path:
    """PNG of the changed pixels in the polar domain (angle, magnitude) coloured by class, with the
    chi-squared threshold as a circle (like the seed's figure 10)."""
    from matplotlib.figure import Figure  # not pyplot: no global figure manager or backend switch to import

    from ai4c.core.outputs import atomic_path

    classes, rho, alpha = (np.asarray(a) for a in (result.classes, result.rho, result.alpha))
    changed = np.flatnonzero((classes > 0) & (classes < NO_DATA))
    if len(changed) > max_points:
        changed = np.random.default_rng(seed).choice(changed, max_points, replace=False)
    n_classes = max(len(result.centres), 1)
    colours = class_colours(n_classes)
    fig = Figure(figsize=(6, 6), dpi=110)
    ax = fig.add_subplot(projection="polar")
    ax.set_thetamin(0)
    ax.set_thetamax(180)
    for k in range(1, n_classes + 1):
        pick = changed[classes.ravel()[changed] == k]
        ax.scatter(np.radians(alpha.ravel()[pick]), rho.ravel()[pick], s=2, color=np.array(colours[k]) / 255,
                   label=f"class {k}")
    theta = np.linspace(0, np.pi, 181)
    ax.plot(theta, np.full_like(theta, result.threshold), "k--", lw=1, label="threshold")
    ax.set_title("CVA polar domain: magnitude (radius) vs angle (degrees)")
    ax.legend(loc="lower left", fontsize=7, markerscale=4)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def _stats(result: CvaResult) -> dict:
    """Numbers worth recording in the STAC Items."""
    classes = np.asarray(result.classes)
    valid = classes != NO_DATA
    return {"ai4c:threshold_magnitude": result.threshold, "ai4c:sigma": result.sigma.tolist(),
            "ai4c:gain": result.normalisation.gain.tolist(), "ai4c:offset": result.normalisation.offset.tolist(),
            "ai4c:normalisation": result.normalisation.method,
            "ai4c:changed_fraction": float(((classes > 0) & valid).sum() / max(valid.sum(), 1)),
            "ai4c:class_centres_magnitude_angle": result.centres.tolist()}


class _NoCopy:
    """A read-only array-like view of a numpy array: dask.array.from_array copies anything with a .copy()
    method, which for the full-size layers would double their memory."""

    def __init__(self, array: np.ndarray) -> None:
        self.array, self.shape, self.dtype, self.ndim = array, array.shape, array.dtype, array.ndim

    def __getitem__(self, key: tuple) -> np.ndarray:
        return self.array[key]


STRIP_ROWS = 1024


def write_layers(path: Path, output_format: str, grid: Grid, layers: list[np.ndarray], names: list[str], *,
                 nodata: float, colormap: dict | None = None, tags: dict | None = None) -> Path:
    """Write (y, x) numpy layers of one dtype as the bands `names` of one raster, strip by strip (never
    stacked whole): a GeoTIFF with rasterio directly, other formats through core.io's xarray writers."""
    from ai4c.core.formats import gtiff_profile, normalise_format, write_gtiff
    from ai4c.core.outputs import atomic_path

    if normalise_format(output_format) != "GTiff":
        from ai4c.core.io import write_raster

        return write_raster(_lazy_stack(grid, layers, names), path, output_format, nodata=nodata,
                            colormap=colormap, tags=tags)
    profile = gtiff_profile(len(layers), grid.height, grid.width, layers[0].dtype, grid.crs, grid.transform, nodata)
    strips = ((row, np.stack([layer[row:row + STRIP_ROWS] for layer in layers]))
              for row in range(0, grid.height, STRIP_ROWS))
    with atomic_path(path) as tmp:
        write_gtiff(tmp, profile, strips, names=names, tags=tags, colormap=colormap)
    return path


def _lazy_stack(grid: Grid, layers: list[np.ndarray], names: list[str]):
    """The layers as a lazy georeferenced (band, y, x) DataArray (streamed to disk by the writers, not copied)."""
    import dask.array as darr

    from ai4c.core.lazyraster import georeferenced

    rows = min(STRIP_ROWS, grid.height)
    data = darr.stack([darr.from_array(_NoCopy(layer), chunks=(rows, -1)) for layer in layers])
    return georeferenced(data, grid.transform, grid.crs).assign_coords(band=names)


@dataclass
class ChangeMap:
    """The change analysis of a pair and what its outputs record: the dates, baselines, tile and parameters."""

    result: CvaResult
    grid: Grid
    dates: list[str] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)
    tile: str | None = None
    parameters: dict = field(default_factory=dict)


def write_outputs(changes: ChangeMap, ctx: Context, output_format: str) -> list[Path]:
    """Write the products into `ctx.output_path` (created now that everything is computed)."""
    from ai4c.core.formats import extension_for
    from ai4c.core.stac import write_item

    result, grid = changes.result, changes.grid
    folder = output_folder(ctx.output_path)
    ext = extension_for(output_format)
    n_classes = max(len(result.centres), 1)
    layers = [np.asarray(a) for a in (result.rho, result.alpha)]
    cva_path = write_layers(folder / f"CVA{ext}", output_format, grid, layers, CVA_BANDS, nodata=float("nan"))
    cd_path = write_layers(folder / f"S2-CD{ext}", output_format, grid, [np.asarray(result.classes)], CLASS_BANDS,
                           nodata=NO_DATA, colormap=class_colours(n_classes), tags=CLASS_TAGS)
    png = polar_scatter(result, folder / "S2-CD_polar.png")
    when = dt.datetime.fromisoformat(changes.dates[-1]) if changes.dates else None   # date 2: the change is seen
    common = {"inputs": [str(p) for p in ctx.inputs], "parameters": changes.parameters,
              "properties": {**_stats(result), "ai4c:dates": changes.dates or None,
                             "ai4c:baselines": changes.baselines or None, "ai4c:tile": changes.tile},
              "warnings": ctx.warnings, "datetime": when, "grid": grid}
    write_item(cva_path, bands=CVA_BANDS, **common)
    write_item(cd_path, bands=CLASS_BANDS, assets={"polar": {"href": png.name, "media_type": "image/png",
                                                             "roles": ["overview"]}}, **common)
    return [cva_path, cd_path, png]
