"""Write a simulated IW or SM SLC product (see simulate.s1.slc) in the SAFE layout: per swath and polarisation an
annotation with swath timing, Doppler centroid and FM-rate lists, calibration and noise XML, and a
complex int16 measurement TIFF written burst by burst; the manifest; the truth JSON beside the product."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
from lxml import etree

from ai4c.products.sentinel1 import AzimuthNoiseBlock, CoordinateConversion, GeolocationGrid, Lut, Noise
from ai4c.products.sentinel1_pair import relative_orbit
from ai4c.simulate.s1.safe import E, annotation_xml, calibration_xml, iso, manifest_xml, noise_xml
from ai4c.simulate.s1.slc import (
    BETA,
    DT,
    FM_RATE,
    FS,
    SlcTruth,
    SwathLayout,
    burst_ground,
    render_burst,
)

NOISE_POWER = 50.0  # DN^2


def _stamp(epoch: np.datetime64, seconds: float) -> str:
    """File-name time stamp (20210601t052623)."""
    return iso(epoch, seconds)[:19].replace("-", "").replace(":", "").lower()


def _tie_points(truth: SlcTruth, swath: SwathLayout) -> GeolocationGrid:
    """Geolocation grid at each burst's first line and the last line, 21 samples across, like ESA's."""
    parts = []
    for b in range(swath.bursts):
        lines, cols, times, ranges, g = burst_ground(truth, swath, b, step=max(1, swath.samples // 20))
        keep = [0] if b < swath.bursts - 1 else [0, lines.size - 1]
        for k in keep:
            parts.append((np.full(cols.size, b * swath.lines_per_burst + lines[k]), cols, np.full(cols.size, times[k]),
                          2 * ranges[k] / 299792458.0, g[0, k], g[1, k], g[2, k], g[3, k]))
    return GeolocationGrid(*(np.concatenate([p[i] for p in parts]).astype(float) for i in range(8)))


def _luts(truth: SlcTruth, swath: SwathLayout, grid: GeolocationGrid) -> tuple[Lut, Noise]:
    """Calibration (beta constant, sigma/gamma from the ellipsoid incidence) and noise LUTs per burst."""
    lines = np.unique(grid.line)
    pixels = np.r_[np.arange(0, swath.samples, 40), swath.samples - 1].astype(float)
    times = np.array([grid.azimuth_time[grid.line == ln][0] for ln in lines])
    theta = np.radians(np.interp(pixels, grid.pixel[grid.line == lines[0]], grid.incidence_angle[grid.line == lines[0]]))
    beta = np.full(pixels.size, BETA)
    values = {"sigmaNought": beta / np.sqrt(np.sin(theta)), "betaNought": beta, "gamma": beta / np.sqrt(np.tan(theta)),
              "dn": beta}
    cal = Lut(lines, times, [pixels] * lines.size, {k: [v] * lines.size for k, v in values.items()})
    noise = Lut(lines, times, [pixels] * lines.size, {"noise": [np.full(pixels.size, NOISE_POWER)] * lines.size})
    total = swath.bursts * swath.lines_per_burst
    block = AzimuthNoiseBlock(swath.name, 0, total - 1, 0, swath.samples - 1, np.array([0.0, total - 1.0]),
                              np.ones(2))
    return cal, Noise(noise, [block])


def _annotation(truth: SlcTruth, swath: SwathLayout, info: dict, grid: GeolocationGrid) -> bytes:
    """The swath annotation: the GRD writer's common parts, then the SLC-specific ones."""
    start = swath.first_burst_time
    total = swath.bursts * swath.lines_per_burst
    image = {"productFirstLineUtcTime": iso(truth.epoch, start),
             "productLastLineUtcTime": iso(truth.epoch, swath.burst_times()[-1] + (swath.lines_per_burst - 1) * DT),
             "ascendingNodeTime": iso(truth.epoch, -1800.0), "anchorTime": iso(truth.epoch, -2.0),
             "productComposition": "Slice", "sliceNumber": 1, "slantRangeTime": f"{swath.slant_range_time:.15e}",
             "pixelValue": "Complex", "outputPixels": "16 bit Signed Integer",
             "rangePixelSpacing": f"{299792458.0 / (2 * FS):.6e}", "azimuthPixelSpacing": "1.394053e+01",
             "azimuthTimeInterval": f"{DT:.15e}", "azimuthFrequency": f"{1 / DT:.15e}",
             "numberOfSamples": swath.samples, "numberOfLines": total, "zeroDopMinusAcqTime": "0.0",
             "incidenceAngleMidSwath": f"{float(np.median(grid.incidence_angle)):.6e}"}
    empty = CoordinateConversion(np.zeros(0), np.zeros(0), np.zeros((0, 6)), np.zeros(0), np.zeros((0, 6)))
    root = etree.fromstring(annotation_xml(info, truth.orbit, grid, empty, image))
    root.find("adsHeader/swath").text = swath.name
    root.find("generalAnnotation/productInformation/projection").text = "Slant Range"
    root.find("generalAnnotation/productInformation/azimuthSteeringRate").text = \
        f"{math.degrees(swath.steering_rate):.15e}"
    root.find("generalAnnotation/downlinkInformationList/downlinkInformation/swath").text = swath.name
    fm = E(root.find("generalAnnotation"), "azimuthFmRateList", count=str(swath.bursts))
    dc = root.find("dopplerCentroid/dcEstimateList")
    dc.set("count", str(swath.bursts))
    for t in swath.burst_times():
        mid = iso(truth.epoch, t + 0.5 * swath.lines_per_burst * DT)
        node = E(fm, "azimuthFmRate")
        E(node, "azimuthTime").text = mid
        E(node, "t0").text = f"{swath.slant_range_time:.15e}"
        E(node, "azimuthFmRatePolynomial", count="3").text = f"{FM_RATE:.6e} 0.000000e+00 0.000000e+00"
        node = E(dc, "dcEstimate")
        E(node, "azimuthTime").text = mid
        E(node, "t0").text = f"{swath.slant_range_time:.15e}"
        E(node, "geometryDcPolynomial", count="3").text = "0.000000e+00 0.000000e+00 0.000000e+00"
        E(node, "dataDcPolynomial", count="3").text = f"{swath.doppler_centroid:.6e} 0.000000e+00 0.000000e+00"
    timing = root.find("swathTiming")
    stripmap = truth.mode == "SM"  # SM: no bursts annotated (linesPerBurst 0, an empty burst list)
    timing.find("linesPerBurst").text = "0" if stripmap else str(swath.lines_per_burst)
    timing.find("samplesPerBurst").text = "0" if stripmap else str(swath.samples)
    burst_list = timing.find("burstList")
    burst_list.set("count", "0" if stripmap else str(swath.bursts))
    if stripmap:
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    valid_first = np.where(np.arange(swath.lines_per_burst) < swath.invalid_lines, -1, swath.invalid_samples)
    valid_first[swath.lines_per_burst - swath.invalid_lines:] = -1
    valid_last = np.where(valid_first < 0, -1, swath.samples - swath.invalid_samples - 1)
    for b, t in enumerate(swath.burst_times()):
        node = E(burst_list, "burst")
        E(node, "azimuthTime").text = iso(truth.epoch, t)
        E(node, "azimuthAnxTime").text = f"{t + 1800.0:.15e}"
        E(node, "sensingTime").text = iso(truth.epoch, t)
        E(node, "byteOffset").text = str(b * swath.lines_per_burst * swath.samples * 4)
        E(node, "firstValidSample", count=str(valid_first.size)).text = " ".join(map(str, valid_first))
        E(node, "lastValidSample", count=str(valid_last.size)).text = " ".join(map(str, valid_last))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write_measurement(path: Path, truth: SlcTruth, swath: SwathLayout, rng: np.random.Generator,
                       gain: float, renderer=render_burst) -> None:
    """Complex int16 TIFF written burst by burst (single-line strips, uncompressed, like ESA's)."""
    import rasterio
    from rasterio.windows import Window

    profile = {"driver": "GTiff", "dtype": "complex_int16", "width": swath.samples,
               "height": swath.bursts * swath.lines_per_burst, "count": 1, "blockysize": 1}
    with rasterio.Env(), rasterio.open(path, "w", **profile) as dst:
        for b in range(swath.bursts):
            data = renderer(truth, swath, b, rng, NOISE_POWER, gain)
            dst.write(np.round(data).astype(np.complex64)[None],
                      window=Window(0, b * swath.lines_per_burst, swath.samples, swath.lines_per_burst))


def write_product(output_dir: Path | str, truth: SlcTruth, polarizations: tuple[str, ...] = ("VV",),
                  seed: int = 0, zip_product: bool = False, renderer=render_burst) -> Path:
    """Render every swath and polarisation of `truth` into a SAFE product (folder or zip) in `output_dir`;
    `renderer(truth, swath, burst, rng, noise_power, gain)` gives a burst's complex DNs."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    start = min(s.first_burst_time for s in truth.swaths)
    stop = max(s.burst_times()[-1] + s.lines_per_burst * DT for s in truth.swaths)
    s, e = _stamp(truth.epoch, start).upper(), _stamp(truth.epoch, stop).upper()
    orbit6 = f"{truth.absolute_orbit:06d}"
    beam = truth.swaths[0].name if truth.mode == "SM" else truth.mode  # SM products are named by beam (S3)
    name = f"{truth.mission}_{beam}_SLC__1SDV_{s}_{e}_{orbit6}_0ABCDE_AI4C"
    rel = relative_orbit(truth.mission, truth.absolute_orbit)
    info = {"mission": truth.mission, "type": "SLC", "mode": truth.mode, "start": iso(truth.epoch, start),
            "stop": iso(truth.epoch, stop), "orbit": truth.absolute_orbit, "datatake": 703710, "image": "001",
            "pass": truth.pass_direction, "heading": -165.0 if truth.pass_direction == "Descending" else -15.0,
            "ipf": "003.31", "relorbit": rel, "pols": [p.upper() for p in polarizations]}
    scratch = Path(tempfile.mkdtemp(prefix=".sim-", dir=output_dir))
    try:
        safe = scratch / f"{name}.SAFE"
        for sub in ("annotation/calibration", "measurement", "preview", "support"):
            (safe / sub).mkdir(parents=True, exist_ok=True)
        files, corners = [], []
        rng = np.random.default_rng(seed)
        for p_index, pol in enumerate(polarizations):
            for k, swath in enumerate(truth.swaths):
                index = p_index * len(truth.swaths) + k + 1
                base = (f"{truth.mission.lower()}-{swath.name.lower()}-slc-{pol.lower()}-{s.lower()}-{e.lower()}-"
                        f"{orbit6}-0abcde-{index:03d}")
                grid = _tie_points(truth, swath)
                corners.append(grid)
                head = {**info, "pol": pol.upper()}
                cal, noise = _luts(truth, swath, grid)
                entries = {"annotation": f"annotation/{base}.xml",
                           "calibration": f"annotation/calibration/calibration-{base}.xml",
                           "noise": f"annotation/calibration/noise-{base}.xml",
                           "measurement": f"measurement/{base}.tiff"}
                (safe / entries["annotation"]).write_bytes(_annotation(truth, swath, head, grid))
                epoch_swath = truth.epoch  # LUT times are written relative to the product epoch
                (safe / entries["calibration"]).write_bytes(calibration_xml(head, cal, epoch_swath))
                (safe / entries["noise"]).write_bytes(noise_xml(head, noise, epoch_swath))
                gain = 1.0 if pol.upper() in ("VV", "HH") else 0.2
                _write_measurement(safe / entries["measurement"], truth, swath, rng, gain, renderer)
                files += list(entries.items())
        lat = np.concatenate([g.latitude for g in corners])
        lon = np.concatenate([g.longitude for g in corners])
        footprint = " ".join(f"{a:.6f},{b:.6f}" for a, b in ((lat.min(), lon.min()), (lat.min(), lon.max()),
                                                             (lat.max(), lon.max()), (lat.max(), lon.min())))
        manifest = manifest_xml(info, files, safe, footprint).decode()
        manifest = manifest.replace("Level-1 GRD Product", "Level-1 SLC Product").replace(
            "<s1sarl1:productType>GRD<", "<s1sarl1:productType>SLC<").replace("level-1/grd/", "level-1/slc/")
        (safe / "manifest.safe").write_text(manifest, encoding="utf-8")
        final = output_dir / (f"{name}.zip" if zip_product else safe.name)
        if final.exists():
            shutil.rmtree(final) if final.is_dir() else final.unlink()
        if zip_product:
            shutil.make_archive(str(scratch / name), "zip", scratch, safe.name)
            shutil.move(str(scratch / f"{name}.zip"), final)
        else:
            shutil.move(str(safe), final)
        (output_dir / f"{name}.truth.json").write_text(json.dumps(truth_json(truth), indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final


def truth_json(truth: SlcTruth) -> dict:
    """The truth as JSON: layout, scene and point targets with their ground positions."""
    return {"scene": truth.scene, "mode": truth.mode, "beta0": truth.beta0, "height": truth.height,
            "mission": truth.mission,
            "absolute_orbit": truth.absolute_orbit, "epoch": str(truth.epoch),
            "swaths": [{"name": s.name, "first_burst_time": s.first_burst_time, "bursts": s.bursts,
                        "lines_per_burst": s.lines_per_burst, "samples": s.samples,
                        "slant_range_time": s.slant_range_time} for s in truth.swaths],
            "targets": truth.targets}
