"""The S2-CD benchmark's peer: the same change-vector analysis as a plain GDAL + numpy + scikit-learn script.

    python benchmarks/peer_s2_cd.py DATE1.SAFE DATE2.SAFE OUTDIR [--bands B02,B03,B04,B08]

What a user would write without ai4c: GDAL's `gdalbuildvrt` stacks each date's 10 m band files and brings the
20 m SCL onto the 10 m grid (nearest), the stacks are read whole into numpy (through rasterio's GDAL), and then
 1. reflectance = (DN + BOA_ADD_OFFSET) / BOA_QUANTIFICATION_VALUE (from MTD_MSIL2A.xml), no data where DN = 0;
 2. valid = data in both dates and SCL not 0, 3, 8, 9, 10 (no data, shadow, clouds, cirrus) in either;
 3. textbook IR-MAD (Nielsen 2007; MAD variates scaled by sqrt(2 (1 - rho))) on a regular sample of <= 250 000
    valid pixels of the same SCL class, no change where the chi-squared no-change probability > 0.9;
 4. per-band orthogonal regression of date 2 on date 1 over the no-change pixels, date 2 normalised;
 5. z = (date 2' - date 1) / sigma (sigma: 1.4826 x the median absolute deviation of the difference over the
    samples not clearly changed, no-change probability > 0.01),
    magnitude rho = |z|, angle to (1, 0, ..., 0) in degrees, changed where rho^2 > chi2.ppf(0.9999, bands);
 6. K-means (scikit-learn, 4 clusters, 10 initialisations, fitted on <= 200 000 changed pixels) on the
    standardised (rho, angle) of the changed pixels, classes 1..4 by mean angle, 0 no change, 255 no data;
 7. CVA.tif (float32 magnitude, angle) and S2-CD.tif (uint8 classes), tiled DEFLATE GeoTIFFs.
It does not crop, reproject, fence outlier magnitudes or write STAC Items / a polar plot, as S2-CD does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import rasterio
from scipy.linalg import eigh
from scipy.stats import chi2
from sklearn.cluster import KMeans

CLOUDY = (0, 3, 8, 9, 10)
PROFILE = {"driver": "GTiff", "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "DEFLATE",
           "num_threads": "ALL_CPUS"}


def stack(product: Path, bands: list[str], work: Path) -> tuple[Path, Path]:
    """gdalbuildvrt: the 10 m bands as one VRT, and the SCL on the 10 m grid (nearest)."""
    files = [str(next(product.glob(f"GRANULE/*/IMG_DATA/R10m/*_{b}_10m.jp2"))) for b in bands]
    scl = str(next(product.glob("GRANULE/*/IMG_DATA/R20m/*_SCL_20m.jp2")))
    bands_vrt, scl_vrt = work / f"{product.stem}_bands.vrt", work / f"{product.stem}_scl.vrt"
    subprocess.run(["gdalbuildvrt", "-q", "-separate", str(bands_vrt), *files], check=True)
    with rasterio.open(files[0]) as ds:
        left, bottom, right, top = ds.bounds
    subprocess.run(["gdalbuildvrt", "-q", "-tr", "10", "10", "-r", "nearest", "-te", str(left), str(bottom),
                    str(right), str(top), str(scl_vrt), scl], check=True)
    return bands_vrt, scl_vrt


def offsets(product: Path, bands: list[str]) -> tuple[np.ndarray, float]:
    """BOA_ADD_OFFSET of each band (0 before baseline 04.00) and the quantification value."""
    xml = (product / "MTD_MSIL2A.xml").read_text()
    order = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
    found = {int(i): float(v) for i, v in re.findall(r'BOA_ADD_OFFSET band_id="(\d+)">([-\d.]+)<', xml)}
    quant = float(re.search(r"BOA_QUANTIFICATION_VALUE[^>]*>([\d.]+)<", xml).group(1))
    return np.array([found.get(order.index(b), 0.0) for b in bands], dtype=np.float32), quant


def read(product: Path, bands: list[str], work: Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """(band, y, x) float32 reflectance with NaN for no data, the SCL, and the grid's rasterio profile."""
    bands_vrt, scl_vrt = stack(product, bands, work)
    add, quant = offsets(product, bands)
    with rasterio.open(bands_vrt) as ds:
        dn = ds.read()
        profile = {"crs": ds.crs, "transform": ds.transform, "width": ds.width, "height": ds.height}
    with rasterio.open(scl_vrt) as ds:
        scl = ds.read(1)
    refl = (dn.astype(np.float32) + add[:, None, None]) / np.float32(quant)
    refl[dn == 0] = np.nan
    return refl, scl, profile


def irmad(x: np.ndarray, y: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Textbook IR-MAD: the chi-squared no-change probability of each sample."""
    n, p = x.shape
    w = np.ones(n)
    for _ in range(iterations):
        mx, my = (w @ x) / w.sum(), (w @ y) / w.sum()
        xc, yc = x - mx, y - my
        sxx = (xc * w[:, None]).T @ xc / w.sum()
        syy = (yc * w[:, None]).T @ yc / w.sum()
        sxy = (xc * w[:, None]).T @ yc / w.sum()
        values, a = eigh(sxy @ np.linalg.solve(syy, sxy.T), sxx)
        rho = np.sqrt(np.clip(values, 1e-12, 1 - 1e-12))
        b = np.linalg.solve(syy, sxy.T @ a) / rho
        mad = xc @ a - yc @ b
        w_new = chi2.sf((mad**2 / (2 * (1 - rho))).sum(axis=1), p)
        if np.max(np.abs(w_new - w)) < 1e-4:
            return w_new
        w = w_new
    return w


def orthogonal_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Total least squares line y = gain * x + offset."""
    sxx, syy, sxy = np.var(x), np.var(y), np.cov(x, y, bias=True)[0, 1]
    gain = (syy - sxx + np.sqrt((syy - sxx) ** 2 + 4 * sxy**2)) / (2 * sxy)
    return float(gain), float(y.mean() - gain * x.mean())


def main(first: str, second: str, out: str, bands: list[str]) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    x1, scl1, profile = read(Path(first), bands, out_dir)
    x2, scl2, _ = read(Path(second), bands, out_dir)
    valid = ~(np.isnan(x1).any(axis=0) | np.isnan(x2).any(axis=0) | np.isin(scl1, CLOUDY) | np.isin(scl2, CLOUDY))
    step = max(1, int(np.sqrt(valid.size / 250_000)))
    candidates = np.zeros_like(valid)
    candidates[::step, ::step] = True
    candidates &= valid & (scl1 == scl2)
    xs, ys = x1[:, candidates].T.astype(np.float64), x2[:, candidates].T.astype(np.float64)
    weights = irmad(xs, ys)
    unchanged = weights > 0.9
    fits = [orthogonal_fit(xs[unchanged, b], ys[unchanged, b]) for b in range(len(bands))]
    gain = np.array([f[0] for f in fits], dtype=np.float32)
    offset = np.array([f[1] for f in fits], dtype=np.float32)
    diff = (ys[weights > 0.01] - offset) / gain - xs[weights > 0.01]
    sigma = (1.4826 * np.median(np.abs(diff - np.median(diff, axis=0)), axis=0)).astype(np.float32)
    z = ((x2 - offset[:, None, None]) / gain[:, None, None] - x1) / sigma[:, None, None]
    rho = np.sqrt((z**2).sum(axis=0))
    angle = np.degrees(np.arccos(np.clip(z[0] / np.maximum(rho, 1e-12), -1, 1)))
    rho[~valid], angle[~valid] = np.nan, np.nan
    changed = valid & (rho**2 > chi2.ppf(0.9999, len(bands)))
    features = np.column_stack([rho[changed], angle[changed]])
    centre, scale = features.mean(axis=0), features.std(axis=0)
    rng = np.random.default_rng(0)
    fit = features[rng.choice(len(features), min(len(features), 200_000), replace=False)]
    model = KMeans(n_clusters=4, n_init=10, random_state=0).fit((fit - centre) / scale)
    rank = np.argsort(np.argsort(model.cluster_centers_[:, 1])) + 1
    classes = np.where(valid, 0, 255).astype(np.uint8)
    classes[changed] = rank[model.predict((features - centre) / scale)]
    with rasterio.open(out_dir / "CVA.tif", "w", **PROFILE, **profile, count=2, dtype="float32", predictor=3,
                       nodata=float("nan")) as ds:
        ds.write(np.stack([rho, angle]).astype(np.float32))
    with rasterio.open(out_dir / "S2-CD.tif", "w", **PROFILE, **profile, count=1, dtype="uint8", nodata=255) as ds:
        ds.write(classes, 1)
    print(f"changed {changed.mean():.4%} of the pixels, {unchanged.mean():.1%} of the sample unchanged, "
          f"gain {gain.round(3).tolist()}, sigma {sigma.round(5).tolist()}")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--bands")]
    chosen = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--bands=")), "B02,B03,B04,B08")
    main(*arguments[:3], chosen.split(","))
