"""Simulated Sentinel-1 IW SLC products: 3 sub-swaths of bursts with real-like overlaps, Doppler centroid and
FM-rate annotation and the TOPS azimuth-steering phase in the samples, written in the SAFE layout of the
real products (complex int16 TIFFs that GDAL and xarray-sentinel open), from a known truth; or a stripmap
(SM, swath S3) product: one continuous swath, no bursts, no steering (only the Doppler centroid's phase).

The truth is computed here, independently of the processing code: point targets are placed at chosen
(zero-Doppler time, slant range) and their ground position is found by the simulator's own radar->ground
root finding; the "ramp" scene is an analytic function of (azimuth time, slant range), so a seamless
deburst must reproduce it exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ai4c.simulate.s1.geometry import ground_of_image
from ai4c.simulate.s1.grd import synthetic_geometry

C = 299792458.0
WAVELENGTH = C / 5.405000454334350e09
DT = 2.055556299999998e-03  # IW azimuth time interval
FS = 6.434523812571428e07  # IW range sampling rate
STEERING_RATE = math.radians(1.590368784)  # rad/s (IW2)
FM_RATE = -2320.0  # Hz/s, constant-term azimuth FM rate written to the annotation
AZ_BANDWIDTH, RG_BANDWIDTH = 0.67, 0.88  # processed bandwidths as fractions of the sampling rates
BETA = 237.0  # calibration constant: |DN|^2 / BETA^2 = beta0


@dataclass
class SwathLayout:
    """One sub-swath: burst timing (product-epoch seconds), range start and valid areas."""

    name: str
    first_burst_time: float
    bursts: int
    lines_per_burst: int
    burst_cycle: int  # lines between burst starts
    samples: int
    slant_range_time: float
    invalid_lines: int
    invalid_samples: int
    doppler_centroid: float = 0.0  # Hz (constant data Doppler)
    steering_rate: float = STEERING_RATE  # rad/s (0 for stripmap)

    def burst_times(self) -> np.ndarray:
        """Azimuth time of each burst's first line."""
        return self.first_burst_time + np.arange(self.bursts) * self.burst_cycle * DT

    def slant_range(self, samples: np.ndarray) -> np.ndarray:
        """Slant range (m) of samples."""
        return (self.slant_range_time + np.asarray(samples, np.float64) / FS) * C / 2


@dataclass
class SlcTruth:
    """What the simulator put in."""

    epoch: np.datetime64
    orbit: object  # OrbitVectors
    swaths: list[SwathLayout]
    height: float
    scene: str  # "speckle" or "ramp"
    beta0: float = 0.1
    targets: list[dict] = field(default_factory=list)  # time, slant_range, lat, lon, h, amplitude
    mission: str = "S1A"
    absolute_orbit: int = 37258
    pass_direction: str = "Descending"
    mode: str = "IW"  # or "SM" (one swath, S3)

    def mid_time(self) -> float:
        """Mid azimuth time of the scene."""
        first = min(s.first_burst_time for s in self.swaths)
        last = max(s.burst_times()[-1] + s.lines_per_burst * DT for s in self.swaths)
        return 0.5 * (first + last)


def ramp_beta0(time: np.ndarray, slant_range: np.ndarray) -> np.ndarray:
    """The analytic 'ramp' scene: beta0 oscillating with azimuth time (23-line period) and slant range
    (17-sample period), so a duplicated, missing or shifted line or sample shows (arrays broadcast)."""
    phase_t = 2 * np.pi * np.asarray(time) / (23 * DT)
    phase_r = 2 * np.pi * np.asarray(slant_range) / (17 * C / (2 * FS))
    return 1.0 + 0.4 * np.sin(phase_t) + 0.4 * np.sin(phase_r)


def tops_phase(eta: np.ndarray, doppler: float, steering_rate: float, velocity: float, fm_rate: float) -> np.ndarray:
    """TOPS azimuth-steering phase of a focused burst at azimuth times `eta` from the burst centre: the
    Doppler centroid sweeps linearly in time at k_t = k_a k_s / (k_a - k_s), k_s = 2 v k_psi / lambda
    (ESA, Definition of the TOPS SLC deramping function, Miranda 2017, eqs. 3-10, constant in range here)."""
    k_s = 2.0 * velocity / WAVELENGTH * steering_rate
    k_t = fm_rate * k_s / (fm_rate - k_s)
    return -np.pi * k_t * eta ** 2 - 2 * np.pi * doppler * eta


def iw_layout(lines_per_burst: int, samples: int, bursts: int, near_time: float, swaths: int = 3) -> list[SwathLayout]:
    """Sub-swath layout in the proportions of a real IW product: a burst cycle of 0.894 burst, sub-swaths
    started 0.66 and 0.35 of a cycle apart, sub-swaths overlapping by >= 48 samples (real: ~550), invalid margins."""
    cycle = int(round(0.894 * lines_per_burst))
    overlap = max(48, samples // 10)  # samples: wide enough for margins and repeat-pass range offsets
    starts = (0.66, 0.0, 0.35)
    out = []
    for k in range(swaths):
        tau = near_time + k * (samples - overlap) / FS
        out.append(SwathLayout(f"IW{k + 1}", round(starts[k % 3] * cycle) * DT, bursts, lines_per_burst, cycle,
                               samples, tau, max(2, lines_per_burst // 60), max(2, samples // 60),
                               doppler_centroid=15.0 * (k - 1)))
    return out


def sm_layout(lines: int, samples: int, near_time: float) -> list[SwathLayout]:
    """The one swath of a stripmap product: `lines` continuous lines (one 'burst' to the renderers, not
    annotated as a burst), all valid, a constant Doppler centroid and no steering."""
    return [SwathLayout("S3", 0.0, 1, lines, lines, samples, near_time, 0, 0, doppler_centroid=20.0,
                        steering_rate=0.0)]


def make_truth(centre: tuple[float, float], *, lines_per_burst: int = 200, samples: int = 480, bursts: int = 3,
               ascending: bool = False, height: float = 100.0, scene: str = "speckle",
               epoch: np.datetime64 | None = None, targets: int = 5, mode: str = "IW") -> SlcTruth:
    """The orbit and layout imaging `centre` at mid scene and mid range, and point targets in it. `mode` SM:
    one stripmap swath of bursts x lines_per_burst lines and `samples` samples."""
    epoch = epoch if epoch is not None else np.datetime64("2021-06-01T05:26:23.500000", "ns")
    stripmap = mode.upper() == "SM"
    total_lines = bursts * lines_per_burst if stripmap else int(bursts * 0.894 * lines_per_burst + lines_per_burst)
    total_samples = samples if stripmap else 3 * samples
    spacing = C / (2 * FS) / math.sin(math.radians(37.0))
    geom = synthetic_geometry(centre, total_lines, int(total_samples * (C / (2 * FS)) / spacing), ascending, epoch,
                              spacing=spacing)
    geom_dt = geom.line_interval
    t_mid_geom = 0.5 * total_lines * geom_dt
    sr_mid = geom.conversion.sr0[0] + 0.5 * geom.samples * spacing * math.sin(math.radians(37.0))
    near_time = 2 * sr_mid / C - 0.5 * total_samples / FS
    layout = sm_layout(total_lines, samples, near_time) if stripmap else \
        iw_layout(lines_per_burst, samples, bursts, near_time)
    shift = t_mid_geom - 0.5 * total_lines * DT
    for s in layout:
        s.first_burst_time += shift
    truth = SlcTruth(epoch, geom.orbit, layout, height, scene,
                     pass_direction="Ascending" if ascending else "Descending", mode="SM" if stripmap else "IW")
    truth.targets = _place_targets(truth, targets)
    return truth


def _place_targets(truth: SlcTruth, n: int) -> list[dict]:
    """Targets spread over the scene (inside the valid area of the merged swaths), with their ground truth."""
    if n == 0:
        return []
    first = truth.swaths[0]
    t_lo = max(s.first_burst_time for s in truth.swaths) + 0.3 * first.lines_per_burst * DT
    t_hi = min(s.burst_times()[-1] + s.lines_per_burst * DT for s in truth.swaths) - 0.3 * first.lines_per_burst * DT
    times = np.linspace(t_lo, t_hi, n)
    near = first.slant_range(3 * first.invalid_samples + 10)
    far = truth.swaths[-1].slant_range(truth.swaths[-1].samples - 3 * first.invalid_samples - 10)
    ranges = np.linspace(near, far, n)[::-1] if n > 1 else np.array([0.5 * (near + far)])
    dem = np.full((2, 2), truth.height)
    geo = np.array([-180.0, 90.0, 360.0, 180.0])
    g = ground_of_image(times, ranges[:, None] * np.ones((n, 1)), truth.orbit.time, truth.orbit.position,
                        truth.orbit.velocity, dem, geo)
    return [{"time": float(times[i]), "slant_range": float(ranges[i]), "lat": float(g[0, i, 0]),
             "lon": float(g[1, i, 0]), "h": float(g[2, i, 0]), "amplitude": 6000.0} for i in range(n)]


def burst_ground(truth: SlcTruth, swath: SwathLayout, burst: int, step: int = 16) -> tuple[np.ndarray, ...]:
    """Tie points of one burst (every `step` lines/samples, last included): times, ranges, lat, lon, h, incidence."""
    t0 = swath.burst_times()[burst]
    lines = np.unique(np.r_[np.arange(0, swath.lines_per_burst, step), swath.lines_per_burst - 1])
    cols = np.unique(np.r_[np.arange(0, swath.samples, step), swath.samples - 1])
    times = t0 + lines * DT
    ranges = np.repeat(swath.slant_range(cols)[None, :], lines.size, axis=0)
    g = ground_of_image(times, ranges, truth.orbit.time, truth.orbit.position, truth.orbit.velocity,
                        np.full((2, 2), truth.height), np.array([-180.0, 90.0, 360.0, 180.0]))
    return lines, cols, times, ranges, g


def render_burst(truth: SlcTruth, swath: SwathLayout, burst: int, rng: np.random.Generator,
                 noise_power: float, gain: float = 1.0) -> np.ndarray:
    """Complex DNs of one burst: scene (speckle or ramp) x BETA, point targets, thermal noise, TOPS phase."""
    t0 = swath.burst_times()[burst]
    times = t0 + np.arange(swath.lines_per_burst) * DT
    ranges = swath.slant_range(np.arange(swath.samples))
    shape = (times.size, ranges.size)
    if truth.scene == "ramp":
        power = ramp_beta0(times[:, None], ranges[None, :]) * BETA ** 2 * gain + noise_power
        field_ = np.sqrt(power).astype(np.complex128)
    else:
        field_ = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * math.sqrt(truth.beta0 * gain / 2) * BETA
    for target in truth.targets:
        line = (target["time"] - t0) / DT
        col = (2 * target["slant_range"] / C - swath.slant_range_time) * FS
        if -8 <= line < shape[0] + 8 and -8 <= col < shape[1] + 8:
            field_ += target["amplitude"] * np.outer(np.sinc(AZ_BANDWIDTH * (np.arange(shape[0]) - line)),
                                                     np.sinc(RG_BANDWIDTH * (np.arange(shape[1]) - col)))
    if noise_power > 0 and truth.scene != "ramp":
        field_ += (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * math.sqrt(noise_power / 2)
    velocity = float(np.linalg.norm(truth.orbit.velocity[len(truth.orbit.time) // 2]))
    eta = times - (t0 + 0.5 * swath.lines_per_burst * DT)
    field_ *= np.exp(1j * tops_phase(eta, swath.doppler_centroid, swath.steering_rate, velocity, FM_RATE))[:, None]
    field_[: swath.invalid_lines] = 0
    field_[swath.lines_per_burst - swath.invalid_lines:] = 0
    field_[:, : swath.invalid_samples] = 0
    field_[:, swath.samples - swath.invalid_samples:] = 0
    return field_
