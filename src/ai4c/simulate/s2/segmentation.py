"""Labelled Sentinel-2 tiles for `ai4c unet`: simulated scenes (`scene.make_scene`, cloud-free) written as
`images/NAME.tif` (uint16 L2A digital numbers, band descriptions B2, B3, ...) and `labels/NAME.tif`
(the land-cover truth: 1 water, 2 vegetation, 3 bare soil, 4 urban, 5 sea, 6 snow/ice), or in the
SEN12MS layout (`ROIs0000_sim/s2_K/ROIs0000_sim_s2_K_pJ.tif`, 13 bands, with `lc_K` twins whose IGBP band
holds the same truth codes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import Affine

from ai4c.core.io import atomic_path
from ai4c.simulate.scene.truth import BANDS, make_scene

DEFAULT_BANDS = ("B2", "B3", "B4", "B8")


def _scene_name(band: str) -> str:
    """`B2` -> `B02` (the scene's band names)."""
    return band if band == "B8A" else f"B{int(band[1:]):02d}"


def scene_arrays(size: int, seed: int, bands: tuple[str, ...], offset: int = 0) -> tuple[np.ndarray, np.ndarray, str, Affine]:
    """(bands, size, size) uint16 DN, (size, size) uint8 land cover, CRS and transform of one cloud-free scene."""
    scene = make_scene(size, seed, cloud_cover=0.0, cirrus_cover=0.0, nodata_fraction=0.0, sea_fraction=0.15)
    names = [_scene_name(b) for b in bands]
    refl = scene["reflectance"].sel(band=names).values
    dn = np.clip(np.rint(refl * 10000), 1, 65535).astype(np.uint16)
    t = scene.rio.transform()
    transform = Affine(t.a, t.b, t.c + offset * 10.0, t.d, t.e, t.f)
    return dn, scene["landcover"].values.astype(np.uint8), str(scene.rio.crs), transform


def _write(path: Path, data: np.ndarray, crs: str, transform: Affine, descriptions: list[str] | None) -> None:
    """A tiled, compressed GeoTIFF written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count, h, w = data.shape
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", driver="GTiff", width=w, height=h, count=count, dtype=data.dtype, crs=crs,
                           transform=transform, compress="deflate", tiled=w % 16 == 0 and h % 16 == 0) as dst:
            dst.write(data)
            for i, d in enumerate(descriptions or [], start=1):
                dst.set_band_description(i, d)


def simulate_segmentation(output_dir: Path | str, *, tiles: int = 2, size: int = 256, seed: int = 0,
                          bands: tuple[str, ...] = DEFAULT_BANDS, labels: bool = True) -> list[Path]:
    """`tiles` labelled scenes (seeds seed, seed+1, ...) in the images/ + labels/ layout; returns the images."""
    out = Path(output_dir)
    images = []
    for k in range(tiles):
        dn, lc, crs, transform = scene_arrays(size, seed + k, bands, offset=k * size)
        name = f"scene_{seed + k:03d}.tif"
        _write(out / "images" / name, dn, crs, transform, list(bands))
        if labels:
            _write(out / "labels" / name, lc[None], crs, transform, ["landcover"])
        images.append(out / "images" / name)
    return images


def simulate_sen12ms(output_dir: Path | str, *, scenes: int = 2, patches: int = 4, seed: int = 0,
                     size: int = 256) -> list[Path]:
    """SEN12MS-layout patches: each scene cut into `patches` 13-band patches of `size` with lc_ twins."""
    out = Path(output_dir) / "ROIs0000_sim"
    written = []
    all_bands = tuple(b.replace("B0", "B") for b in BANDS)
    side = int(np.ceil(np.sqrt(patches)))
    for k in range(scenes):
        dn, lc, crs, transform = scene_arrays(size * side, seed + k, all_bands)
        for j in range(patches):
            r, c = divmod(j, side)
            win = np.s_[r * size:(r + 1) * size, c * size:(c + 1) * size]
            t = transform @ Affine.translation(c * size, r * size)
            igbp = np.zeros((4, size, size), np.uint8)
            igbp[0] = lc[win]
            s2 = out / f"s2_{k + 1}" / f"ROIs0000_sim_s2_{k + 1}_p{j + 1}.tif"
            _write(s2, dn[(slice(None),) + win], crs, t, None)
            _write(out / f"lc_{k + 1}" / f"ROIs0000_sim_lc_{k + 1}_p{j + 1}.tif", igbp, crs, t, None)
            written.append(s2)
    return written
