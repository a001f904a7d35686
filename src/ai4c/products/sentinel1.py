"""Sentinel-1 Level-1 GRD reader: SAFE (zip or folder) -> metadata dataclasses and a lazy DN array.

Times are float seconds since `GrdProduct.epoch` (the first line time, UTC) so that algorithms work
on plain float64 arrays. Every LUT keeps the lines, pixels and azimuth times of its vectors, exactly
as annotated (vectors may start before line 0 or end after the last line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.products.safe import SafeSource

GRD_TYPES = ("GRD",)
MODES = ("IW", "EW", "SM", "S1", "S2", "S3", "S4", "S5", "S6", "WV")


def to_datetime64(text: str) -> np.datetime64:
    """Parse an annotation time (`2021-04-01T05:26:23.794457`, optionally `UTC=`) as datetime64[ns]."""
    return np.datetime64(text.strip().removeprefix("UTC=").removeprefix("TAI="), "ns")


def seconds_since(times: np.ndarray | np.datetime64, epoch: np.datetime64) -> np.ndarray:
    """Float seconds between datetime64 values and `epoch`."""
    return (np.asarray(times, "datetime64[ns]") - epoch).astype("timedelta64[ns]").astype(np.float64) * 1e-9


@dataclass
class OrbitVectors:
    """Orbit state vectors (ECEF metres and m/s) at `time` seconds since `epoch`."""

    epoch: np.datetime64
    time: np.ndarray
    position: np.ndarray  # (n, 3)
    velocity: np.ndarray  # (n, 3)
    source: str = "annotation"

    def restrict(self, start: float, stop: float, margin: float = 120.0) -> OrbitVectors:
        """Only the vectors within [start - margin, stop + margin] (at least 4 around the interval)."""
        idx = np.flatnonzero((self.time >= start - margin) & (self.time <= stop + margin))
        if idx.size < 4:
            centre = np.searchsorted(self.time, 0.5 * (start + stop))
            idx = np.arange(max(0, centre - 2), min(len(self.time), centre + 2))
        return OrbitVectors(self.epoch, self.time[idx], self.position[idx], self.velocity[idx], self.source)


@dataclass
class GeolocationGrid:
    """The annotation's tie points: (line, pixel) -> azimuth time, slant-range time, lat, lon, height."""

    line: np.ndarray
    pixel: np.ndarray
    azimuth_time: np.ndarray
    slant_range_time: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    height: np.ndarray
    incidence_angle: np.ndarray

    def hull(self, rows: np.ndarray | None = None):
        """Convex hull (lon/lat shapely geometry) of the tie points, or of those the boolean mask `rows` selects:
        the footprint of a product, a sub-swath or a burst."""
        import shapely

        lon, lat = (self.longitude, self.latitude) if rows is None else (self.longitude[rows], self.latitude[rows])
        return shapely.convex_hull(shapely.MultiPoint(np.column_stack([lon, lat])))


@dataclass
class CoordinateConversion:
    """Slant range <-> ground range polynomials, one record per azimuth time."""

    azimuth_time: np.ndarray
    sr0: np.ndarray
    srgr: np.ndarray  # (n, k): ground range = sum c_k (slant range - sr0)^k
    gr0: np.ndarray
    grsr: np.ndarray  # (n, k): slant range = sum c_k (ground range - gr0)^k


@dataclass
class Lut:
    """A LUT of vectors along azimuth: per vector a line, an azimuth time, pixels and values per name."""

    line: np.ndarray
    azimuth_time: np.ndarray
    pixel: list[np.ndarray]
    values: dict[str, list[np.ndarray]]


@dataclass
class AzimuthNoiseBlock:
    """IPF >= 2.9 azimuth noise vector valid for a (line, sample) block of one sub-swath."""

    swath: str
    first_line: int
    last_line: int
    first_sample: int
    last_sample: int
    line: np.ndarray
    lut: np.ndarray


@dataclass
class Noise:
    """Thermal noise LUTs: `range_lut` always (old format: the only one), `azimuth` blocks for IPF >= 2.9."""

    range_lut: Lut
    azimuth: list[AzimuthNoiseBlock] = field(default_factory=list)

    @property
    def new_format(self) -> bool:
        """True for the IPF >= 2.9 range x azimuth format."""
        return bool(self.azimuth)


@dataclass
class GrdProduct:
    """One polarisation of a GRD product: image geometry, orbit, LUTs and where the pixels are."""

    source: SafeSource
    name: str
    mission: str
    mode: str
    polarization: str
    polarizations: list[str]
    ipf_version: float
    pass_direction: str
    epoch: np.datetime64
    first_line_time: float
    last_line_time: float
    azimuth_time_interval: float
    lines: int
    samples: int
    range_pixel_spacing: float
    azimuth_pixel_spacing: float
    slant_range_time: float
    radar_frequency: float
    range_sampling_rate: float
    incidence_mid: float
    orbit: OrbitVectors
    geolocation: GeolocationGrid
    conversion: CoordinateConversion
    calibration: Lut | None
    noise: Noise | None
    measurement: str | None
    annotation_member: str

    def line_time(self, line: np.ndarray | float) -> np.ndarray:
        """Azimuth time (s since epoch) of image lines."""
        return self.first_line_time + np.asarray(line, dtype=np.float64) * self.azimuth_time_interval

    def read_dn(self, chunks: int | tuple[int, int] = 2048):
        """The measurement DNs as a lazy (line, pixel) DataArray; error when the TIFF is missing."""
        import rioxarray  # noqa: F401

        if self.measurement is None:
            raise InvalidProductError(
                f"{self.name}: no measurement TIFF for {self.polarization} (only annotations are present); "
                "give the complete product as downloaded")
        try:
            da = rioxarray.open_rasterio(self.source.gdal_path(self.measurement), chunks=_chunk_dict(chunks),
                                         lock=False, parse_coordinates=False)
        except Exception as exc:
            raise InvalidProductError(f"{self.name}: measurement {self.measurement} is unreadable ({exc})") from exc
        if da.shape[-2:] != (self.lines, self.samples):
            raise InvalidProductError(
                f"{self.name}: measurement is {da.shape[-2]}x{da.shape[-1]} but the annotation says "
                f"{self.lines}x{self.samples}; the product is corrupt")
        da = da.isel(band=0, drop=True).rename({"y": "line", "x": "pixel"})
        da = da.drop_vars([c for c in da.coords], errors="ignore")
        da.attrs = {"product": self.name, "polarization": self.polarization}
        return da


def _chunk_dict(chunks: int | tuple[int, int]) -> dict:
    """rioxarray chunk spec for (band, y, x)."""
    if isinstance(chunks, int):
        chunks = (chunks, chunks)
    return {"band": 1, "y": chunks[0], "x": chunks[1]}


def _floats(element) -> np.ndarray:
    """Whitespace-separated numbers of an XML element."""
    return np.array(element.text.split(), dtype=np.float64) if element is not None and element.text else np.array([])


def _text(root, path: str, default: str | None = None) -> str:
    """Text of the first element at `path`, or `default` (an error when no default)."""
    node = root.find(path)
    if node is None or node.text is None:
        if default is not None:
            return default
        raise InvalidProductError(f"annotation has no {path}")
    return node.text.strip()


def product_info(source: SafeSource) -> dict:
    """Mission, mode, product type, polarisations and IPF version from the manifest (and the name)."""
    manifest = source.xml("manifest.safe")
    ns = {"s1sarl1": "http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1",
          "safe": "http://www.esa.int/safe/sentinel-1.0"}
    ptype = manifest.findtext(".//s1sarl1:productType", namespaces=ns) or ""
    pols = [p.text for p in manifest.findall(".//s1sarl1:transmitterReceiverPolarisation", ns)]
    mode = manifest.findtext(".//s1sarl1:mode", namespaces=ns) or ""
    software = manifest.find(".//safe:software[@name='Sentinel-1 IPF']", ns)
    ipf = float(software.get("version")) if software is not None and software.get("version") else 0.0
    match = re.match(r"(S1[ABCD])_(\w\w)_(\w{3})", source.name)
    if not ptype and match:
        ptype = match.group(3)[:3]
    mission = match.group(1) if match else "S1"
    return {"type": ptype, "mode": mode or (match.group(2) if match else ""), "polarizations": pols,
            "ipf": ipf, "mission": mission}


def require_slc(path: Path | str) -> SafeSource:
    """For SLC commands: the product's SAFE source, or an error naming the GRD command for GRD products."""
    source = SafeSource.open(path)
    ptype = product_info(source)["type"]
    if ptype != "SLC":
        hint = "use S1-GRD-preprocess for GRD products" if ptype == "GRD" else "give an SLC product"
        raise InvalidProductError(f"{source.name} is a {ptype or 'unknown'} product, not SLC; {hint}")
    return source


def choose_polarization(name: str, polarization: str | None, present: list[str], available) -> str:
    """The polarisation asked for (default: the first co-pol present, VV or HH), or an error naming those present."""
    if polarization is None:
        polarization = next((p for p in ("VV", "HH") if p in present), present[0] if present else "VV")
    polarization = polarization.upper()
    if polarization not in available:
        raise InvalidParameterError(
            f"polarization={polarization!r} is not in {name}; it has: {', '.join(present) or 'none'}")
    return polarization


def open_grd(path: Path | str, polarization: str | None = None) -> GrdProduct:
    """Open one polarisation (default: the first co-pol present, VV or HH) of a GRD product."""
    source = SafeSource.open(path)
    info = product_info(source)
    if info["type"] != "GRD":
        hint = "use S1-SLC-preprocess for SLC products" if info["type"] == "SLC" else "give a GRD product"
        raise InvalidProductError(f"{source.name} is a {info['type'] or 'unknown'} product, not GRD; {hint}")
    annotations = {m.split("-")[3].upper(): m for m in source.find("annotation/s1*.xml")}
    present = sorted(annotations) or sorted(info["polarizations"])
    polarization = choose_polarization(source.name, polarization, present, annotations)
    member = annotations[polarization]
    base = member.split("/")[-1]
    return _parse(source, info, polarization, present, member, base)


def _parse(source: SafeSource, info: dict, pol: str, present: list[str], member: str, base: str) -> GrdProduct:
    """Build the GrdProduct of one polarisation from its annotation, calibration and noise XML."""
    root = source.xml(member)
    image = root.find("imageAnnotation/imageInformation")
    if image is None:
        raise InvalidProductError(f"{source.name}: {member} has no imageInformation")
    epoch = to_datetime64(_text(image, "productFirstLineUtcTime"))
    cal_member = f"annotation/calibration/calibration-{base}"
    noise_member = f"annotation/calibration/noise-{base}"
    measurement = next(iter(source.find(f"measurement/{base[:-4]}.tif*")), None)
    if measurement is not None and source.size(measurement) == 0:
        measurement = None
    return GrdProduct(
        source=source, name=source.name, mission=info["mission"], mode=_text(root, "adsHeader/mode"),
        polarization=pol, polarizations=present, ipf_version=info["ipf"],
        pass_direction=_text(root, "generalAnnotation/productInformation/pass", "Unknown"),
        epoch=epoch, first_line_time=0.0,
        last_line_time=float(seconds_since(to_datetime64(_text(image, "productLastLineUtcTime")), epoch)),
        azimuth_time_interval=float(_text(image, "azimuthTimeInterval")),
        lines=int(_text(image, "numberOfLines")), samples=int(_text(image, "numberOfSamples")),
        range_pixel_spacing=float(_text(image, "rangePixelSpacing")),
        azimuth_pixel_spacing=float(_text(image, "azimuthPixelSpacing")),
        slant_range_time=float(_text(image, "slantRangeTime")),
        radar_frequency=float(_text(root, "generalAnnotation/productInformation/radarFrequency")),
        range_sampling_rate=float(_text(root, "generalAnnotation/productInformation/rangeSamplingRate")),
        incidence_mid=float(_text(image, "incidenceAngleMidSwath", "nan")),
        orbit=parse_orbit_list(root, epoch), geolocation=parse_geolocation(root, epoch),
        conversion=parse_conversion(root, epoch),
        calibration=parse_calibration(source.xml(cal_member), epoch) if cal_member in source.members else None,
        noise=parse_noise(source.xml(noise_member), epoch) if noise_member in source.members else None,
        measurement=measurement, annotation_member=member)


def parse_orbit_list(root, epoch: np.datetime64) -> OrbitVectors:
    """generalAnnotation/orbitList -> OrbitVectors."""
    orbits = root.findall("generalAnnotation/orbitList/orbit")
    if len(orbits) < 4:
        raise InvalidProductError(f"annotation has {len(orbits)} orbit state vectors; at least 4 are needed")
    times = np.array([to_datetime64(o.findtext("time")) for o in orbits])
    pos = np.array([[float(o.findtext(f"position/{a}")) for a in "xyz"] for o in orbits])
    vel = np.array([[float(o.findtext(f"velocity/{a}")) for a in "xyz"] for o in orbits])
    return OrbitVectors(epoch, seconds_since(times, epoch), pos, vel)


def parse_geolocation(root, epoch: np.datetime64) -> GeolocationGrid:
    """geolocationGrid tie points as 1-D arrays."""
    points = root.findall("geolocationGrid/geolocationGridPointList/geolocationGridPoint")
    if not points:
        raise InvalidProductError("annotation has no geolocation grid points")

    def col(tag: str) -> np.ndarray:
        return np.array([float(p.findtext(tag)) for p in points])

    times = np.array([to_datetime64(p.findtext("azimuthTime")) for p in points])
    return GeolocationGrid(col("line"), col("pixel"), seconds_since(times, epoch), col("slantRangeTime"),
                           col("latitude"), col("longitude"), col("height"), col("incidenceAngle"))


def parse_conversion(root, epoch: np.datetime64) -> CoordinateConversion:
    """coordinateConversion records (srgr / grsr polynomials)."""
    records = root.findall("coordinateConversion/coordinateConversionList/coordinateConversion")
    if not records:
        raise InvalidProductError("annotation has no coordinateConversion records (needed for GRD geometry)")
    times = np.array([to_datetime64(r.findtext("azimuthTime")) for r in records])
    return CoordinateConversion(
        seconds_since(times, epoch), np.array([float(r.findtext("sr0")) for r in records]),
        np.array([_floats(r.find("srgrCoefficients")) for r in records]),
        np.array([float(r.findtext("gr0")) for r in records]),
        np.array([_floats(r.find("grsrCoefficients")) for r in records]))


def _parse_vectors(vectors: list, epoch: np.datetime64, names: tuple[str, ...]) -> Lut:
    """Vectors with azimuthTime, line, pixel and value lists -> Lut."""
    times = np.array([to_datetime64(v.findtext("azimuthTime")) for v in vectors])
    pixels = [_floats(v.find("pixel")) for v in vectors]
    values = {n: [_floats(v.find(n)) for v in vectors] for n in names if vectors[0].find(n) is not None}
    return Lut(np.array([float(v.findtext("line")) for v in vectors]), seconds_since(times, epoch), pixels, values)


def parse_calibration(root, epoch: np.datetime64) -> Lut:
    """calibrationVectorList -> Lut with sigmaNought, betaNought, gamma, dn."""
    vectors = root.findall("calibrationVectorList/calibrationVector")
    if not vectors:
        raise InvalidProductError("calibration annotation has no calibration vectors")
    return _parse_vectors(vectors, epoch, ("sigmaNought", "betaNought", "gamma", "dn"))


def parse_noise(root, epoch: np.datetime64) -> Noise:
    """Noise LUTs in the old (noiseVectorList) or the IPF >= 2.9 (range + azimuth) format."""
    old = root.findall("noiseVectorList/noiseVector")
    if old:
        lut = _parse_vectors(old, epoch, ("noiseLut",))
        lut.values = {"noise": lut.values["noiseLut"]}
        return Noise(lut)
    ranges = root.findall("noiseRangeVectorList/noiseRangeVector")
    if not ranges:
        raise InvalidProductError("noise annotation has neither noiseVectorList nor noiseRangeVectorList")
    lut = _parse_vectors(ranges, epoch, ("noiseRangeLut",))
    lut.values = {"noise": lut.values["noiseRangeLut"]}
    blocks = [AzimuthNoiseBlock(
        swath=b.findtext("swath", ""), first_line=int(b.findtext("firstAzimuthLine")),
        last_line=int(b.findtext("lastAzimuthLine")), first_sample=int(b.findtext("firstRangeSample")),
        last_sample=int(b.findtext("lastRangeSample")), line=_floats(b.find("line")),
        lut=_floats(b.find("noiseAzimuthLut")))
        for b in root.findall("noiseAzimuthVectorList/noiseAzimuthVector")]
    return Noise(lut, blocks)
