"""`ai4c simulate s2-series`: a year of Sentinel-2 acquisitions of a small tile over known crop fields.

Truth: field polygons (a jittered grid of parcels, each one TimeSen2Crop class, separated by
non-crop strips of hedges/roads), rasterised to a crop map (uint8, 255 = not a crop) and a crop mask
(0 = crop, 1 = other: the tile_classifier mask convention). Every field draws its own phenology
(timing, vigour, soil) around its class's curve (simulate.phenology); pixels add noise. Each date gets
clouds (smooth random blobs, cloudier in winter) and their shadows; there the LAI is invalid.

Outputs in the REFBOA/LAI layout of monthlycomposite (`REFBOA/S2_<tile>_<YYYYMMDD>_BOA.tif` 9-band uint16
BOA x 10000, `LAI/S2_<tile>_<YYYYMMDD>_LAI.tif` float32, -999 no data where cloudy), optionally as
L2A SAFE products (simulate.s2.render_s2), with the truth in `truth/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from scipy import ndimage

from ai4c.core.errors import InvalidParameterError
from ai4c.simulate.crops import phenology, sky

NOT_CROP = 255
LAI_NODATA = -999.0


@dataclass
class CropTruth:
    """Field polygons, the crop map and the grid."""

    crop_map: np.ndarray
    fields: list[dict]
    transform: Affine
    crs: str
    tile: str


def make_fields(size: int, rng: np.random.Generator, field: int = 24, gap: int = 1) -> list[dict]:
    """Quadrilateral parcels on a jittered grid (pixel coordinates), each with a random class."""
    n = max(1, size // field)
    step = size / n
    jitter = step * 0.2
    nodes = np.stack(np.meshgrid(np.arange(n + 1) * step, np.arange(n + 1) * step, indexing="ij"), -1)
    inner = (slice(1, n), slice(1, n))
    nodes[inner] += rng.uniform(-jitter, jitter, nodes[inner].shape)
    fields = []
    for i in range(n):
        for j in range(n):
            corners = [nodes[i, j], nodes[i, j + 1], nodes[i + 1, j + 1], nodes[i + 1, j]]
            centre = np.mean(corners, axis=0)
            shrunk = [tuple(centre + (c - centre) * (1 - gap / step * 2)) for c in corners]
            fields.append({"id": len(fields), "class": int(rng.integers(0, len(phenology.CLASSES))),
                           "pixels": [(float(c[0]), float(c[1])) for c in shrunk]})
    return fields


def make_truth(size: int = 128, seed: int = 0, tile: str = "33UVP", field: int = 24) -> CropTruth:
    """The crop truth on the tile's UTM grid (upper-left corner of the tile)."""
    from rasterio.features import rasterize
    from shapely.geometry import Polygon, mapping

    from ai4c.simulate.scene.tiles import get_tile

    if size < 16 or field < 6:
        raise InvalidParameterError(f"size={size} must be >= 16 pixels and field={field} >= 6")
    origin = get_tile(tile)
    transform = origin.transform(10.0)
    rng = np.random.default_rng([seed, 7])
    fields = make_fields(size, rng, field)
    shapes = []
    for f in fields:
        ring = [transform * (col, row) for row, col in f["pixels"]]
        f["geometry"] = mapping(Polygon(ring))
        shapes.append((f["geometry"], f["class"]))
    crop_map = rasterize(shapes, out_shape=(size, size), transform=transform, fill=NOT_CROP, dtype="uint8")
    return CropTruth(crop_map, fields, transform, origin.crs, origin.name)


def cloud_masks(size: int, cover: float, rng: np.random.Generator, shift: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Cloud (smooth blobs covering ~`cover` of the scene) and shadow (clouds shifted, not under cloud)."""
    if cover <= 0.01:
        empty = np.zeros((size, size), bool)
        return empty, empty
    field = ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma=max(2.0, size / 20), mode="wrap")
    cloud = field > np.quantile(field, 1 - cover)
    shadow = np.roll(cloud, (shift, shift), axis=(0, 1)) & ~cloud
    return cloud, shadow


def field_series(truth: CropTruth, t: np.ndarray, rng: np.random.Generator, noise: float = 0.03
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Clear-sky reflectance (T, 9, y, x) float32 and LAI (T, y, x) of every pixel, field by field."""
    size = truth.crop_map.shape[0]
    effect = phenology.tile_effect(truth.tile)
    refl = np.empty((t.size, 9, size, size), np.float32)
    lai = np.zeros((t.size, size, size), np.float32)
    background = phenology.reflectance(1, t[None, :], effect.shift, 0.8, 1.0, effect.gain)[0]   # hedges, verges
    refl[:] = background[:, :, None, None]
    lai[:] = phenology.lai(1, t, effect.shift, 0.8)[:, None, None]
    ids = np.full((size, size), -1)
    from rasterio.features import rasterize

    ids = rasterize([(f["geometry"], f["id"]) for f in truth.fields], out_shape=(size, size),
                    transform=truth.transform, fill=-1, dtype="int32")
    draws = phenology.draw_pixels(len(truth.fields), rng)
    for f in truth.fields:
        where = ids == f["id"]
        if not where.any():
            continue
        k = f["id"]
        shift = draws.shift[k] + effect.shift
        curve = phenology.reflectance(f["class"], t, shift, draws.amp[k], draws.soil[k], effect.gain)   # (T, 9)
        refl[:, :, where] = curve[:, :, None]
        lai[:, where] = phenology.lai(f["class"], t, shift, draws.amp[k])[:, None]
    refl *= 1 + rng.normal(0, noise, refl.shape).astype(np.float32)
    refl += rng.normal(0, 40, refl.shape).astype(np.float32)
    return np.clip(refl, 1, 15000), lai


def _profile(truth: CropTruth, count: int, dtype: str, nodata: float | None) -> dict:
    """GeoTIFF profile on the truth grid."""
    size = truth.crop_map.shape[0]
    profile = {"driver": "GTiff", "height": size, "width": size, "count": count, "dtype": dtype,
               "crs": truth.crs, "transform": truth.transform, "compress": "deflate"}
    if size % 16 == 0:
        profile.update(tiled=True, blockxsize=min(256, size), blockysize=min(256, size))
    if nodata is not None:
        profile["nodata"] = nodata
    return profile


def write_truth(truth: CropTruth, folder: Path) -> dict[str, Path]:
    """truth/crop_map.tif (uint8, 255 not crop), truth/crop_mask.tif (0 crop, 1 other), truth/fields.geojson."""
    import rasterio

    from ai4c.products.timesen2crop import CLASSES

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"crop_map": folder / "crop_map.tif", "mask": folder / "crop_mask.tif", "fields": folder / "fields.geojson"}
    with rasterio.open(paths["crop_map"], "w", **_profile(truth, 1, "uint8", NOT_CROP)) as dst:
        dst.write(truth.crop_map, 1)
    with rasterio.open(paths["mask"], "w", **_profile(truth, 1, "uint8", None)) as dst:
        dst.write((truth.crop_map == NOT_CROP).astype(np.uint8), 1)
    features = [{"type": "Feature", "geometry": f["geometry"],
                 "properties": {"id": f["id"], "class": f["class"], "name": CLASSES[f["class"]]}} for f in truth.fields]
    paths["fields"].write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                           "crs": {"type": "name", "properties": {"name": truth.crs}}}))
    return paths


def simulate_series(output_dir: Path | str, *, size: int = 128, seed: int = 0, season_start: int = 2017,
                    tile: str = "33UVP", field: int = 24, safe: bool = False, safe_every: int = 1) -> dict:
    """Write a year of acquisitions (REFBOA/LAI, optionally SAFE) and the truth; returns a summary."""
    import rasterio

    from ai4c.products.timesen2crop import BANDS

    output_dir = Path(output_dir)
    truth = make_truth(size, seed, tile, field)
    rng = np.random.default_rng([seed, 11])
    dates = sky.acquisition_dates(season_start, rng)
    t = phenology.season_day(dates, season_start)
    refl, lai = field_series(truth, t, rng)
    cover = sky.cloud_cover(t, rng)
    for sub in ("REFBOA", "LAI"):
        (output_dir / sub).mkdir(parents=True, exist_ok=True)
    cloudy = []
    for k, date in enumerate(dates):
        cloud, shadow = cloud_masks(size, float(cover[k]), rng)
        stamp = str(date).replace("-", "")
        boa = refl[k].copy()
        boa[:, cloud] = sky.CLOUD_SPECTRUM[:, None] * rng.uniform(0.7, 1.0, cloud.sum())[None, :]
        boa[:, shadow] *= 0.4
        leaf = np.where(cloud | shadow, LAI_NODATA, lai[k]).astype(np.float32)
        name = f"S2_{truth.tile}_{stamp}"
        with rasterio.open(output_dir / "REFBOA" / f"{name}_BOA.tif", "w", **_profile(truth, 9, "uint16", None)) as dst:
            dst.write(np.clip(np.rint(boa), 1, 65535).astype(np.uint16))
            for i, band in enumerate(BANDS, start=1):
                dst.set_band_description(i, band)
        with rasterio.open(output_dir / "LAI" / f"{name}_LAI.tif", "w", **_profile(truth, 1, "float32", LAI_NODATA)) as dst:
            dst.write(leaf, 1)
        if safe and k % safe_every == 0:
            from ai4c.simulate.s2.series_safe import write_safe

            write_safe(truth, boa, cloud, shadow, output_dir / "SAFE", stamp, seed + k)
        cloudy.append(float((cloud | shadow).mean()))
    paths = write_truth(truth, output_dir / "truth")
    summary = {"tile": truth.tile, "season_start": season_start, "dates": [str(d) for d in dates],
               "cloudy_fraction": cloudy, "size": size, "fields": len(truth.fields),
               "truth": {k: str(v) for k, v in paths.items()}}
    (output_dir / "truth" / "series.json").write_text(json.dumps(summary, indent=2))
    return summary


def load_crop_truth(output_dir: Path | str) -> np.ndarray:
    """The truth crop map (uint8, 255 = not a crop) of a simulated series."""
    import rasterio

    with rasterio.open(Path(output_dir) / "truth" / "crop_map.tif") as src:
        return src.read(1)
