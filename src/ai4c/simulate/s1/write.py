"""Writing simulated S1 GRD products: per-polarisation SAFE files, the measurement GeoTIFF rendered strip by
strip from the truth, and the truth itself (see simulate.s1.grd)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ai4c.products.sentinel1 import GeolocationGrid, Lut, Noise, open_grd
from ai4c.simulate.s1.geometry import Dem, ground_of_image, slant_range_of
from ai4c.simulate.s1.model import C, Geometry, Truth, add_targets, lut_noise_power, render_beta0
from ai4c.simulate.s1.safe import annotation_xml, calibration_xml, iso, noise_xml


def product_names(mission: str, start: np.datetime64, stop: np.datetime64, pol: str, index: int) -> tuple[str, str]:
    """SAFE product name and the per-polarisation file base name."""
    s = str(np.datetime_as_string(start, "s")).replace("-", "").replace(":", "")
    e = str(np.datetime_as_string(stop, "s")).replace("-", "").replace(":", "")
    name = f"{mission}_IW_GRDH_1SDV_{s}_{e}_012345_0ABCDE_AI4C"
    base = f"{mission.lower()}-iw-grd-{pol.lower()}-{s.lower()}-{e.lower()}-012345-0abcde-00{index}"
    return name, base


def _write_measurement(path: Path, geom: Geometry, truth: Truth, cal: Lut, noise: Noise, ipf: float,
                       target_px: np.ndarray, seed: int, gcps: GeolocationGrid, pol_gain: float,
                       looks: float = 4.4, strip: int = 256) -> None:
    """Render DNs strip by strip into a uint16 GeoTIFF with the geolocation grid as GCPs."""
    import rasterio
    from rasterio.control import GroundControlPoint
    from rasterio.windows import Window

    from ai4c.sar.calibration import lut_values

    rng = np.random.default_rng(seed)
    control = [GroundControlPoint(row=float(r), col=float(c), x=float(x), y=float(y), z=float(z))
               for r, c, x, y, z in zip(gcps.line, gcps.pixel, gcps.longitude, gcps.latitude, gcps.height, strict=True)]
    profile = {"driver": "GTiff", "dtype": "uint16", "width": geom.samples, "height": geom.lines, "count": 1,
               "compress": "deflate", "tiled": False, "blockysize": 16, "bigtiff": "IF_SAFER",
               "num_threads": "ALL_CPUS"}
    border = max(2, geom.samples // 100)
    cols = np.arange(geom.samples)
    with rasterio.open(path, "w", **profile) as dst:
        dst.gcps = (control, "EPSG:4326")
        for r0 in range(0, geom.lines, strip):
            rows = slice(r0, min(r0 + strip, geom.lines))
            lines = np.arange(rows.start, rows.stop)
            beta = render_beta0(geom, truth, rows)
            beta *= np.float32(pol_gain)
            add_targets(beta, rows, target_px)
            a_beta = lut_values(cal, "betaNought", lines, cols, lines * geom.line_interval).astype(np.float32)
            power = beta * a_beta ** 2 * _speckle(rng, looks, beta.shape)
            del beta, a_beta
            noise_power = lut_noise_power(noise, lambda ln: ln * geom.line_interval, lines, cols).astype(np.float32)
            power += noise_power * _speckle(rng, looks, power.shape)
            if ipf < 2.9:  # dim border noise below the noise floor (Remove-GRD-Border-Noise removes it)
                power[:, :border] = power[:, -border:] = 0.2 * noise_power[:, :border].mean()
            else:  # ESA's zero fill
                power[:, :border] = power[:, -border:] = 0.0
            dn = np.clip(np.rint(np.sqrt(power)), 0, 65535).astype(np.uint16)
            dst.write(dn[None], window=Window(0, r0, geom.samples, rows.stop - rows.start))


def _speckle(rng: np.random.Generator, looks: float, shape: tuple[int, int]) -> np.ndarray:
    """Unit-mean gamma-distributed multiplicative speckle of `looks` looks (float32: half the memory)."""
    out = rng.standard_gamma(looks, shape, dtype=np.float32)
    out *= np.float32(1.0 / looks)
    return out


def geolocation_grid(geom: Geometry, dem: Dem) -> GeolocationGrid:
    """A 10 x 21 tie-point grid with heights from the truth DEM, as ESA annotates."""
    lines = np.unique(np.linspace(0, geom.lines - 1, 10).round().astype(int))
    pixels = np.unique(np.linspace(0, geom.samples - 1, 21).round().astype(int))
    times = lines * geom.line_interval
    srs = slant_range_of(geom.conversion, times, pixels * geom.spacing)
    g = ground_of_image(times, srs, geom.orbit.time, geom.orbit.position, geom.orbit.velocity, dem.height, dem.geo)
    ll, pp = np.meshgrid(lines, pixels, indexing="ij")
    tt = np.repeat(times[:, None], pixels.size, axis=1)
    return GeolocationGrid(ll.ravel().astype(float), pp.ravel().astype(float), tt.ravel(), (2 * srs / C).ravel(),
                           g[0].ravel(), g[1].ravel(), g[2].ravel(), g[3].ravel())


def header_info(mission, ptype, pol, epoch, stop, geom: Geometry, ipf: float, pols) -> dict:
    """Header values for the XML writers."""
    return {"mission": mission, "type": ptype, "pol": pol, "mode": "IW", "start": iso(epoch, 0.0),
            "stop": str(np.datetime_as_string(stop, unit="us")), "orbit": 12345, "datatake": 703710, "image": "001",
            "pass": geom.pass_direction, "heading": -165.0 if geom.pass_direction == "Descending" else -15.0,
            "ipf": f"{ipf:06.2f}", "relorbit": 117, "pols": [p.upper() for p in pols]}


def footprint(grid: GeolocationGrid) -> str:
    """lat,lon corners of the geolocation grid."""
    idx = [int(np.argmin(grid.line + grid.pixel)), int(np.argmax(grid.pixel - grid.line)),
           int(np.argmax(grid.line + grid.pixel)), int(np.argmax(grid.line - grid.pixel))]
    return " ".join(f"{grid.latitude[i]:.6f},{grid.longitude[i]:.6f}" for i in idx)


def _image_info(geom: Geometry, epoch, stop) -> dict:
    """imageInformation values."""
    return {"productFirstLineUtcTime": iso(epoch, 0.0), "productLastLineUtcTime": str(np.datetime_as_string(stop, unit="us")),
            "ascendingNodeTime": iso(epoch, -1800.0), "anchorTime": iso(epoch, -2.0), "productComposition": "Slice",
            "sliceNumber": 1, "slantRangeTime": f"{2 * geom.conversion.sr0[0] / C:.15e}", "pixelValue": "Detected",
            "outputPixels": "16 bit Unsigned Integer", "rangePixelSpacing": f"{geom.spacing:.6e}",
            "azimuthPixelSpacing": f"{geom.spacing:.6e}", "azimuthTimeInterval": f"{geom.line_interval:.15e}",
            "azimuthFrequency": f"{1 / geom.line_interval:.15e}", "numberOfSamples": geom.samples,
            "numberOfLines": geom.lines, "zeroDopMinusAcqTime": "0.0", "incidenceAngleMidSwath": "3.7e+01"}


def write_safe(safe: Path, geom, truth, cal, noise, grid, target_px, mission, epoch, stop, ipf, pols, seed,
                template) -> list[tuple[str, str]]:
    """All per-polarisation files; returns the manifest entries."""
    for sub in ("annotation/calibration", "measurement", "preview", "support"):
        (safe / sub).mkdir(parents=True, exist_ok=True)
    files = []
    for index, pol in enumerate(pols, start=1):
        _, base = product_names(mission, epoch, stop, pol, index)
        info = header_info(mission, "GRD", pol.upper(), epoch, stop, geom, ipf, pols)
        annotation = _template_annotation(template, pol, geom) if template else None
        if annotation is None:
            annotation = annotation_xml(info, geom.orbit, grid, geom.conversion, _image_info(geom, epoch, stop))
        entries = {"annotation": f"annotation/{base}.xml", "calibration": f"annotation/calibration/calibration-{base}.xml",
                   "noise": f"annotation/calibration/noise-{base}.xml", "measurement": f"measurement/{base}.tiff"}
        (safe / entries["annotation"]).write_bytes(annotation)
        (safe / entries["calibration"]).write_bytes(calibration_xml(info, cal, epoch))
        (safe / entries["noise"]).write_bytes(noise_xml(info, noise, epoch))
        gain = 1.0 if pol.upper() in ("VV", "HH") else 0.2
        _write_measurement(safe / entries["measurement"], geom, truth, cal, noise, ipf, target_px, seed + index,
                           grid, gain)
        files += list(entries.items())
    return files


def _template_annotation(template: Path, pol: str, geom: Geometry) -> bytes | None:
    """The real annotation of `pol`, unchanged, when the full template size is rendered."""
    from ai4c.products.safe import SafeSource

    real = open_grd(template, pol)
    if (real.lines, real.samples) != (geom.lines, geom.samples):
        return None
    return SafeSource.open(template).read_bytes(real.annotation_member)


def write_truth(path: Path, truth: Truth, target_px: np.ndarray, geom: Geometry) -> Path:
    """The truth: DEM (GeoTIFF, EPSG:4326, ellipsoid heights) and a JSON with classes and targets."""
    import rasterio
    from affine import Affine

    dem_path = path.with_name(path.name.replace(".truth.json", ".truth-dem.tif"))
    transform = Affine(truth.dem.dlon, 0, truth.dem.lon0, 0, -truth.dem.dlat, truth.dem.lat0)
    with rasterio.open(dem_path, "w", driver="GTiff", dtype="float32", width=truth.dem.height.shape[1],
                       height=truth.dem.height.shape[0], count=2, crs="EPSG:4326", transform=transform) as dst:
        dst.write(truth.dem.height.astype(np.float32), 1)
        dst.write(truth.classes.astype(np.float32), 2)
        dst.set_band_description(1, "height_ellipsoid")
        dst.set_band_description(2, "land_cover_class")
    body = {"class_sigma0": list(truth.class_sigma0), "angular_exponent": truth.angular_exponent,
            "dem": dem_path.name, "pass": geom.pass_direction,
            "targets": [{"lat": a, "lon": b, "line": float(p[0]), "pixel": float(p[1])}
                        for (a, b), p in zip(truth.targets, target_px, strict=True)]}
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    return path
