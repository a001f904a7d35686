"""Per-burst interferometric products of a coregistered TOPS pair: the secondary burst deramped, resampled
onto the reference burst and reramped; m s* with the flat-earth/topographic phase removed, |m|^2, |s|^2;
and the ESD double difference of the burst overlaps."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from numba import njit

from ai4c.sar.coregistration import HALF_TAPS, BurstOffsets, resample_complex
from ai4c.sar.datamodel import SarProduct, TopsBurst
from ai4c.sar.tops import SPEED_OF_LIGHT, apply_steering, tops_phase


def platform_speed(swath: SarProduct) -> float:
    """Platform speed (m/s) at the middle of the swath's orbit vectors: the velocity of its steering phase."""
    return float(np.linalg.norm(swath.orbit.velocity[len(swath.orbit.time) // 2]))


@dataclass
class TopsContext:
    """Constants the steering phase of one swath needs."""

    line_interval: float
    slant_range_time: float
    range_sampling_rate: float
    samples: int
    velocity: float
    wavelength: float

    @classmethod
    def of(cls, swath: SarProduct, velocity: float) -> TopsContext:
        """From a swath and the platform speed at its centre."""
        return cls(swath.azimuth_time_interval, swath.slant_range_time, swath.range_sampling_rate, swath.samples,
                   velocity, SPEED_OF_LIGHT / swath.radar_frequency)

    def tau(self, samples: np.ndarray) -> np.ndarray:
        """Two-way slant range time of (fractional) samples."""
        return self.slant_range_time + np.asarray(samples, np.float64) / self.range_sampling_rate

    def ramped(self, values: np.ndarray, burst: TopsBurst, lines: np.ndarray, samples: np.ndarray,
               sign: int) -> np.ndarray:
        """`values` deramped (sign -1) or reramped (+1) at burst lines x samples (broadcasting arrays)."""
        return apply_steering(values, burst, lines, samples, sign, self.slant_range_time, self.range_sampling_rate,
                              self.line_interval, self.velocity, self.wavelength,
                              float(self.tau(0.5 * self.samples)))

    def phase(self, burst: TopsBurst, lines: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """Steering phase at burst lines x samples (broadcasting arrays)."""
        tau_mid = self.tau(0.5 * self.samples)
        return tops_phase(burst, lines, self.tau(samples), self.line_interval, self.velocity, self.wavelength,
                          float(tau_mid))


def resample_at(secondary: np.ndarray, sec_burst: TopsBurst, sec_ctx: TopsContext, line2: np.ndarray,
                sample2: np.ndarray, origin: tuple[int, int] = (0, 0), serial: bool = False) -> np.ndarray:
    """A window of the secondary burst (complex, its first pixel at burst line, sample `origin`) deramped,
    interpolated at burst lines `line2` x samples `sample2` and reramped there. `serial`: one thread (for
    callers that run several tiles at once)."""
    rows = origin[0] + np.arange(secondary.shape[0], dtype=np.float64)
    cols = origin[1] + np.arange(secondary.shape[1], dtype=np.float64)
    flat = sec_ctx.ramped(secondary, sec_burst, rows[:, None], cols[None, :], -1)
    out = resample_complex(flat, line2 - origin[0], sample2 - origin[1], 2 * HALF_TAPS, serial)
    return sec_ctx.ramped(out, sec_burst, line2, sample2, +1)


def kernel_window(line2: np.ndarray, sample2: np.ndarray, lines: int, samples: int) -> tuple[slice, slice]:
    """The secondary burst lines and samples the interpolation kernel reads at positions (line2, sample2)."""
    spans = []
    for values, size in ((line2, lines), (sample2, samples)):
        first = max(int(np.floor(np.nanmin(values))) - HALF_TAPS - 1, 0)
        stop = min(int(np.ceil(np.nanmax(values))) + HALF_TAPS + 2, size)
        spans.append(slice(first, max(stop, first + 1)))
    return spans[0], spans[1]


def resampled_onto(secondary: SarProduct, sec_data, offsets: BurstOffsets, lines: np.ndarray,
                   samples: np.ndarray, azimuth_shift: float, sec_ctx: TopsContext,
                   serial: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The secondary burst paired by `offsets` resampled onto reference burst lines x swath samples (+
    `azimuth_shift` lines from ESD), reading from `sec_data` ((line, sample)-sliceable swath image) only the
    window its kernel needs; with the secondary burst positions (line2, sample2) it was interpolated at."""
    pair = secondary.bursts[offsets.secondary]
    line2 = offsets.at(lines, samples, "line") + azimuth_shift
    sample2 = offsets.at(lines, samples, "sample")
    rows, cols = kernel_window(line2, sample2, pair.lines, secondary.samples)
    window = np.asarray(sec_data[pair.first_line + rows.start:pair.first_line + rows.stop, cols])
    return resample_at(window, pair, sec_ctx, line2, sample2, (rows.start, cols.start), serial), line2, sample2


def tile_products(ref: SarProduct, sec: SarProduct, offsets: BurstOffsets, ref_data, sec_data,
                  lines: tuple[int, int], samples: tuple[int, int], azimuth_shift: float,
                  sec_velocity: float) -> np.ndarray:
    """(4, lines, samples) burst_products of reference burst lines x swath samples [start, stop), the images
    read on demand from `ref_data` / `sec_data` ((line, sample)-sliceable swath images); NaN where the
    secondary's kernel leaves its valid burst area. One thread."""
    burst, pair = ref.bursts[offsets.reference], sec.bursts[offsets.secondary]
    line, sample = np.arange(*lines, dtype=float), np.arange(*samples, dtype=float)
    resampled, line2, sample2 = resampled_onto(sec, sec_data, offsets, line, sample, azimuth_shift,
                                               TopsContext.of(sec, sec_velocity))
    reference = np.asarray(ref_data[burst.first_line + lines[0]:burst.first_line + lines[1], samples[0]:samples[1]])
    out = burst_products(reference, resampled, offsets, line, sample, SPEED_OF_LIGHT / ref.radar_frequency)
    out[:, ~valid_at(pair, line2, sample2)] = np.nan
    return out


def valid_at(sec_burst: TopsBurst, line2: np.ndarray, sample2: np.ndarray) -> np.ndarray:
    """Secondary positions whose interpolation kernel stays inside the burst's valid lines and samples."""
    from ai4c.sar.deburst import valid_lines, valid_samples

    (first_line, last_line), (first_sample, last_sample) = valid_lines(sec_burst), valid_samples(sec_burst)
    return ((line2 >= first_line + HALF_TAPS) & (line2 <= last_line - HALF_TAPS)
            & (sample2 >= first_sample + HALF_TAPS) & (sample2 <= last_sample - HALF_TAPS))


def burst_products(reference: np.ndarray, secondary_resampled: np.ndarray, offsets: BurstOffsets,
                   lines: np.ndarray, samples: np.ndarray, wavelength: float) -> np.ndarray:
    """(4, lines, samples) float32: Re and Im of m s* exp(j 4 pi (R_ref - R_sec) / lambda), |m|^2, |s|^2."""
    return _products(np.asarray(reference, np.complex64), np.asarray(secondary_resampled, np.complex64),
                     offsets.at(lines, samples, "delta_range"), 4 * np.pi / wavelength)


@njit(cache=True, nogil=True)
def _products(m, s, delta_range, factor):
    """(4, h, w) float32: Re, Im of m s* exp(j factor delta_range), |m|^2, |s|^2, in one pass."""
    h, w = m.shape
    out = np.empty((4, h, w), np.float32)
    for r in range(h):
        for c in range(w):
            phase = factor * delta_range[r, c]
            product = m[r, c] * np.conj(s[r, c]) * np.complex64(complex(np.cos(phase), np.sin(phase)))
            out[0, r, c] = product.real
            out[1, r, c] = product.imag
            out[2, r, c] = m[r, c].real * m[r, c].real + m[r, c].imag * m[r, c].imag
            out[3, r, c] = s[r, c].real * s[r, c].real + s[r, c].imag * s[r, c].imag
    return out


def coregistered_patch(reference: SarProduct, secondary: SarProduct, ref_data, sec_data, offsets: BurstOffsets,
                       origin: tuple[int, int], size: int, velocity: float) -> tuple[np.ndarray, np.ndarray]:
    """A size x size reference patch (burst line, sample `origin`) and the secondary resampled onto it with
    the flat-earth/topographic phase removed (s exp(-j 4 pi (R_ref - R_sec) / lambda)): what cross-correlation
    compares. `ref_data` / `sec_data`: (line, sample) complex arrays of the swath TIFFs (numpy or dask)."""
    burst = reference.bursts[offsets.reference]
    lines = np.arange(origin[0], origin[0] + size, dtype=float)
    samples = np.arange(origin[1], origin[1] + size, dtype=float)
    ctx = TopsContext.of(secondary, velocity)
    resampled = resampled_onto(secondary, sec_data, offsets, lines, samples, 0.0, ctx, serial=False)[0]
    rows = slice(burst.first_line + origin[0], burst.first_line + origin[0] + size)
    patch = np.asarray(ref_data[rows, origin[1]:origin[1] + size])
    phase = 4 * np.pi / ctx.wavelength * offsets.at(lines, samples, "delta_range")
    return patch, resampled * np.exp(-1j * phase).astype(np.complex64)


def doppler_difference(burst: TopsBurst, next_burst: TopsBurst, ctx: TopsContext) -> float:
    """Doppler centroid of `burst` minus that of `next_burst` at a common time of their overlap (Hz):
    -k_t (t_mid,next - t_mid,this) at mid range, from the steering phase's instantaneous frequency."""
    tau = ctx.tau(0.5 * ctx.samples)
    phases = ctx.phase(burst, 0.5 * burst.lines + np.array([-1.0, 0.0, 1.0]), tau)
    k_t = -(phases[2] - 2 * phases[1] + phases[0]) / (2 * np.pi * ctx.line_interval ** 2)
    separation = next_burst.first_line_time - burst.first_line_time
    return float(-k_t * separation)


def overlap_lines(burst: TopsBurst, next_burst: TopsBurst, line_interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Lines of `burst` and of `next_burst` that image the same times (both valid)."""
    def valid(b: TopsBurst) -> tuple[int, int]:
        ok = np.flatnonzero(np.asarray(b.first_valid_sample) >= 0)
        return int(ok[0]), int(ok[-1])

    first_a, last_a = valid(burst)
    first_b, last_b = valid(next_burst)
    offset = int(round((next_burst.first_line_time - burst.first_line_time) / line_interval))
    start, stop = max(first_a, first_b + offset), min(last_a, last_b + offset)
    lines = np.arange(start, stop + 1)
    return lines, lines - offset


def double_difference(ref_a: np.ndarray, sec_a: np.ndarray, ref_b: np.ndarray, sec_b: np.ndarray) -> complex:
    """Sum over the overlap of (m_a s_a*)(m_b s_b*)*: its phase is 2 pi (Doppler difference) (time shift)."""
    return complex(np.nansum((ref_a * np.conj(sec_a)) * np.conj(ref_b * np.conj(sec_b))))


ESD_COLUMNS = 4096  # samples of an overlap resampled at a time: memory bounded whatever the swath width


def _overlap_sum(reference: SarProduct, secondary: SarProduct, ref_data, sec_data, velocity: float,
                 azimuth_shift: float, job: tuple) -> complex:
    """The double-difference sum of one burst overlap over swath samples [start, stop)."""
    (a, lines_a, o_a), (b, lines_b, o_b), (start, stop) = job
    samples = np.arange(start, stop, dtype=float)
    sec_ctx = TopsContext.of(secondary, velocity)
    parts = []
    for burst, lines, o in ((a, lines_a, o_a), (b, lines_b, o_b)):
        resampled = resampled_onto(secondary, sec_data, o, lines.astype(float), samples, azimuth_shift, sec_ctx)[0]
        parts.append((np.asarray(ref_data[burst.first_line + lines[0]:burst.first_line + lines[-1] + 1, start:stop]),
                      resampled))
    return double_difference(parts[0][0], parts[0][1], parts[1][0], parts[1][1])


def esd_measurements(reference: SarProduct, secondary: SarProduct, ref_data, sec_data, offsets: list[BurstOffsets],
                     velocity: float, azimuth_shift: float = 0.0, map_=map) -> tuple[np.ndarray, ...]:
    """Per burst overlap of one swath: the double-difference phase, its weight and the Doppler difference.
    `ref_data` / `sec_data`: (line, sample)-sliceable swath images (numpy, dask or readers); each overlap is
    summed over column blocks of ESD_COLUMNS samples, `map_` (e.g. a thread pool's map) runs the blocks."""
    ref_ctx = TopsContext.of(reference, velocity)
    by_burst = {o.reference: o for o in offsets}
    overlaps, jobs = [], []
    for a, b in zip(reference.bursts[:-1], reference.bursts[1:], strict=True):
        lines_a, lines_b = overlap_lines(a, b, reference.azimuth_time_interval)
        if lines_a.size == 0:
            continue
        overlaps.append((a, b))
        jobs += [(len(overlaps) - 1, ((a, lines_a, by_burst[a.index]), (b, lines_b, by_burst[b.index]),
                                      (start, min(start + ESD_COLUMNS, reference.samples))))
                 for start in range(0, reference.samples, ESD_COLUMNS)]
    sums = np.zeros(len(overlaps), complex)
    task = partial(_overlap_sum, reference, secondary, ref_data, sec_data, velocity, azimuth_shift)
    for (k, _), value in zip(jobs, map_(task, [job for _, job in jobs]), strict=True):
        sums[k] += value
    dopplers = [doppler_difference(a, b, ref_ctx) for a, b in overlaps]
    return np.angle(sums), np.abs(sums), np.array(dopplers)


def common_valid_area(reference: SarProduct, secondary: SarProduct, offsets: list[BurstOffsets],
                      azimuth_shift: float = 0.0) -> SarProduct:
    """A copy of the reference swath whose bursts' valid lines and samples are only those the secondary also
    covers (through the offsets, kernel half-width included), so that deburst switches bursts and sub-swaths
    where both dates have data instead of leaving a gap where the secondary's margin falls."""
    import dataclasses

    from ai4c.sar.deburst import valid_lines, valid_samples

    bursts = []
    by_burst = {o.reference: o for o in offsets}
    for burst in reference.bursts:
        o = by_burst[burst.index]
        pair = secondary.bursts[o.secondary]
        (l0, l1), (s0, s1) = valid_lines(pair), valid_samples(pair)
        d_line = o.line + azimuth_shift - o.node_lines[:, None]
        d_sample = o.sample - o.node_samples[None, :]
        first_line = int(np.ceil(l0 + HALF_TAPS - d_line.min()))
        last_line = int(np.floor(l1 - HALF_TAPS - d_line.max()))
        first_sample = int(np.ceil(s0 + HALF_TAPS - d_sample.min()))
        last_sample = int(np.floor(s1 - HALF_TAPS - d_sample.max()))
        first = np.maximum(np.asarray(burst.first_valid_sample), first_sample)
        last = np.minimum(np.asarray(burst.last_valid_sample), last_sample)
        rows = np.arange(first.size)
        dead = (np.asarray(burst.first_valid_sample) < 0) | (rows < first_line) | (rows > last_line) | (first > last)
        bursts.append(dataclasses.replace(burst, first_valid_sample=np.where(dead, -1, first),
                                          last_valid_sample=np.where(dead, -1, last)))
    return dataclasses.replace(reference, bursts=bursts)
