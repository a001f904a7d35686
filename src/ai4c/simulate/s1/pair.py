"""A coregistrable pair of simulated IW SLC products from one truth: the same band-limited complex
reflectivity seen twice, 12 days apart, from orbits `baseline` metres apart (perpendicular to the track),
with a known azimuth misregistration (an annotated fraction of a line plus an unannotated timing error
that only ESD can find), decorrelated discs (coherence 0.2), backscatter-change discs (+/-6 dB, coherence
0.2) and coherent ground (0.9).

The truth is computed here and only here: the reflectivity is white noise on the reference radar grid,
band-limited by a fixed windowed-sinc kernel, and each image samples it at its own positions (the reference
at whole samples, the secondary where its pixels really look, from the simulator's own radar->ground).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ai4c.simulate.s1.geometry import ground_of_image, radar_to_ground
from ai4c.simulate.s1.slc import (
    AZ_BANDWIDTH,
    BETA,
    DT,
    FM_RATE,
    FS,
    RG_BANDWIDTH,
    WAVELENGTH,
    C,
    SlcTruth,
    SwathLayout,
    make_truth,
    tops_phase,
)

HALF_TAPS = 12  # reflectivity kernel half length (samples)
MARGIN = HALF_TAPS + 8


@dataclass
class Disc:
    """A round area on the ground (lat, lon, radius in metres) with its coherence and backscatter change."""

    lat: float
    lon: float
    radius: float
    coherence: float
    change_db: float


@dataclass
class PairTruth:
    """What the pair simulator put in, and where each secondary sample looks in the reference grid."""

    reference: SlcTruth
    secondary: SlcTruth
    baseline: float
    annotated_shift_lines: float  # secondary burst starts annotated this many lines after the reference's
    timing_error_lines: float  # the secondary is really imaged this much later than annotated (ESD finds it)
    background_coherence: float
    discs: list[Disc] = field(default_factory=list)
    range_map: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # swath: (sample2, sample1)

    def secondary_line(self, reference_line: np.ndarray) -> np.ndarray:
        """Secondary burst line seen at a reference burst line (same burst index): the true misregistration."""
        return np.asarray(reference_line) - self.annotated_shift_lines - self.timing_error_lines

    def secondary_sample(self, swath: str, reference_sample: np.ndarray) -> np.ndarray:
        """Secondary sample seen at reference samples of a swath."""
        sample2, sample1 = self.range_map[swath]
        return np.interp(reference_sample, sample1, sample2)


def kernel(x: np.ndarray, bandwidth: float) -> np.ndarray:
    """The reflectivity's band-limiting kernel: Kaiser-windowed sinc of `bandwidth` (cycles/sample), unit power."""
    window = np.i0(6.0 * np.sqrt(np.clip(1 - (x / (HALF_TAPS + 1)) ** 2, 0, None))) / np.i0(6.0)
    return np.sqrt(bandwidth) * np.sinc(bandwidth * x) * window * (np.abs(x) <= HALF_TAPS)


def filter_matrix(positions: np.ndarray, size: int, bandwidth: float):
    """Sparse (len(positions), size) matrix evaluating the band-limited field at fractional `positions`."""
    from scipy.sparse import csr_matrix

    base = np.floor(positions).astype(int)
    offsets = np.arange(-HALF_TAPS, HALF_TAPS + 2)
    cols = base[:, None] + offsets[None, :]
    weights = kernel(positions[:, None] - cols, bandwidth)
    keep = (cols >= 0) & (cols < size)
    rows = np.repeat(np.arange(positions.size), offsets.size).reshape(cols.shape)
    return csr_matrix((weights[keep], (rows[keep], cols[keep])), shape=(positions.size, size))


def _orbit_with_baseline(truth: SlcTruth, baseline: float, days: int):
    """The reference orbit 12 days later (same times from the new epoch) displaced `baseline` m across track
    (horizontal, perpendicular to the velocity), so every point keeps its zero-Doppler time."""
    orbit = truth.orbit
    up = orbit.position / np.linalg.norm(orbit.position, axis=1, keepdims=True)
    along = orbit.velocity / np.linalg.norm(orbit.velocity, axis=1, keepdims=True)
    across = np.cross(along, up)
    return dataclasses.replace(orbit, epoch=orbit.epoch + np.timedelta64(days, "D"),
                               position=orbit.position + baseline * across)


def _repeat_platform(truth: SlcTruth, days: int) -> tuple[str, int]:
    """Platform and absolute orbit of the repeat pass `days` later on the same track: the same platform after
    whole 12-day cycles (175 orbits each), its S1B twin (half a cycle out of phase) after an odd number of
    6-day repeats."""
    from ai4c.products.sentinel1_pair import RELATIVE_ORBIT_OFFSET, relative_orbit

    cycles = days // 12
    if days % 12 == 0:
        return truth.mission, truth.absolute_orbit + 175 * cycles
    track = relative_orbit(truth.mission, truth.absolute_orbit)
    base = track - 1 + RELATIVE_ORBIT_OFFSET["S1B"]
    return "S1B", base + 175 * max(1, (truth.absolute_orbit - base) // 175)


def make_pair(centre: tuple[float, float] = (41.9, 12.5), *, lines_per_burst: int = 200, samples: int = 480,
              bursts: int = 3, baseline: float = 60.0, annotated_shift_lines: float = 0.3,
              timing_error_lines: float = 0.02, days: int = 12, background_coherence: float = 0.9,
              discs: list[Disc] | None = None, mode: str = "IW") -> PairTruth:
    """The pair's truth: reference layout, secondary epoch/orbit/burst times, planted discs (IW or SM)."""
    reference = make_truth(centre, lines_per_burst=lines_per_burst, samples=samples, bursts=bursts, height=0.0,
                           scene="pair", targets=0, mode=mode)
    shift = annotated_shift_lines * DT
    swaths = [dataclasses.replace(s, first_burst_time=s.first_burst_time + shift) for s in reference.swaths]
    mission, absolute = _repeat_platform(reference, days)
    secondary = dataclasses.replace(reference, epoch=reference.epoch + np.timedelta64(days, "D"),
                                    orbit=_orbit_with_baseline(reference, baseline, days), swaths=swaths,
                                    mission=mission, absolute_orbit=absolute)
    pair = PairTruth(reference, secondary, baseline, annotated_shift_lines, timing_error_lines,
                     background_coherence)
    pair.discs = discs if discs is not None else default_discs(reference)
    return pair


def default_discs(truth: SlcTruth) -> list[Disc]:
    """Two decorrelated discs and two +/-6 dB changes inside the scene (placed through radar->ground)."""
    mid = truth.mid_time()
    first, last = truth.swaths[0], truth.swaths[-1]
    quarter = 4 if len(truth.swaths) == 1 else 2  # one swath: near and far quarter, else mid near/far swath
    near = first.slant_range(first.samples // quarter)
    far = last.slant_range(last.samples - last.samples // quarter)
    span = 0.25 * first.lines_per_burst * DT
    spots = [(mid - span, near, 0.2, 0.0), (mid + span, far, 0.2, 0.0), (mid + span, near, 0.2, 6.0),
             (mid - span, far, 0.2, -6.0)]
    flat = np.zeros((2, 2))
    geo = np.array([-180.0, 90.0, 360.0, 180.0])
    out = []
    for t, r, coherence, change in spots:
        g = ground_of_image(np.array([t]), np.array([[r]]), truth.orbit.time, truth.orbit.position,
                            truth.orbit.velocity, flat, geo)
        out.append(Disc(float(g[0, 0, 0]), float(g[1, 0, 0]), 280.0, coherence, change))
    return out


def _disc_maps(pair: PairTruth, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coherence and amplitude factor of the secondary at ground points."""
    coherence = np.full(lat.shape, pair.background_coherence)
    gain = np.ones(lat.shape)
    for disc in pair.discs:
        north = (lat - disc.lat) * 111320.0
        east = (lon - disc.lon) * 111320.0 * math.cos(math.radians(disc.lat))
        inside = north ** 2 + east ** 2 <= disc.radius ** 2
        coherence[inside] = disc.coherence
        gain[inside] = 10 ** (disc.change_db / 20)
    return coherence, gain


class PairRenderer:
    """Renders the bursts of both products from one white-noise reflectivity per swath."""

    def __init__(self, pair: PairTruth, seed: int = 0) -> None:
        self.pair = pair
        self.seed = seed
        self._nodes: dict[str, tuple] = {}

    def _shape(self, swath: SwathLayout) -> tuple[int, int]:
        """The white-noise grid of a swath: its line span and samples, with margins."""
        lines = int(round((swath.burst_times()[-1] - swath.first_burst_time) / DT)) + swath.lines_per_burst
        return lines + 2 * MARGIN, swath.samples + 2 * MARGIN

    def _rows(self, swath: SwathLayout, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Reference and secondary white noise of grid rows [first, stop): 64-row blocks, each drawn from its
        own seeded generator, so any burst gets the same scatterers without holding the whole swath."""
        cols = self._shape(swath)[1]
        block = 64
        w1, v = [], []
        for k in range(first // block, (stop - 1) // block + 1):
            rng = np.random.default_rng([self.seed, int(swath.name[-1]), k])
            noise = rng.standard_normal((4, block, cols), dtype=np.float32)
            w1.append((noise[0] + 1j * noise[1]) / np.float32(math.sqrt(2)))
            v.append((noise[2] + 1j * noise[3]) / np.float32(math.sqrt(2)))
        offset = first - (first // block) * block
        w1_rows = np.concatenate(w1)[offset:offset + stop - first]
        v_rows = np.concatenate(v)[offset:offset + stop - first]
        lat, lon = self._ground(swath, np.arange(first, stop), np.arange(cols))
        coherence, gain = _disc_maps(self.pair, lat, lon)
        return w1_rows, (gain * (coherence * w1_rows + np.sqrt(1 - coherence ** 2) * v_rows)).astype(np.complex64)

    def _ground(self, swath: SwathLayout, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lat/lon of white-noise cells (reference geometry solved on a node grid every 16 cells, bilinear)."""
        from scipy.interpolate import RegularGridInterpolator

        if swath.name not in self._nodes:
            ref = self.pair.reference
            shape = self._shape(swath)
            node_rows = np.unique(np.r_[np.arange(0, shape[0], 16), shape[0] - 1])
            node_cols = np.unique(np.r_[np.arange(0, shape[1], 16), shape[1] - 1])
            times = swath.first_burst_time + (node_rows - MARGIN) * DT
            ranges = np.repeat(swath.slant_range(node_cols - MARGIN)[None, :], node_rows.size, axis=0)
            g = ground_of_image(times, ranges, ref.orbit.time, ref.orbit.position, ref.orbit.velocity,
                                np.zeros((2, 2)), np.array([-180.0, 90.0, 360.0, 180.0]))
            self._nodes[swath.name] = (RegularGridInterpolator((node_rows, node_cols), g[0]),
                                       RegularGridInterpolator((node_rows, node_cols), g[1]))
        lat_of, lon_of = self._nodes[swath.name]
        rr, cc = np.meshgrid(rows, cols, indexing="ij")
        points = np.column_stack([rr.ravel(), cc.ravel()])
        return lat_of(points).reshape(rr.shape), lon_of(points).reshape(rr.shape)

    def _range_positions(self, swath: SwathLayout, t_mid: float) -> tuple[np.ndarray, np.ndarray]:
        """For each secondary sample: the reference sample it sees and R2 - R1 (m), at time t_mid."""
        sec, ref = self.pair.secondary, self.pair.reference
        ranges2 = swath.slant_range(np.arange(swath.samples))
        g = ground_of_image(np.array([t_mid]), ranges2[None, :], sec.orbit.time, sec.orbit.position,
                            sec.orbit.velocity, np.zeros((2, 2)), np.array([-180.0, 90.0, 360.0, 180.0]))
        from pyproj import Transformer

        to_ecef = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
        x, y, z = to_ecef.transform(g[1, 0], g[0, 0], g[2, 0])
        position = radar_to_ground(t_mid, float(ranges2[0]), ref.orbit.time, ref.orbit.position, ref.orbit.velocity,
                                   np.zeros((2, 2)), np.array([-180.0, 90.0, 360.0, 180.0]))[6:9]
        ranges1 = np.sqrt((x - position[0]) ** 2 + (y - position[1]) ** 2 + (z - position[2]) ** 2)
        ref_swath = next(s for s in ref.swaths if s.name == swath.name)
        sample1 = (2 * ranges1 / C - ref_swath.slant_range_time) * FS
        return sample1, ranges2 - ranges1

    def burst(self, truth: SlcTruth, swath: SwathLayout, burst: int, rng: np.random.Generator,
              noise_power: float, gain: float = 1.0) -> np.ndarray:
        """Complex DNs of one burst of either product (the write_product renderer interface)."""
        secondary = truth is self.pair.secondary
        ref_swath = next(s for s in self.pair.reference.swaths if s.name == swath.name)
        times = swath.burst_times()[burst] + np.arange(swath.lines_per_burst) * DT
        if secondary:
            times = times + self.pair.timing_error_lines * DT
            ends = np.array([times[0], times.mean(), times[-1]])
            solved = [self._range_positions(swath, float(t)) for t in ends]
            sample1 = solved[1][0]
            self.pair.range_map[swath.name] = (np.arange(swath.samples, dtype=float), sample1)
            before = (times < ends[1])[:, None]  # R2 - R1 varies along the track: piecewise linear in time
            w_lo = ((times - ends[0]) / (ends[1] - ends[0]))[:, None]
            w_hi = ((times - ends[1]) / (ends[2] - ends[1]))[:, None]
            extra_range = np.where(before, solved[0][1] + w_lo * (solved[1][1] - solved[0][1]),
                                   solved[1][1] + w_hi * (solved[2][1] - solved[1][1]))
        else:
            sample1, extra_range = np.arange(swath.samples, dtype=float), np.zeros((1, swath.samples))
        velocity = float(np.linalg.norm(truth.orbit.velocity[len(truth.orbit.time) // 2]))
        centre = float(times.mean()) + 0.5 * DT  # the burst's own centre (line lines/2), where its Doppler is f_dc

        def steering(t: np.ndarray) -> np.ndarray:
            return tops_phase(t - centre, swath.doppler_centroid, swath.steering_rate, velocity, FM_RATE)

        # each scatterer keeps its own phase; the burst's Doppler history enters as the linear phase around it
        origin = ref_swath.first_burst_time - MARGIN * DT
        line_pos = (times - origin) / DT
        first = max(int(np.floor(line_pos.min())) - HALF_TAPS - 1, 0)
        stop = min(int(np.ceil(line_pos.max())) + HALF_TAPS + 2, self._shape(ref_swath)[0])
        w1, w2 = self._rows(ref_swath, first, stop)
        white = w2 if secondary else w1
        grid_times = origin + np.arange(first, stop) * DT
        steered = white * np.exp(-1j * steering(grid_times)).astype(np.complex64)[:, None]
        along = filter_matrix(line_pos - first, stop - first, AZ_BANDWIDTH) @ steered
        across = filter_matrix(sample1 + MARGIN, white.shape[1], RG_BANDWIDTH) @ along.T
        field_ = across.T * (math.sqrt(truth.beta0 * gain) * BETA)
        field_ *= np.exp(1j * steering(times))[:, None]
        field_ *= np.exp(-4j * np.pi * extra_range / WAVELENGTH)
        field_ += (rng.standard_normal(field_.shape) + 1j * rng.standard_normal(field_.shape)) * \
            math.sqrt(noise_power / 2)
        field_[: swath.invalid_lines] = 0
        field_[swath.lines_per_burst - swath.invalid_lines:] = 0
        field_[:, : swath.invalid_samples] = 0
        field_[:, swath.samples - swath.invalid_samples:] = 0
        return field_


def write_pair(output_dir: Path | str, pair: PairTruth, seed: int = 0, same_noise: bool = False) -> tuple[Path, Path]:
    """Write both products (SAFE folders) and their truth JSON files; returns (reference, secondary).
    `same_noise`: the secondary gets the reference's thermal noise too (with coherence 1, no baseline and no
    shifts: the same product written as a second acquisition)."""
    import json

    from ai4c.simulate.s1.slc_safe import write_product

    renderer = PairRenderer(pair, seed)
    first = write_product(output_dir, pair.reference, seed=seed, renderer=renderer.burst)
    second = write_product(output_dir, pair.secondary, seed=seed if same_noise else seed + 1,
                           renderer=renderer.burst)
    body = {"baseline": pair.baseline, "annotated_shift_lines": pair.annotated_shift_lines,
            "timing_error_lines": pair.timing_error_lines, "background_coherence": pair.background_coherence,
            "discs": [dataclasses.asdict(d) for d in pair.discs],
            "range_map": {k: [v[0].tolist(), v[1].tolist()] for k, v in pair.range_map.items()}}
    (Path(output_dir) / f"{first.name.removesuffix('.SAFE')}.pair-truth.json").write_text(json.dumps(body))
    return first, second
