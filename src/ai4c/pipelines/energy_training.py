"""`ai4c energy training-set`: labelled image chips around energy assets from pre-processed S1/S2 rasters.

Layout written (also the U-Net service's input layout): images/<id>.tif (the product's bands), labels/<id>.tif
(uint8: 0 background, class ids from classes.json), stac/<id>.json, chips.csv (one row per chip: split, kind,
class, capacity, status, bbox), classes.json and a dataset card (README.md).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ai4c.core.errors import AoIError, InvalidParameterError, OutputError
from ai4c.core.io import write_text_atomic
from ai4c.core.params import as_dict, validate
from ai4c.pipelines.energy_parameters import TrainingSetParameters


def asset_shapes(assets: gpd.GeoDataFrame, crs, radius: float) -> list:
    """Asset footprints in the product CRS; points become disks of `radius` metres."""
    projected = assets.to_crs(crs)
    if projected.crs.is_geographic:
        degrees = radius / 111_320.0
        return [g.buffer(degrees) if g.geom_type == "Point" else g for g in projected.geometry]
    return [g.buffer(radius) if g.geom_type == "Point" else g for g in projected.geometry]


def build(assets: gpd.GeoDataFrame, products: Sequence[Path | str], output: Path | str,
          parameters: TrainingSetParameters | None = None, overwrite: bool = False,
          products_folder: Path | None = None) -> pd.DataFrame:
    """Cut positive and negative chips from every product, write the dataset folder atomically, return the
    chip table; `products_folder` (rasters made for this set, e.g. from a catalogue search) moves in as products/."""
    import rasterio

    from ai4c.energy.chips import Chip, Grid, negative_windows, positive_windows, spatial_split

    params = validate(TrainingSetParameters, as_dict(parameters or TrainingSetParameters()))
    output = Path(output)
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise OutputError(f"{output} exists and is not empty; choose another -o or give --overwrite")
    if assets.empty:
        raise InvalidParameterError("no asset to cut chips around (the selection is empty)")
    classes = {name: i + 1 for i, name in enumerate(sorted(assets[params.class_column].astype(str).unique()))}
    rng = np.random.default_rng(params.seed)
    scratch = output.parent / f".{output.name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    for folder in ("images", "labels", "stac"):
        (scratch / folder).mkdir(parents=True)
    rows: list[dict] = []
    try:
        for product in map(Path, products):
            with rasterio.open(product) as src:
                grid = Grid(src.transform, src.width, src.height, src.crs)
                shapes = asset_shapes(assets, src.crs, params.point_radius)
                tree = shapely.STRtree(shapes)  # one index per product for negatives and label masks
                chips = [Chip(c, r, params.chip, True, i) for i, shape in enumerate(shapes)
                         for c, r in positive_windows(grid, shape, params.chip)]
                chips += [Chip(c, r, params.chip, False, -1) for c, r in negative_windows(
                    grid, tree, params.chip, params.negatives, params.margin, rng)]
                splits = spatial_split(grid, chips, params.block_chips, params.split_fractions(), rng)
                for chip, split in zip(chips, splits, strict=True):
                    rows.append(write_chip(src, grid, chip, split, tree, assets, classes, params, scratch,
                                           f"{product.stem}_{len(rows):06d}"))
        positives = sum(r["kind"] == "positive" for r in rows)
        if positives == 0:
            raise AoIError("no asset lies inside any product's footprint (with a whole chip around it); "
                           "give products covering the assets or a smaller --chip")
        table = pd.DataFrame(rows)
        table.to_csv(scratch / "chips.csv", index=False)
        (scratch / "classes.json").write_text(json.dumps({"background": 0} | classes, indent=2) + "\n")
        (scratch / "README.md").write_text(dataset_card(table, classes, params, products))
        if products_folder is not None:
            shutil.move(str(products_folder), scratch / "products")
        if output.exists():
            shutil.rmtree(output)
        scratch.rename(output)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return table


def write_chip(src, grid, chip, split: str, tree, assets: gpd.GeoDataFrame, classes: dict,
               params: TrainingSetParameters, folder: Path, chip_id: str) -> dict:
    """Write one chip's image, label mask and STAC Item; return its row of chips.csv."""
    import rasterio
    from rasterio.features import rasterize
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform
    from shapely.geometry import box, mapping

    from ai4c.core.aoi import transform_geometry

    window = Window(chip.col, chip.row, chip.size, chip.size)
    transform = window_transform(window, src.transform)
    bounds = grid.window_bounds(chip.col, chip.row, chip.size)
    footprint = box(*bounds)
    nearby = [(tree.geometries[i], classes[str(assets.iloc[i][params.class_column])])
              for i in sorted(tree.query(footprint, predicate="intersects"))]
    mask = (rasterize(nearby, out_shape=(chip.size, chip.size), transform=transform, fill=0, dtype="uint8",
                      all_touched=True) if nearby else np.zeros((chip.size, chip.size), "uint8"))
    profile = src.profile | {"driver": "GTiff", "width": chip.size, "height": chip.size, "transform": transform,
                             "tiled": False, "compress": "deflate"}
    profile.pop("blockxsize", None)
    profile.pop("blockysize", None)
    image_path = folder / "images" / f"{chip_id}.tif"
    with rasterio.open(image_path, "w", **profile) as dst:
        dst.write(src.read(window=window))
        dst.descriptions = src.descriptions
    label_profile = profile | {"count": 1, "dtype": "uint8", "nodata": None}
    with rasterio.open(folder / "labels" / f"{chip_id}.tif", "w", **label_profile) as dst:
        dst.write(mask, 1)
    lonlat = transform_geometry(footprint, src.crs, "EPSG:4326")
    asset = assets.iloc[chip.asset] if chip.positive else None
    row = {"id": chip_id, "split": split, "kind": "positive" if chip.positive else "negative",
           "class": str(asset[params.class_column]) if asset is not None else "background",
           "class_id": classes[str(asset[params.class_column])] if asset is not None else 0,
           "asset_index": chip.asset, "asset_name": str(asset.get("name", asset.get("plant_name", "")))
           if asset is not None else "", "capacity_mw": float(asset.get("capacity_mw", np.nan))
           if asset is not None else np.nan, "status": str(asset.get("status", "")) if asset is not None else "",
           "product": Path(src.name).name, "col_off": chip.col, "row_off": chip.row, "crs": str(src.crs),
           "minx": bounds[0], "miny": bounds[1], "maxx": bounds[2], "maxy": bounds[3],
           "asset_pixels": int((mask > 0).sum())}
    item = {"type": "Feature", "stac_version": "1.0.0", "id": chip_id, "geometry": mapping(lonlat),
            "bbox": list(lonlat.bounds), "properties": {k: (None if isinstance(v, float) and np.isnan(v) else v)
                                                        for k, v in row.items() if k != "id"} | {
                "datetime": None, "start_datetime": "1970-01-01T00:00:00Z", "end_datetime": "2100-01-01T00:00:00Z"},
            "assets": {"image": {"href": f"../images/{chip_id}.tif", "roles": ["data"]},
                       "label": {"href": f"../labels/{chip_id}.tif", "roles": ["labels"]}},
            "links": []}
    write_text_atomic(folder / "stac" / f"{chip_id}.json", json.dumps(item, indent=1))
    return row


def dataset_card(table: pd.DataFrame, classes: dict, params: TrainingSetParameters,
                 products: Sequence[Path | str]) -> str:
    """A short dataset card: what, where from, how split, counts per split and class."""
    counts = table.groupby(["split", "class"]).size().unstack(fill_value=0)
    lines = ["# Energy assets training set (ai4c energy training-set)", "",
             f"Chips of {params.chip} x {params.chip} pixels cut from {len(products)} product(s): positives "
             "around each asset (its footprint rasterised as the label mask; points as disks of "
             f"{params.point_radius:g} m), negatives drawn at random at least {params.margin} pixels away from "
             "any asset.", "",
             f"Split by spatial blocks of {params.block_chips} x {params.block_chips} chip widths (fractions "
             f"train,val,test {params.fractions}), seed {params.seed}: chips of one block share a split.", "",
             "Classes (label values): " + ", ".join(f"{v} = {k}" for k, v in ({"background": 0} | classes).items()),
             "", "| split | " + " | ".join(counts.columns) + " |", "|---" * (len(counts.columns) + 1) + "|"]
    lines += [f"| {split} | " + " | ".join(str(int(v)) for v in counts.loc[split]) + " |" for split in counts.index]
    lines += ["", "Sources: the asset file's own licence applies (JRC-PPDB-OPEN: CC-BY 4.0; EMODnet Human "
              "Activities: CC-BY 4.0); imagery: Copernicus Sentinel data.", ""]
    return "\n".join(lines)
