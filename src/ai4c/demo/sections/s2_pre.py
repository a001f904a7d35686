"""Demo: simulate a small L2A scene, run S2-preprocess (cloud mask, land/sea mask, AoI, reprojection), compare
each step with the truth."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 10
TITLE = "Sentinel-2 pre-processing (S2-preprocess)"
SIZE = 240
SCL_CLASSES = {0: ("no data", "#000000"), 1: ("defective", "#ff0000"), 2: ("dark/shadow", "#404040"),
               3: ("cloud shadow", "#835a2b"), 4: ("vegetation", "#00a000"), 5: ("bare soil", "#ffe65a"),
               6: ("water", "#0000ff"), 7: ("unclassified", "#808080"), 8: ("cloud medium", "#c0c0c0"),
               9: ("cloud high", "#ffffff"), 10: ("thin cirrus", "#64c8ff"), 11: ("snow", "#ff96ff")}


def _dem_geotiff(truth, path: Path) -> Path:
    """Write the truth DEM as a GeoTIFF (the --dem input of the land/sea mask)."""
    from ai4c.core.io import write_raster

    dem = truth["dem"].astype("float32")
    return write_raster(dem.rio.write_crs(truth.rio.crs).rio.write_transform(truth.rio.transform()), path)


def _aoi_wkt(truth) -> str:
    """A lon/lat polygon (a slanted quadrilateral) over the middle of the scene."""
    from pyproj import Transformer

    x, y = truth.x.values, truth.y.values
    tr = Transformer.from_crs(truth.rio.crs, "EPSG:4326", always_xy=True)
    n = len(x)
    corners = [(x[n // 5], y[n // 4]), (x[4 * n // 5], y[n // 6]), (x[3 * n // 4], y[4 * n // 5]),
               (x[n // 6], y[3 * n // 4])]
    pts = [tr.transform(cx, cy) for cx, cy in corners + corners[:1]]
    return "POLYGON((" + ", ".join(f"{lon:.7f} {lat:.7f}" for lon, lat in pts) + "))"


def run(workdir: Path) -> Section:
    """Simulate, pre-process three ways, check against the truth, draw each step."""
    import rasterio

    from ai4c.core.grid import metres_to_degrees
    from ai4c.core.quicklook import write_quicklook
    from ai4c.pipelines.s2_pre import prepare
    from ai4c.pipelines.s2_pre import run as s2_run
    from ai4c.simulate.s2.product import load_truth, simulate_s2

    section = Section(TITLE)
    product = simulate_s2(workdir / "input", level="L2A", baseline="05.09", size=SIZE, seed=7)
    truth = load_truth(product)
    dem = _dem_geotiff(truth, workdir / "dem.tif")
    rel = workdir.name
    section.paragraphs.append(
        f"A {SIZE} x {SIZE} L2A product (baseline 05.09, BOA_ADD_OFFSET -1000) is simulated with its truth "
        "(land cover, clouds, shadows, cirrus, DEM). S2-preprocess then runs: (1) bands B2,B3,B4,B8 at 10 m with the "
        "L2A cloud mask (SCL 3, 8, 9, 10) and the SRTM-rule sea mask from the DEM; (2) the same cropped to a "
        "polygon AoI and reprojected to WGS84; (3) 20 m with Mean downsampling.")
    write_quicklook(truth["reflectance"].sel(band=["B04", "B03", "B02"]).values, workdir / "truth_rgb.png",
                    title="truth: B4 B3 B2")
    write_quicklook(truth["scl_20m"].values, workdir / "truth_scl.png", title="SCL in the product (20 m)",
                    classes=SCL_CLASSES)
    section.images += [(f"{rel}/truth_rgb.png", "simulated truth (RGB)"), (f"{rel}/truth_scl.png", "scene classification")]

    # step 1: native UTM, 10 m, cloud + sea masks
    out1 = s2_run(product, workdir / "s2pre_utm10.tif", cloudmask="L2A", landseamask="Sea", dem=dem,
                  upsampling="Nearest", quicklook=True)
    ds = prepare(product, cloudmask="L2A", upsampling="Nearest", landseamask="Sea", dem=dem)
    refl = ds.reflectance.sel(band="B2").values
    expected = truth["reflectance"].sel(band="B02").values
    kept = np.isfinite(refl)
    section.check("max |reflectance - truth| where kept (10 m, no resampling)",
                  float(np.max(np.abs(refl[kept] - expected[kept]))) if kept.any() else 1.0, "== 0", kept.any() and
                  np.array_equal(refl[kept], expected[kept]))
    scl10 = np.repeat(np.repeat(truth["scl_20m"].values, 2, 0), 2, 1)[:SIZE, :SIZE]
    cloud_truth = np.isin(scl10, (3, 8, 9, 10))
    agree = float((ds.cloud.values == cloud_truth).mean())
    section.check("cloud mask == SCL in {3,8,9,10} (pixel agreement)", agree, "== 1", agree == 1.0)
    physical = truth["cloud"].values | truth["shadow"].values | truth["cirrus"].values
    recall = float((ds.cloud.values & physical).sum() / max(1, physical.sum()))
    section.check("recall of the true clouds/shadows/cirrus", recall, ">= 0.8", recall >= 0.8)
    sea = ~(np.isfinite(truth["dem"].values) & (truth["dem"].values != 0))
    leaked = float(np.isfinite(refl[sea]).mean()) if sea.any() else 0.0
    section.check("sea pixels (DEM = 0) left in the output", leaked, "== 0", leaked == 0)
    write_quicklook(ds.cloud.values.astype("uint8"), workdir / "cloud.png", title="cloud mask (L2A)",
                    classes={0: ("clear", "#2a7"), 1: ("cloud/shadow/cirrus", "#eee")})
    section.images += [(f"{rel}/{out1.with_suffix('.png').name}", "S2-preprocess 10 m, clouds and sea set to no data"),
                       (f"{rel}/cloud.png", "cloud mask from the SCL")]

    # step 2: AoI + reprojection to WGS84
    aoi = _aoi_wkt(truth)
    out2 = s2_run(product, workdir / "s2pre_wgs84_aoi.tif", cloudmask="L2A", aoi=aoi, projection="WGS84",
                  quicklook=True)
    with rasterio.open(out2) as src:
        epsg, t, data = src.crs.to_epsg(), src.transform, src.read(1)
    size = metres_to_degrees(10)
    aligned = abs(t.c / size - round(t.c / size)) < 1e-6 and abs(t.f / size - round(t.f / size)) < 1e-6
    section.check("WGS84 output: EPSG, pixel size (deg), aligned origin", t.a, f"EPSG:4326, {size:.7f}, aligned",
                  epsg == 4326 and abs(t.a - size) < 1e-12 and aligned, fmt="{:.7f}")
    from shapely import from_wkt

    aoi_bounds = from_wkt(aoi).bounds
    inside = (t.c <= aoi_bounds[0] + size and t.f >= aoi_bounds[3] - size and
              t.c + t.a * src.width >= aoi_bounds[2] - size and t.f + t.e * src.height <= aoi_bounds[1] + size)
    section.check("output extent = AoI envelope (within one pixel)", float(src.width * src.height), "envelope", inside,
                  fmt="{:.0f} px")
    section.images.append((f"{rel}/{out2.with_suffix('.png').name}", "AoI polygon, reprojected to WGS84"))
    outside = float(np.isnan(data).mean())
    section.check("no-data fraction (outside the AoI polygon + clouds)", outside, "0.2 .. 0.9", 0.2 < outside < 0.9)

    # step 3: 20 m with Mean downsampling
    ds20 = prepare(product, resolution=20, upsampling="Bilinear", downsampling="Mean", cloudmask="None")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_truth = np.nanmean(np.where(truth["nodata"].values, np.nan, expected).reshape(
            SIZE // 2, 2, SIZE // 2, 2), axis=(1, 3))
    diff = float(np.nanmax(np.abs(ds20.reflectance.sel(band="B2").values - mean_truth)))
    section.check("20 m Mean == 2x2 mean of the truth", diff, "< 1e-6", diff < 1e-6)
    return section
