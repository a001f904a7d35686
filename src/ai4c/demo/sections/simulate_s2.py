"""Demo section: a simulated Sentinel-2 L2A product, its truth, and the checks that tie them together."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 10
TITLE = "Simulated Sentinel-2 L2A product (ai4c simulate s2)"
SIZE = 384
LANDCOVER = {1: ("water", "#3b7dd8"), 2: ("vegetation", "#3a9b3a"), 3: ("bare soil", "#c8a26a"),
             4: ("urban", "#8c8c8c"), 5: ("sea", "#123f8c"), 6: ("snow/ice", "#f4f4f4")}
SCL = {0: ("no data", "#000000"), 3: ("cloud shadow", "#5a3e1b"), 4: ("vegetation", "#3a9b3a"),
       5: ("not vegetated", "#e0c060"), 6: ("water", "#1f4fd0"), 8: ("cloud medium", "#b0b0b0"),
       9: ("cloud high", "#ffffff"), 10: ("thin cirrus", "#80e0ff"), 11: ("snow", "#ff80ff")}


def run(workdir: Path) -> Section:
    """Simulate, then compare what GDAL reads from the product with the saved truth."""
    import rasterio

    from ai4c.core.quicklook import write_quicklook
    from ai4c.simulate.s2.product import load_truth, simulate_s2

    section = Section(TITLE)
    product = simulate_s2(workdir, level="L2A", baseline="05.09", size=SIZE, seed=7, date="20230625")
    truth = load_truth(product)
    section.paragraphs.append(
        f"<code>ai4c simulate s2 --level L2A --baseline 05.09 --size {SIZE} --seed 7</code> wrote "
        f"<code>{product.name}</code> (tile 33UVP, EPSG:32633) and its truth "
        "<code>.truth.nc</code>: land cover with a sea at elevation 0, relief, clouds, cirrus and their "
        "shadows, 13-band BOA reflectance with texture and noise.")
    mtd = product / "MTD_MSIL2A.xml"
    with rasterio.open(mtd) as ds:
        names = ds.subdatasets
    with rasterio.open(names[0]) as sub:
        rgb_dn = sub.read([1, 2, 3]).astype(np.float64)
        offset = float(sub.tags(1)["BOA_ADD_OFFSET"])
    nodata = truth.nodata.values
    rgb = np.where(nodata, np.nan, (rgb_dn + offset) / 10000.0)
    images = {"truecolour.png": (rgb, "product B4/B3/B2 read by GDAL's SENTINEL2 driver", None),
              "landcover.png": (truth.landcover.values, "truth: land cover", LANDCOVER),
              "dem.png": (truth.dem.values, "truth: DEM (m), sea = 0", None)}
    with rasterio.open(next(product.glob("GRANULE/*/IMG_DATA/R20m/*_SCL_20m.jp2"))) as src:
        scl = src.read(1)
    images["scl.png"] = (scl, "product: SCL at 20 m", SCL)
    for name, (data, title, classes) in images.items():
        write_quicklook(data, workdir / name, title=title, classes=classes,
                        cmap="terrain" if name == "dem.png" else "viridis")
        section.images.append((f"{workdir.name}/{name}", title))
    expected = truth.reflectance.sel(band=["B04", "B03", "B02"]).values
    valid = ~nodata
    exact = np.array_equal(rgb[:, valid].astype(np.float32), expected[:, valid])
    section.check("10 m reflectance == (DN + offset) / 10000 (pixels differing)",
                  float((rgb[:, valid].astype(np.float32) != expected[:, valid]).sum()), "0", exact, "{:.0f}")
    section.check("SCL 20 m equal to the truth classes (fraction)", float((scl == truth.scl_20m.values).mean()),
                  "1", bool((scl == truth.scl_20m.values).all()))
    cloudy = np.isin(scl, (8, 9, 10)) & (scl != 0)
    section.check("cloud cover in the metadata vs SCL (%)", 100.0 * cloudy.sum() / max((scl != 0).sum(), 1),
                  "equal to MTD Cloud_Coverage_Assessment",
                  _cloud_in_metadata(mtd) == round(100.0 * cloudy.sum() / max((scl != 0).sum(), 1), 6), "{:.2f}")
    section.check("GDAL subdatasets", float(len(names)), "4 (10m, 20m, 60m, TCI)", len(names) == 4, "{:.0f}")
    return section


def _cloud_in_metadata(mtd: Path) -> float:
    """Cloud_Coverage_Assessment of a product metadata file, rounded like it is written."""
    from lxml import etree

    return round(float(etree.parse(str(mtd)).findtext(".//Cloud_Coverage_Assessment")), 6)
