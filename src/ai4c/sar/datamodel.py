"""What SAR algorithms need from a product, as small structural interfaces (typing.Protocol).

`ai4c.sar` works on "a product with an orbit, a radar geometry and calibration/noise look-ups", never on
SAFE: a reader in `ai4c.products` (the GRD reader today, the SLC reader per burst next) provides these
attributes and methods without importing this module (layers point down: products never import sar), and
the algorithms type their arguments with these protocols. Times are float seconds since the product's
`epoch` (datetime64[ns], UTC); positions are ECEF metres on WGS84; lines and pixels are 0-based image
coordinates of the image the object describes (a GRD scene, an SLC burst, a debursted swath).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class StateVectors(Protocol):
    """Orbit state vectors: `position` (n, 3) m and `velocity` (n, 3) m/s at `time` (n,) s since `epoch`,
    sorted in time; `source` names where they came from ("annotation", "POEORB:<file>", ...)."""

    epoch: np.datetime64
    time: np.ndarray
    position: np.ndarray
    velocity: np.ndarray
    source: str


@runtime_checkable
class OrbitInterpolator(Protocol):
    """An orbit as a function of time (implemented by `ai4c.sar.orbit.HermiteOrbit`)."""

    vectors: StateVectors

    def state(self, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Position and velocity (n, 3) at times `t` (s since the vectors' epoch)."""
        ...

    def zero_doppler_time(self, points: np.ndarray, t_guess: float) -> np.ndarray:
        """Azimuth time (n,) at which each ECEF point (n, 3) is at zero Doppler (perpendicular to the velocity)."""
        ...


@runtime_checkable
class RangeConversion(Protocol):
    """Slant range (m) -> range coordinate (m) per azimuth record: coordinate = sum_k srgr[i, k] (R - sr0[i])^k
    with the record i nearest in azimuth time; the image column is the coordinate / range_pixel_spacing.
    GRD: the annotation's coordinateConversion (ground range). SLC (slant-range images): one record with
    sr0 = the near slant range and srgr = [[0, 1]] (the coordinate is the slant range offset)."""

    azimuth_time: np.ndarray
    sr0: np.ndarray
    srgr: np.ndarray


@runtime_checkable
class RadarImageGeometry(Protocol):
    """Azimuth timing and range sampling of a radar image with evenly spaced lines in zero-Doppler time."""

    epoch: np.datetime64
    first_line_time: float  # azimuth time of line 0, s since epoch
    azimuth_time_interval: float  # s between lines
    lines: int
    samples: int
    slant_range_time: float  # two-way slant range time of column 0 (s)
    range_sampling_rate: float  # Hz
    range_pixel_spacing: float  # m, along the range coordinate of `conversion` (ground for GRD, slant for SLC)
    radar_frequency: float  # Hz
    conversion: RangeConversion

    def line_time(self, line: np.ndarray | float) -> np.ndarray:
        """Azimuth time (s since epoch) of image lines (fractional lines allowed)."""
        ...


@runtime_checkable
class LookupTable(Protocol):
    """Annotation vectors along azimuth (calibration or noise range LUTs): per vector an image line, its
    azimuth time, the pixels it samples and, per LUT name, the values at those pixels. Vectors may start
    before line 0 or end after the last line, exactly as annotated."""

    line: np.ndarray
    azimuth_time: np.ndarray
    pixel: list[np.ndarray]
    values: dict[str, list[np.ndarray]]


@runtime_checkable
class AzimuthNoise(Protocol):
    """IPF >= 2.9 azimuth noise vector valid for a (line, sample) block of one sub-swath."""

    swath: str
    first_line: int
    last_line: int
    first_sample: int
    last_sample: int
    line: np.ndarray
    lut: np.ndarray


@runtime_checkable
class NoiseLuts(Protocol):
    """Thermal noise: the range LUT (values["noise"]) always, azimuth blocks for IPF >= 2.9 (`new_format`)."""

    range_lut: LookupTable
    azimuth: Sequence[AzimuthNoise]

    @property
    def new_format(self) -> bool:
        """True for the IPF >= 2.9 range x azimuth format."""
        ...


@runtime_checkable
class SarProduct(RadarImageGeometry, Protocol):
    """One polarisation of a Level-1 product (or one burst of it): identity, orbit, geometry, look-ups.
    `calibration` holds the sigmaNought/betaNought/gamma/dn LUTs, `noise` the thermal noise; either is None
    when the product lacks that annotation."""

    name: str
    mission: str
    mode: str
    polarization: str
    ipf_version: float
    orbit: StateVectors
    calibration: LookupTable | None
    noise: NoiseLuts | None


@runtime_checkable
class TopsBurst(Protocol):
    """One TOPS burst of an SLC sub-swath, for deburst, deramping and ESD. A burst seen as an image is a
    `SarProduct` whose line 0 is the burst's first line (`first_line_time`, `lines` = lines per burst);
    these fields add what TOPS processing needs. Polynomials are (t0, coefficients): value = sum c_k (tau - t0)^k
    with tau the two-way slant range time (s)."""

    index: int
    first_line: int  # the burst's first line in the sub-swath image
    lines: int  # lines per burst
    first_line_time: float  # azimuth time of its first line, s since epoch
    first_valid_sample: np.ndarray  # (lines,), -1 where the line is invalid
    last_valid_sample: np.ndarray  # (lines,), -1 where the line is invalid
    doppler_centroid: tuple[float, np.ndarray]  # Hz, in slant range time
    fm_rate: tuple[float, np.ndarray]  # azimuth FM rate (Hz/s), in slant range time
    azimuth_steering_rate: float  # rad/s
