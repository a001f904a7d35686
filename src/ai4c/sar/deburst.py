"""TOPSAR-Deburst: bursts of each sub-swath joined on one azimuth-time grid (overlaps switched at their
mid-time, invalid lines and samples of the burst annotation dropped) and the sub-swaths merged on one
slant-range grid (switched at the middle of their range overlap), lazily, by dask slicing only.

Burst start times and sub-swath start ranges are whole numbers of lines and samples apart in real
products (checked: < 0.001 line for S1A IW, IPF 3.x), so every burst maps to whole output lines and
samples, as in SNAP; a larger fractional offset is rounded and reported in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import dask.array as da
import numpy as np
import xarray as xr

from ai4c.core.errors import InvalidProductError
from ai4c.sar.datamodel import SarProduct, TopsBurst

SPEED_OF_LIGHT = 299792458.0

ROUNDING = 0.01  # lines: burst times are whole lines apart to < 0.001 line


@dataclass
class Piece:
    """A block of one swath TIFF copied to the output: source lines/samples -> output lines/samples."""

    swath: str
    burst: int
    src_line: int
    out_line0: int
    out_line1: int
    src_sample: int
    out_sample0: int
    out_sample1: int


@dataclass
class DeburstPlan:
    """The output grid (azimuth time and slant range) and the pieces that fill it."""

    epoch: np.datetime64
    first_line_time: float  # s since epoch
    line_interval: float
    lines: int
    near_range: float  # m, slant range of output sample 0
    range_spacing: float  # m
    samples: int
    pieces: list[Piece]
    max_rounding: float  # largest fractional line/sample offset rounded away

    def line_time(self, line: np.ndarray | float) -> np.ndarray:
        """Azimuth time (s since epoch) of output lines."""
        return self.first_line_time + np.asarray(line, np.float64) * self.line_interval


def seconds_between(later: np.datetime64, earlier: np.datetime64) -> float:
    """Seconds from `earlier` to `later` (datetime64)."""
    return float((np.datetime64(later, "ns") - np.datetime64(earlier, "ns")) / np.timedelta64(1, "ns")) * 1e-9


def valid_lines(burst: TopsBurst) -> tuple[int, int]:
    """First and last valid line of a burst (relative to its first line)."""
    valid = np.flatnonzero(np.asarray(burst.first_valid_sample) >= 0)
    return int(valid[0]), int(valid[-1])


def valid_samples(burst: TopsBurst) -> tuple[int, int]:
    """The sample range valid on every valid line of a burst (first, last inclusive)."""
    first, last = np.asarray(burst.first_valid_sample), np.asarray(burst.last_valid_sample)
    valid = first >= 0
    return int(first[valid].max()), int(last[valid].min())


def valid_time_span(burst: TopsBurst, dt: float) -> tuple[float, float]:
    """Azimuth times of a burst's first and last valid line."""
    first, last = valid_lines(burst)
    return burst.first_line_time + first * dt, burst.first_line_time + last * dt


def burst_switch_times(swath: SarProduct, shift: float) -> list[float]:
    """Mid-times of the valid overlaps of consecutive bursts (common-epoch seconds)."""
    dt = swath.azimuth_time_interval
    spans = [tuple(t + shift for t in valid_time_span(b, dt)) for b in swath.bursts]
    return [0.5 * (spans[k][1] + spans[k + 1][0]) for k in range(len(spans) - 1)]


def plan_deburst(swaths: list[SarProduct], epoch: np.datetime64 | None = None) -> DeburstPlan:
    """The deburst-and-merge plan of sub-swaths (SarProducts with `swath` names and TopsBurst `bursts`, one
    polarisation), ordered by near range."""
    swaths = sorted(swaths, key=lambda s: s.slant_range_time)
    if not swaths or any(not s.bursts for s in swaths):
        raise InvalidProductError("TOPSAR-Deburst needs burst annotation (IW/EW SLC); stripmap products have none")
    epoch = epoch if epoch is not None else min(s.epoch for s in swaths)
    dt = swaths[0].azimuth_time_interval
    fs = swaths[0].range_sampling_rate
    if any(abs(s.azimuth_time_interval - dt) > 1e-9 or abs(s.range_sampling_rate - fs) > 1.0 for s in swaths):
        raise InvalidProductError("sub-swaths with different line intervals or sampling rates cannot be merged")
    shifts = {s.swath: seconds_between(s.epoch, epoch) for s in swaths}
    starts = [valid_time_span(s.bursts[0], dt)[0] + shifts[s.swath] for s in swaths]
    ends = [valid_time_span(s.bursts[-1], dt)[1] + shifts[s.swath] for s in swaths]
    t0 = min(starts)
    lines = int(round((max(ends) - t0) / dt)) + 1
    tau0 = swaths[0].slant_range_time
    col_offsets = [(s.slant_range_time - tau0) * fs for s in swaths]
    rounding = max(abs(c - round(c)) for c in col_offsets)
    col_offsets = [int(round(c)) for c in col_offsets]
    first_valid = [off + max(valid_samples(b)[0] for b in s.bursts) for s, off in zip(swaths, col_offsets, strict=True)]
    last_valid = [off + min(valid_samples(b)[1] for b in s.bursts) for s, off in zip(swaths, col_offsets, strict=True)]
    bounds = [first_valid[0]]
    for k in range(len(swaths) - 1):
        bounds.append(int(round(0.5 * (last_valid[k] + first_valid[k + 1]))) + 1)
    bounds.append(last_valid[-1] + 1)
    pieces = []
    for k, swath in enumerate(swaths):
        cols = (bounds[k], bounds[k + 1])
        switches = burst_switch_times(swath, shifts[swath.swath])
        for b, burst in enumerate(swath.bursts):
            t_first, t_last = (t + shifts[swath.swath] for t in valid_time_span(burst, dt))
            lo = max(t_first, switches[b - 1] if b > 0 else -np.inf)
            hi = min(t_last, switches[b] if b < len(switches) else np.inf)
            out0 = int(np.ceil((lo - t0) / dt - ROUNDING))
            out1 = int(np.floor((hi - t0) / dt + ROUNDING)) + 1
            if b < len(switches):  # the next burst starts where this one stops
                out1 = int(np.ceil((switches[b] - t0) / dt - ROUNDING))
            src_float = (t0 + out0 * dt - burst.first_line_time - shifts[swath.swath]) / dt
            rounding = max(rounding, abs(src_float - round(src_float)))
            first_sample, last_sample = valid_samples(burst)
            c0 = max(cols[0], col_offsets[k] + first_sample)
            c1 = min(cols[1], col_offsets[k] + last_sample + 1)
            if out1 > out0 and c1 > c0:
                pieces.append(Piece(swath.swath, b, burst.first_line + int(round(src_float)), out0, out1,
                                    c0 - col_offsets[k], c0, c1))
    samples = bounds[-1]
    near = swaths[0].slant_range_time * SPEED_OF_LIGHT / 2
    return DeburstPlan(epoch, t0, dt, lines, near, SPEED_OF_LIGHT / (2 * fs), samples, pieces, rounding)


def deburst(images: dict[str, xr.DataArray | da.Array], plan: DeburstPlan, fill: float = np.nan) -> xr.DataArray:
    """Assemble swath images (full TIFF line/sample grids, any dtype) into the plan's output grid, lazily;
    output pixels no valid burst covers are `fill`."""
    arrays = {k: (v.data if isinstance(v, xr.DataArray) else v) for k, v in images.items()}
    dtype = next(iter(arrays.values())).dtype
    fill_value = np.array(fill).astype(dtype)
    bands = []
    for s0, s1 in _column_bands(plan):
        rows, cursor = [], 0
        for piece in sorted((p for p in plan.pieces if p.out_sample0 < s1 and p.out_sample1 > s0),
                            key=lambda p: p.out_line0):
            c0, c1 = max(piece.out_sample0, s0), min(piece.out_sample1, s1)
            if piece.out_line0 > cursor:
                rows.append(da.full((piece.out_line0 - cursor, s1 - s0), fill_value, dtype=dtype))
            src = arrays[piece.swath]
            sc = piece.src_sample + (c0 - piece.out_sample0)
            block = src[piece.src_line:piece.src_line + piece.out_line1 - piece.out_line0, sc:sc + c1 - c0]
            rows.append(block)
            cursor = piece.out_line1
        if cursor < plan.lines:
            rows.append(da.full((plan.lines - cursor, s1 - s0), fill_value, dtype=dtype))
        bands.append(da.concatenate(rows, axis=0))
    out = da.concatenate(bands, axis=1)
    return xr.DataArray(out, dims=("line", "pixel"), attrs={"first_line_time": plan.first_line_time,
                                                           "line_interval": plan.line_interval,
                                                           "near_range": plan.near_range,
                                                           "range_spacing": plan.range_spacing})


def _column_bands(plan: DeburstPlan) -> list[tuple[int, int]]:
    """Output column intervals inside which every piece spans the whole width (sub-swath and burst sample
    limits cut the output into such bands)."""
    edges = sorted({0, plan.samples} | {p.out_sample0 for p in plan.pieces} | {p.out_sample1 for p in plan.pieces})
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]



def plan_stripmap(swath: SarProduct) -> DeburstPlan:
    """The trivial plan of a stripmap (SM) swath: the whole image, on its own epoch, as one piece."""
    piece = Piece(swath.swath, 0, 0, 0, swath.lines, 0, 0, swath.samples)
    return DeburstPlan(swath.epoch, swath.first_line_time, swath.azimuth_time_interval, swath.lines,
                       swath.slant_range_time * SPEED_OF_LIGHT / 2, SPEED_OF_LIGHT / (2 * swath.range_sampling_rate),
                       swath.samples, [piece], 0.0)
