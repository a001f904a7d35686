"""Render the rasters of a SAFE product from a truth scene, one band at a time (memory-bounded):
band JP2s per resolution, TCI/AOT/WVP, SCL, QI masks (JP2 from 04.00, GML before) and the PVI.

Rules (see docs/simulate-s2.md):
- reflectance at 10 m is quantised to k = round(refl * 10000); at 20 m / 60 m, k is the rounded mean of
  the 10 m k over each 2x2 / 6x6 block (edge cells: the pixels they have); DN = k - offset, 0 = no data;
- class and flag layers (SCL, cloud/cirrus/snow masks, no data) at 20 m / 60 m are the 10 m truth at the
  top-left 10 m pixel of each cell;
- L1C holds top-of-atmosphere reflectance: TOA = BOA * T_b + P_b (per-band transmittance and path
  reflectance below), quantised the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr
from rasterio.transform import Affine

from ai4c.core.progress import track
from ai4c.simulate.s2.gml import mask_polygons, write_gml_mask
from ai4c.simulate.s2.layout import ALL_BANDS, GML_TYPES, NATIVE_RES, SafeLayout, has_offset
from ai4c.simulate.s2.raster import block_mean_k, encode_dn, quantise_inplace, subsample, write_jp2
from ai4c.simulate.scene.truth import scl_from_truth

TRANSMITTANCE = dict(zip(ALL_BANDS, (0.80, 0.85, 0.88, 0.90, 0.92, 0.93, 0.94, 0.95, 0.95, 0.80, 0.30, 0.96,
                                     0.97), strict=True))
PATH_REFLECTANCE = dict(zip(ALL_BANDS, (0.09, 0.07, 0.05, 0.03, 0.025, 0.02, 0.018, 0.015, 0.013, 0.01, 0.004,
                                        0.005, 0.003), strict=True))
TCI_BANDS = ("B04", "B03", "B02")


def boa_to_toa(boa: np.ndarray, band: str) -> np.ndarray:
    """The simulator's atmosphere: TOA = BOA * T_band + P_band."""
    return boa * np.float32(TRANSMITTANCE[band]) + np.float32(PATH_REFLECTANCE[band])


@dataclass
class Grid:
    """The georeference of the product: CRS, 10 m upper-left corner, 10 m size."""

    crs: str
    epsg: int
    ulx: float
    uly: float
    size: int

    def transform(self, res: int) -> Affine:
        """Affine transform at `res` metres."""
        return Affine(res, 0.0, self.ulx, 0.0, -res, self.uly)


@dataclass
class Rendered:
    """What rendering produced besides files: truth k-arrays per (band, res) and class stats."""

    k: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    scl20: np.ndarray | None = None


def truth_masks(truth: xr.Dataset) -> dict[str, np.ndarray]:
    """10 m class/flag layers of a truth, with defaults for the ones a caller's truth lacks."""
    shape = (truth.sizes["y"], truth.sizes["x"])

    def get(name: str, dtype, fill=0) -> np.ndarray:
        return np.asarray(truth[name].values, dtype) if name in truth else np.full(shape, fill, dtype)

    m = {"landcover": get("landcover", np.uint8, 3), "cloud": get("cloud", bool), "cirrus": get("cirrus", bool),
         "shadow": get("shadow", bool), "nodata": get("nodata", bool)}
    m["cloud_prob"] = get("cloud_prob", np.uint8, 0) if "cloud_prob" in truth else np.where(m["cloud"], 100, 0
                                                                                          ).astype(np.uint8)
    m["scl_truth"] = get("scl_truth", np.uint8) if "scl_truth" in truth else scl_from_truth(
        m["landcover"], m["cloud"], m["cloud_prob"], m["cirrus"], m["shadow"], m["nodata"])
    return m


def band_resolutions(layout: SafeLayout, band: str) -> list[int]:
    """Resolutions at which `band` is written in this product (L1C: native only)."""
    if layout.level == "L1C":
        return [NATIVE_RES[band]]
    return [res for kind, res, _ in layout.image_files() if kind == band]


def _tci(k: np.ndarray) -> np.ndarray:
    """True-colour 8-bit channel: reflectance 0..0.2 -> 1..255, as in real TCI."""
    return np.clip(np.round(k.astype(np.float32) / 2000.0 * 255.0), 1, 255).astype(np.uint8)


def _plane(truth: xr.Dataset, band: str) -> np.ndarray:
    """A float32 copy of one reflectance band that the caller may destroy; dask blocks are stored
    straight into it (no concatenation copy: one band of a full tile is 480 MB)."""
    plane = truth["reflectance"].sel(band=band)
    if not plane.chunks:
        return np.array(plane.values, np.float32)
    out = np.empty(plane.shape, np.float32)
    da.store(plane.data.astype(np.float32), out, lock=False)
    return out


def render_bands(safe: Path, truth: xr.Dataset, layout: SafeLayout, grid: Grid, masks: dict[str, np.ndarray],
                 on_band: Callable[[str, int, np.ndarray], None]) -> dict[int, np.ndarray]:
    """Write every band JP2; call `on_band(band, res, k)` with the truth integers; return TCI arrays."""
    offset = -1000 if has_offset(layout.baseline) else 0
    paths = {(kind, res): safe / (p + ".jp2") for kind, res, p in layout.image_files()}
    tci_res = sorted({r for kind, r in paths if kind == "TCI"})
    tci: dict[int, list[np.ndarray]] = {r: [] for r in tci_res}
    have = set(truth["reflectance"].band.values.tolist())
    wanted = [b for b in ALL_BANDS if b in layout.bands or (b in TCI_BANDS and b in have)]
    order = sorted(wanted, key=lambda b: TCI_BANDS.index(b) if b in TCI_BANDS else 9)
    for band in track(order, "simulating S2 bands", total=len(order)):
        refl = _plane(truth, band)
        if layout.level == "L1C":
            refl = boa_to_toa(refl, band)
        k10 = quantise_inplace(refl, offset)
        del refl
        if band in layout.bands:
            on_band(band, 10, k10)
        for res in sorted(set(band_resolutions(layout, band)) | (set(tci_res) if band in TCI_BANDS else set())):
            k = block_mean_k(k10, res // 10)
            if res != 10 and band in layout.bands and (band, res) in paths:
                on_band(band, res, k)
            if (band, res) in paths and band in layout.bands:
                dn = encode_dn(k, offset, subsample(masks["nodata"], res // 10))
                write_jp2(paths[(band, res)], dn, crs=grid.crs, transform=grid.transform(res), resolution=res)
            if band in TCI_BANDS and res in tci:
                tci[res].append(np.where(subsample(masks["nodata"], res // 10), 0, _tci(k)))
    out = {}
    for res, channels in tci.items():
        shape = subsample(masks["nodata"], res // 10).shape
        out[res] = np.stack(channels) if len(channels) == 3 else np.zeros((3,) + shape, np.uint8)  # no RGB truth
        write_jp2(paths[("TCI", res)], out[res], crs=grid.crs, transform=grid.transform(res), resolution=res)
    return out


def render_l2a_extras(safe: Path, layout: SafeLayout, grid: Grid, masks: dict[str, np.ndarray], seed: int) -> None:
    """SCL, AOT and WVP per resolution, MSK_CLDPRB / MSK_SNWPRB at 20 and 60 m."""
    paths = {(kind, res): safe / (p + ".jp2") for kind, res, p in layout.image_files()}
    rng = np.random.default_rng([seed, 4242])
    aot0, wvp0 = 120 + int(rng.integers(0, 60)), 1000 + int(rng.integers(0, 400))
    qi = safe / layout.granule / "QI_DATA"
    for res in (10, 20, 60):
        f = res // 10
        nodata = subsample(masks["nodata"], f)
        shape = nodata.shape
        ramp = (np.arange(shape[1], dtype=np.float32) / max(shape[1] - 1, 1))[None, :]
        # AOT (x1000) and WVP (cm x 1000) are smooth fields in real products: gentle west-east gradients
        aot = np.where(nodata, 0, np.rint(aot0 + 20 * ramp)).astype(np.uint16)
        wvp = np.where(nodata, 0, np.rint(wvp0 + 150 * ramp)).astype(np.uint16)
        for kind, arr in (("AOT", aot), ("WVP", wvp)):
            write_jp2(paths[(kind, res)], arr, crs=grid.crs, transform=grid.transform(res), resolution=res)
        if res == 10:
            continue
        write_jp2(paths[("SCL", res)], subsample(masks["scl_truth"], f), crs=grid.crs,
                  transform=grid.transform(res), resolution=res)
        cld = np.where(nodata, 0, subsample(masks["cloud_prob"], f)).astype(np.uint8)
        snw = np.where(subsample(masks["landcover"], f) == 6, 100, 0).astype(np.uint8)
        write_jp2(qi / f"MSK_CLDPRB_{res}m.jp2", cld, crs=grid.crs, transform=grid.transform(res), resolution=res)
        write_jp2(qi / f"MSK_SNWPRB_{res}m.jp2", snw, crs=grid.crs, transform=grid.transform(res), resolution=res)


def render_raster_masks(safe: Path, layout: SafeLayout, grid: Grid, masks: dict[str, np.ndarray]) -> None:
    """From 04.00: MSK_CLASSI_B00.jp2 (opaque, cirrus, snow at 60 m), MSK_DETFOO / MSK_QUALIT per band."""
    qi = safe / layout.granule / "QI_DATA"
    classi = np.stack([subsample(masks["cloud"], 6), subsample(masks["cirrus"], 6),
                       subsample(masks["landcover"], 6) == 6]).astype(np.uint8)
    write_jp2(qi / "MSK_CLASSI_B00.jp2", classi, crs=grid.crs, transform=grid.transform(60), resolution=60,
              nbits=1)
    for band in (b for b in ALL_BANDS if b in layout.bands):
        res = NATIVE_RES[band]
        nodata = subsample(masks["nodata"], res // 10)
        detfoo = np.where(nodata, 0, 4).astype(np.uint8)
        qualit = np.zeros((8,) + nodata.shape, np.uint8)
        qualit[5] = nodata
        write_jp2(qi / f"MSK_DETFOO_{band}.jp2", detfoo, crs=grid.crs, transform=grid.transform(res), resolution=res)
        write_jp2(qi / f"MSK_QUALIT_{band}.jp2", qualit, crs=grid.crs, transform=grid.transform(res), resolution=res,
                  nbits=1)


def render_gml_masks(safe: Path, layout: SafeLayout, grid: Grid, masks: dict[str, np.ndarray]) -> None:
    """Before 04.00: MSK_CLOUDS_B00.gml (OPAQUE, CIRRUS polygons at 60 m) and per-band GML masks."""
    qi = safe / layout.granule / "QI_DATA"
    ident = f"{layout.spacecraft}_OPER_MSK_{{kind}}_{layout.ids()['datastrip'].split('_')[5]}_{layout.generation}" \
            f"_A{layout.absolute_orbit:06d}_T{layout.tile}_{{band}}_MSIL1C"
    t60 = grid.transform(60)
    clouds = [("OPAQUE", mask_polygons(subsample(masks["cloud"], 6), t60)),
              ("CIRRUS", mask_polygons(subsample(masks["cirrus"], 6), t60))]
    write_gml_mask(qi / "MSK_CLOUDS_B00.gml", ident.format(kind="CLOUDS", band="B00"), grid.epsg, clouds)
    by_res: dict[int, tuple[list, list]] = {}
    for res in (10, 20, 60):
        nodata = subsample(masks["nodata"], res // 10)
        by_res[res] = (mask_polygons(nodata, grid.transform(res)), mask_polygons(~nodata, grid.transform(res)))
    for band in (b for b in ALL_BANDS if b in layout.bands):
        nodata_polys, footprint = by_res[NATIVE_RES[band]]
        members = {"NODATA": [("QT_NODATA_PIXELS", nodata_polys)], "DETFOO": [("DETECTOR_FOOTPRINT", footprint)]}
        for kind in GML_TYPES:
            write_gml_mask(qi / f"MSK_{kind}_{band}.gml", ident.format(kind=kind, band=band), grid.epsg,
                           members.get(kind, []), dims=3)


def render_pvi(safe: Path, layout: SafeLayout, grid: Grid, tci10: np.ndarray) -> None:
    """QI_DATA/<stem>_PVI.jp2: the true-colour preview at 320 m (every 32nd 10 m pixel)."""
    pvi = np.ascontiguousarray(tci10[:, ::32, ::32])
    write_jp2(safe / layout.granule / "QI_DATA" / f"{layout.stem()}_PVI.jp2", pvi, crs=grid.crs,
              transform=grid.transform(320), resolution=320, lossless=False)
