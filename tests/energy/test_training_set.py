"""Training chips: every positive chip's mask covers its asset, no negative chip touches any asset, splits
are spatially apart; checked with shapely on the written GeoTIFFs."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from shapely.geometry import Point, box

CRS = "EPSG:32631"


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """A 2-band 10 m product of 1200 x 1000 pixels, three wind farms (one larger than a chip) and a plant."""
    folder = tmp_path_factory.mktemp("product")
    transform = rasterio.transform.from_origin(500_000, 6_000_000, 10, 10)
    path = folder / "sigma0.tif"
    rng = np.random.default_rng(0)
    with rasterio.open(path, "w", driver="GTiff", width=1200, height=1000, count=2, dtype="float32", crs=CRS,
                       transform=transform) as dst:
        dst.write(rng.random((2, 1000, 1200), dtype="float32"))
        dst.descriptions = ("VV", "VH")
    farms = gpd.GeoDataFrame({"name": ["small", "diamond", "large"], "type": ["wind_farm"] * 3,
                              "capacity_mw": [30.0, 50.0, 600.0], "status": ["operating"] * 3},
                             geometry=[box(501_000, 5_996_000, 501_400, 5_996_500),
                                       shapely.Polygon([(506_000, 5_997_000), (506_500, 5_997_500),
                                                        (506_000, 5_998_000), (505_500, 5_997_500)]),
                                       box(503_000, 5_991_500, 506_000, 5_994_000)], crs=CRS).to_crs("EPSG:4326")
    plant = gpd.GeoDataFrame({"name": ["plant"], "type": ["gas"], "capacity_mw": [400.0], "status": ["operating"]},
                             geometry=[Point(510_000, 5_995_000)], crs=CRS).to_crs("EPSG:4326")
    return path, pd.concat([farms, plant], ignore_index=True)


def chip_box(path) -> shapely.Polygon:
    with rasterio.open(path) as src:
        return box(*src.bounds)


def test_positive_masks_cover_assets_and_negatives_avoid_them(scene, tmp_path):
    from ai4c.pipelines.energy_training import TrainingSetParameters, build

    product, assets = scene
    table = build(assets, [product], tmp_path / "set", TrainingSetParameters(chip=64, negatives=40, seed=1))
    out = tmp_path / "set"
    shapes = list(assets.to_crs(CRS).geometry)
    shapes[3] = shapes[3].buffer(50.0)  # point assets are labelled as 50 m disks
    positives = table[table["kind"] == "positive"]
    assert set(positives["asset_index"]) == {0, 1, 2, 3}
    assert (positives["asset_index"] == 2).sum() >= 4  # the large farm is tiled
    for row in positives.itertuples():
        with rasterio.open(out / "labels" / f"{row.id}.tif") as src:
            mask, transform = src.read(1), src.transform
        asset = shapes[row.asset_index].intersection(chip_box(out / "images" / f"{row.id}.tif"))
        cols, rows = np.meshgrid(np.arange(64) + 0.5, np.arange(64) + 0.5)
        xs, ys = transform @ (cols, rows)
        inside = shapely.contains_xy(asset, xs, ys)
        assert inside.any() and mask[inside].min() >= 1  # every pixel centre inside the asset is labelled
        labelled_area = (mask > 0).sum() * 100.0
        assert labelled_area <= (asset.buffer(15).area if asset.area else 0) + 1  # and nothing far from it
    negatives = table[table["kind"] == "negative"]
    assert len(negatives) == 40
    for row in negatives.itertuples():
        footprint = chip_box(out / "images" / f"{row.id}.tif")
        assert not any(footprint.intersects(s) for s in shapes)
        with rasterio.open(out / "labels" / f"{row.id}.tif") as src:
            assert src.read(1).max() == 0


def test_images_keep_pixels_georeference_and_split_apart(scene, tmp_path):
    from ai4c.pipelines.energy_training import TrainingSetParameters, build

    product, assets = scene
    table = build(assets, [product], tmp_path / "set", TrainingSetParameters(chip=128, negatives=20, seed=2))
    with rasterio.open(product) as src:
        full = src.read()
    for row in table.head(5).itertuples():
        with rasterio.open(tmp_path / "set" / "images" / f"{row.id}.tif") as chip:
            np.testing.assert_array_equal(chip.read(), full[:, row.row_off:row.row_off + 128,
                                                            row.col_off:row.col_off + 128])
            assert chip.crs.to_epsg() == 32631 and chip.descriptions == ("VV", "VH")
    boxes = {s: [box(r.minx, r.miny, r.maxx, r.maxy) for r in table[table["split"] == s].itertuples()]
             for s in ("train", "val", "test")}
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not any(x.intersection(y).area > 0 for x in boxes[a] for y in boxes[b])
    classes = (tmp_path / "set" / "classes.json").read_text()
    assert '"gas": 1' in classes and '"wind_farm": 2' in classes
    item = json.loads((tmp_path / "set" / "stac" / f"{table.iloc[0]['id']}.json").read_text())
    assert item["assets"]["label"]["href"].endswith(".tif") and len(item["bbox"]) == 4


def test_assets_outside_every_product_exit_2(scene, tmp_path, run_cli):
    product, assets = scene
    far = assets.copy()
    far["geometry"] = far.geometry.translate(20, 0)
    far.to_file(tmp_path / "far.geojson")
    code, _, err = run_cli("energy", "training-set", "--windfarms", tmp_path / "far.geojson", "--products", product,
                           "-o", tmp_path / "set")
    assert code == 2 and "footprint" in err and not (tmp_path / "set").exists()
    code, _, err = run_cli("energy", "training-set", "--windfarms", tmp_path / "far.geojson", "--products", product,
                           "--chip", "100", "-o", tmp_path / "set")
    assert code == 2 and "chip=100 not allowed" in err and not (tmp_path / "set").exists()


def test_products_from_a_catalogue_search(tmp_path, run_cli):
    """A simulated S1 GRD product indexed in the local catalogue is found, pre-processed over the farms and cut."""
    from shapely.geometry import shape

    from ai4c.catalog import local
    from ai4c.catalog.index import build_index
    from ai4c.simulate.s1.grd import simulate_grd

    simulate_grd(tmp_path / "raw", size=(400, 400), centre=(54.0, 6.5), seed=1)
    build_index(str(tmp_path / "raw"), tmp_path / "cat.sqlite")
    db = local.connect(tmp_path / "cat.sqlite")
    (entry,) = [local.from_json(json.loads(t)) for (t,) in db.execute("SELECT item FROM items")]
    db.close()
    centre = shape(entry.geometry).centroid
    farms = gpd.GeoDataFrame({"name": ["a", "b"], "capacity_mw": [50.0, 80.0]},
                             geometry=[box(centre.x - 0.004, centre.y - 0.002, centre.x, centre.y),
                                       box(centre.x + 0.002, centre.y + 0.001, centre.x + 0.005, centre.y + 0.003)],
                             crs="EPSG:4326")
    farms.to_file(tmp_path / "farms.geojson")
    code, _, err = run_cli("energy", "training-set", "--windfarms", tmp_path / "farms.geojson", "--catalog",
                           tmp_path / "cat.sqlite", "--start", "2021-05-01", "--end", "2021-07-01", "--chip", "64",
                           "--negatives", "5", "-o", tmp_path / "set")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "set" / "chips.csv")
    rasters = sorted(p.name for p in (tmp_path / "set" / "products").glob("*.tif"))
    assert rasters == [f"{entry.id}.tif"] and set(table["product"]) == set(rasters)
    assert set(table.loc[table["kind"] == "positive", "asset_index"]) == {0, 1}
    code, _, err = run_cli("energy", "training-set", "--windfarms", tmp_path / "farms.geojson", "--catalog",
                           tmp_path / "cat.sqlite", "--start", "2022-05-01", "--end", "2022-07-01", "-o",
                           tmp_path / "none")
    assert code == 2 and "no SENTINEL-1 product" in err and not (tmp_path / "none").exists()
