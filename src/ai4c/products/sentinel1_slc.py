"""Sentinel-1 Level-1 SLC reader: SAFE (zip or folder) -> one `SlcSwath` per sub-swath of a polarisation
with its bursts, Doppler centroid and FM-rate estimates, plus the product-level facts the pair rules need.

A swath reuses the GRD metadata model (orbit, geolocation grid, calibration and noise LUTs); its range
geometry is slant range, expressed as an identity slant->"ground" conversion so that range-Doppler code
written for `GrdProduct` maps slant ranges to columns unchanged. Times are seconds since the swath epoch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.products.safe import SafeSource
from ai4c.products.sentinel1 import (
    CoordinateConversion,
    GrdProduct,
    _floats,
    _text,
    choose_polarization,
    parse_calibration,
    parse_geolocation,
    parse_noise,
    parse_orbit_list,
    product_info,
    seconds_since,
    to_datetime64,
)

C = 299792458.0
TOPS_MODES = ("IW", "EW")


@dataclass
class Burst:
    """One burst of a TOPS swath (implements `ai4c.sar.datamodel.TopsBurst`): its lines in the swath TIFF,
    its timing, valid samples per line (-1: invalid line) and the TOPS annotation nearest its mid-time."""

    index: int
    first_line: int  # first TIFF line of the burst
    lines: int
    first_line_time: float  # azimuth time of the burst's first line, s since the swath epoch
    first_valid_sample: np.ndarray
    last_valid_sample: np.ndarray
    doppler_centroid: tuple[float, np.ndarray] = (0.0, np.zeros(1))
    fm_rate: tuple[float, np.ndarray] = (0.0, np.zeros(1))
    azimuth_steering_rate: float = 0.0


@dataclass
class Polynomial:
    """An annotation polynomial in slant-range time: value(tau) = sum c_k (tau - t0)^k, at azimuth `time`."""

    time: float
    t0: float
    coefficients: np.ndarray

    def __call__(self, tau: np.ndarray | float) -> np.ndarray:
        """The polynomial at two-way slant-range times `tau`."""
        return np.polynomial.polynomial.polyval(np.asarray(tau, np.float64) - self.t0, self.coefficients)


@dataclass
class SlcSwath(GrdProduct):
    """One sub-swath (IW1..3, EW1..5) or the single SM swath of one polarisation."""

    swath: str = ""
    bursts: list[Burst] = field(default_factory=list)
    lines_per_burst: int = 0
    doppler: list[Polynomial] = field(default_factory=list)
    fm_rate: list[Polynomial] = field(default_factory=list)
    azimuth_steering_rate: float = 0.0  # rad/s

    @property
    def slant_spacing(self) -> float:
        """Slant-range sample spacing in metres (c / 2 fs)."""
        return C / (2.0 * self.range_sampling_rate)

    @property
    def near_range(self) -> float:
        """Slant range (m) of the first sample."""
        return self.slant_range_time * C / 2.0

    def line_time(self, line: np.ndarray | float) -> np.ndarray:
        """LUT time of swath lines: linear in line between the calibration vectors (burst times jump at
        the joins, so the LUT vectors are interpolated by line, not by the discontinuous burst time)."""
        cal = self.calibration
        line = np.asarray(line, dtype=np.float64)
        if self.bursts and cal is not None and cal.line.size > 1:
            slope = (cal.azimuth_time[-1] - cal.azimuth_time[0]) / (cal.line[-1] - cal.line[0])
            return cal.azimuth_time[0] + (line - cal.line[0]) * slope
        return self.first_line_time + line * self.azimuth_time_interval

    def nearest(self, polys: list[Polynomial], time: float) -> Polynomial:
        """The estimate of `polys` nearest in azimuth time."""
        return polys[int(np.argmin([abs(p.time - time) for p in polys]))]


@dataclass
class SlcProduct:
    """What the pair rules and the pipelines need before any pixel is read."""

    source: SafeSource
    name: str
    mission: str
    mode: str
    polarization: str
    polarizations: list[str]
    swaths: dict[str, SlcSwath]
    absolute_orbit: int
    relative_orbit: int | None  # as annotated in the manifest (None when absent)
    start: np.datetime64  # acquisition start (manifest), else the first line of the earliest swath
    stop: np.datetime64
    footprint: list[tuple[float, float]]  # (lon, lat) corners

    @property
    def is_tops(self) -> bool:
        """IW and EW products are TOPS burst products; SM (S1..S6) is stripmap."""
        return self.mode in TOPS_MODES


def _manifest_facts(source: SafeSource) -> tuple[int, int | None, list[tuple[float, float]], np.datetime64 | None]:
    """Absolute and relative orbit numbers, the footprint and the acquisition start from the manifest."""
    text = source.read_bytes("manifest.safe").decode("utf-8", "replace")
    start = re.search(r"<safe:startTime>([^<]+)<", text)
    absolute = re.search(r"<safe:orbitNumber type=\"start\">(\d+)<", text)
    relative = re.search(r"<safe:relativeOrbitNumber type=\"start\">(\d+)<", text)
    coords = re.search(r"<gml:coordinates>([^<]+)<", text)
    footprint = []
    if coords:
        for pair in coords.group(1).split():
            lat, lon = (float(v) for v in pair.split(","))
            footprint.append((lon, lat))
    if absolute is None:
        raise InvalidProductError(f"{source.name}: manifest.safe has no absolute orbit number; the product is "
                                  "incomplete, download it again")
    return (int(absolute.group(1)), int(relative.group(1)) if relative else None, footprint,
            to_datetime64(start.group(1)) if start else None)


def open_slc(path: Path | str, polarization: str | None = None, swaths: list[str] | None = None) -> SlcProduct:
    """Open one polarisation (default VV, else HH) of an SLC product, every sub-swath unless `swaths` names some."""
    source = SafeSource.open(path)
    info = product_info(source)
    if info["type"] != "SLC":
        hint = "use S1-GRD-preprocess for GRD products" if info["type"] == "GRD" else "give an SLC product"
        raise InvalidProductError(f"{source.name} is a {info['type'] or 'unknown'} product, not SLC; {hint}")
    members = source.find("annotation/s1*.xml")
    by_pol: dict[str, dict[str, str]] = {}
    for member in members:
        parts = member.split("/")[-1].split("-")
        by_pol.setdefault(parts[3].upper(), {})[parts[1].upper()] = member
    present = sorted(by_pol)
    polarization = choose_polarization(source.name, polarization, present, by_pol)
    available = by_pol[polarization]
    wanted = [s.upper() for s in swaths] if swaths else sorted(available)
    missing = [s for s in wanted if s not in available]
    if missing:
        raise InvalidParameterError(f"swaths {', '.join(missing)} not in {source.name} for {polarization}; "
                                    f"it has: {', '.join(sorted(available))}")
    parsed = {s: parse_swath(source, info, polarization, present, available[s]) for s in wanted}
    absolute, relative, footprint, start = _manifest_facts(source)
    first = min(parsed.values(), key=lambda s: s.epoch)
    stop = max(s.epoch + np.timedelta64(int(s.last_line_time * 1e9), "ns") for s in parsed.values())
    return SlcProduct(source, source.name, info["mission"], first.mode, polarization, present, parsed, absolute,
                      relative, start if start is not None else first.epoch, stop, footprint)


def parse_swath(source: SafeSource, info: dict, pol: str, present: list[str], member: str) -> SlcSwath:
    """Build the SlcSwath of one annotation file (with its calibration, noise and measurement members)."""
    base = member.split("/")[-1]
    root = source.xml(member)
    image = root.find("imageAnnotation/imageInformation")
    if image is None:
        raise InvalidProductError(f"{source.name}: {member} has no imageInformation; the annotation is corrupt")
    try:
        epoch = to_datetime64(_text(image, "productFirstLineUtcTime"))
        lines, samples = int(_text(image, "numberOfLines")), int(_text(image, "numberOfSamples"))
        dt = float(_text(image, "azimuthTimeInterval"))
        bursts, per_burst = parse_bursts(root, epoch, lines, samples)
    except (ValueError, TypeError) as err:
        raise InvalidProductError(f"{source.name}: {member} is truncated or corrupt ({err}); download it again") \
            from err
    cal_member = f"annotation/calibration/calibration-{base}"
    noise_member = f"annotation/calibration/noise-{base}"
    measurement = next(iter(source.find(f"measurement/{base[:-4]}.tif*")), None)
    if measurement is not None and source.size(measurement) == 0:
        measurement = None
    fs = float(_text(root, "generalAnnotation/productInformation/rangeSamplingRate"))
    srt = float(_text(image, "slantRangeTime"))
    conv = CoordinateConversion(np.array([0.0]), np.array([srt * C / 2]), np.array([[0.0, 1.0]]),
                                np.array([0.0]), np.array([[0.0, 1.0]]))
    swath = SlcSwath(
        source=source, name=source.name, mission=info["mission"], mode=_text(root, "adsHeader/mode"),
        polarization=pol, polarizations=present, ipf_version=info["ipf"],
        pass_direction=_text(root, "generalAnnotation/productInformation/pass", "Unknown"),
        epoch=epoch, first_line_time=0.0,
        last_line_time=float(seconds_since(to_datetime64(_text(image, "productLastLineUtcTime")), epoch)),
        azimuth_time_interval=dt, lines=lines, samples=samples, range_pixel_spacing=C / (2 * fs),
        azimuth_pixel_spacing=float(_text(image, "azimuthPixelSpacing")), slant_range_time=srt,
        radar_frequency=float(_text(root, "generalAnnotation/productInformation/radarFrequency")),
        range_sampling_rate=fs, incidence_mid=float(_text(image, "incidenceAngleMidSwath", "nan")),
        orbit=parse_orbit_list(root, epoch), geolocation=parse_geolocation(root, epoch), conversion=conv,
        calibration=parse_calibration(source.xml(cal_member), epoch) if cal_member in source.members else None,
        noise=parse_noise(source.xml(noise_member), epoch) if noise_member in source.members else None,
        measurement=measurement, annotation_member=member, swath=_text(root, "adsHeader/swath"), bursts=bursts,
        lines_per_burst=per_burst, doppler=_polynomials(root, epoch, "dopplerCentroid/dcEstimateList/dcEstimate",
                                                        "dataDcPolynomial"),
        fm_rate=_fm_rates(root, epoch),
        azimuth_steering_rate=np.radians(float(_text(root, "generalAnnotation/productInformation/"
                                                           "azimuthSteeringRate", "0"))))
    _attach_tops(swath)
    return swath


def parse_bursts(root, epoch: np.datetime64, lines: int, samples: int) -> tuple[list[Burst], int]:
    """swathTiming/burstList -> bursts with their valid samples per line (none for SM)."""
    per_burst = int(root.findtext("swathTiming/linesPerBurst") or 0)
    nodes = root.findall("swathTiming/burstList/burst")
    bursts = []
    for k, node in enumerate(nodes):
        first = _floats(node.find("firstValidSample")).astype(int)
        last = _floats(node.find("lastValidSample")).astype(int)
        if first.size != per_burst or last.size != per_burst:
            raise InvalidProductError(f"burst {k + 1} annotates {first.size} valid-sample entries for "
                                      f"{per_burst} lines per burst; the annotation is corrupt")
        if not (first >= 0).any():
            raise InvalidProductError(f"burst {k + 1} has no valid line; the annotation is corrupt")
        bursts.append(Burst(k, k * per_burst, per_burst,
                            float(seconds_since(to_datetime64(node.findtext("azimuthTime")), epoch)), first, last))
    if bursts and len(bursts) * per_burst > lines:
        raise InvalidProductError(f"{len(bursts)} bursts of {per_burst} lines exceed the {lines} image lines; "
                                  "the annotation is corrupt")
    return bursts, per_burst


def _attach_tops(swath: SlcSwath) -> None:
    """Give each burst the Doppler centroid and FM rate estimates nearest its mid-time, and the steering rate."""
    for burst in swath.bursts:
        mid = burst.first_line_time + 0.5 * burst.lines * swath.azimuth_time_interval
        if swath.doppler:
            dc = swath.nearest(swath.doppler, mid)
            burst.doppler_centroid = (dc.t0, dc.coefficients)
        if swath.fm_rate:
            fm = swath.nearest(swath.fm_rate, mid)
            burst.fm_rate = (fm.t0, fm.coefficients)
        burst.azimuth_steering_rate = swath.azimuth_steering_rate


def stripmap_as_burst(swath: SlcSwath) -> SlcSwath:
    """A stripmap (SM) swath described as one burst of all its lines (every sample valid, the Doppler centroid
    and FM rate of its mid-time, no steering), so that burst-wise coregistration and deburst apply unchanged:
    the 'steering' phase reduces to the Doppler centroid's linear phase."""
    import dataclasses

    burst = Burst(0, 0, swath.lines, swath.first_line_time, np.zeros(swath.lines, int),
                  np.full(swath.lines, swath.samples - 1))
    one = dataclasses.replace(swath, bursts=[burst], lines_per_burst=swath.lines, azimuth_steering_rate=0.0)
    _attach_tops(one)
    return one


def _polynomials(root, epoch: np.datetime64, path: str, tag: str) -> list[Polynomial]:
    """Azimuth-time-stamped slant-range-time polynomials (Doppler centroid)."""
    out = []
    for node in root.findall(path):
        coeffs = _floats(node.find(tag))
        out.append(Polynomial(float(seconds_since(to_datetime64(node.findtext("azimuthTime")), epoch)),
                              float(node.findtext("t0")), coeffs))
    return out


def _fm_rates(root, epoch: np.datetime64) -> list[Polynomial]:
    """Azimuth FM rates: `azimuthFmRatePolynomial` (IPF >= 2.8) or the older c0, c1, c2 elements."""
    out = []
    for node in root.findall("generalAnnotation/azimuthFmRateList/azimuthFmRate"):
        poly = node.find("azimuthFmRatePolynomial")
        coeffs = _floats(poly) if poly is not None else np.array([float(node.findtext(c)) for c in ("c0", "c1", "c2")])
        out.append(Polynomial(float(seconds_since(to_datetime64(node.findtext("azimuthTime")), epoch)),
                              float(node.findtext("t0")), coeffs))
    return out


def read_complex(swath: SlcSwath, chunks: tuple[int, int] = (512, 4096)):
    """The swath's complex samples as a lazy (line, pixel) complex64 DataArray (windows read on demand)."""
    import rioxarray  # noqa: F401

    da = swath.read_dn(chunks)
    if not np.issubdtype(da.dtype, np.complexfloating) and da.dtype.kind != "c":
        raise InvalidProductError(f"{swath.name}: measurement {swath.measurement} holds {da.dtype}, not complex "
                                  "samples; it is not an SLC measurement")
    out = da.astype(np.complex64)
    out.attrs = {**da.attrs, "swath": swath.swath}
    return out


@dataclass(frozen=True)
class LineReader:
    """A swath measurement's lines read on demand: reader[a:b] -> complex64 (b - a, samples), reader[a:b, c:d]
    -> (b - a, d - c). Handed to tasks instead of the lazy array, which dask would compute whole (the entire
    swath) as the task's input."""

    swath: SlcSwath

    def __getitem__(self, key: slice | tuple[slice, slice]) -> np.ndarray:
        import rasterio
        from rasterio.windows import Window

        lines, samples = key if isinstance(key, tuple) else (key, slice(None))
        start, stop, _ = lines.indices(self.swath.lines)
        first, last, _ = samples.indices(self.swath.samples)
        window = Window(first, start, max(last - first, 0), max(stop - start, 0))
        with rasterio.open(self.swath.source.gdal_path(self.swath.measurement)) as src:
            return src.read(1, window=window).astype(np.complex64)
