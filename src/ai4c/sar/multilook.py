"""Multilooking of a debursted slant-range image to roughly square ground pixels, and the radar geometry
(a `GrdProduct` in slant range) of the result, so that the GRD terrain correction geocodes it unchanged."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import xarray as xr

from ai4c.products.sentinel1 import (
    CoordinateConversion,
    GeolocationGrid,
    GrdProduct,
    OrbitVectors,
    seconds_since,
)
from ai4c.products.sentinel1_slc import SlcProduct
from ai4c.sar.deburst import DeburstPlan


def square_pixel_looks(product: SlcProduct) -> tuple[int, int]:
    """(azimuth, range) looks giving roughly square ground pixels at the mid incidence (SNAP's 'GR square
    pixel'): 1 x 4 for IW, 1 x 1 for SM at its own spacing when ground range already exceeds azimuth."""
    swaths = list(product.swaths.values())
    mid = swaths[len(swaths) // 2]
    incidence = mid.incidence_mid if np.isfinite(mid.incidence_mid) else 35.0
    ground = mid.slant_spacing / math.sin(math.radians(incidence))
    ratio = mid.azimuth_pixel_spacing / ground
    if ratio >= 1:
        return 1, max(1, int(round(ratio)))
    return max(1, int(round(1 / ratio))), 1


def multilook(image: xr.DataArray, azimuth: int, range_: int) -> xr.DataArray:
    """Mean of azimuth x range blocks of an intensity image (NaN ignored; trailing partial blocks dropped)."""
    if azimuth == 1 and range_ == 1:
        return image
    out = image.coarsen(line=azimuth, pixel=range_, boundary="trim").mean()
    out.attrs = {**image.attrs, "looks": f"{azimuth}x{range_}"}
    return out.astype(np.float32)


def merged_geolocation(product: SlcProduct, plan: DeburstPlan, looks: tuple[int, int]) -> GeolocationGrid:
    """The sub-swaths' tie points in the output grid's (multilooked) line/pixel coordinates."""
    parts = []
    for swath in product.swaths.values():
        g = swath.geolocation
        shift = float(seconds_since(swath.epoch, plan.epoch))
        line = (g.azimuth_time + shift - plan.first_line_time) / plan.line_interval
        pixel = (g.slant_range_time * 299792458.0 / 2 - plan.near_range) / plan.range_spacing
        parts.append(GeolocationGrid(line / looks[0], pixel / looks[1], g.azimuth_time + shift,
                                     g.slant_range_time, g.latitude, g.longitude, g.height, g.incidence_angle))
    return GeolocationGrid(*(np.concatenate([getattr(p, f.name) for p in parts])
                             for f in dataclasses.fields(GeolocationGrid)))


def looked_geometry(product: SlcProduct, plan: DeburstPlan, looks: tuple[int, int],
                    orbit: OrbitVectors | None = None) -> GrdProduct:
    """A `GrdProduct` describing the multilooked debursted image: epoch and timing of its line centres, slant
    range of its sample centres (identity slant->ground conversion), the first swath's orbit on that epoch."""
    first = next(iter(product.swaths.values()))
    az, rg = looks
    dt = plan.line_interval * az
    t0 = plan.first_line_time + 0.5 * (az - 1) * plan.line_interval
    spacing = plan.range_spacing * rg
    near = plan.near_range + 0.5 * (rg - 1) * plan.range_spacing
    lines, samples = plan.lines // az, plan.samples // rg
    if orbit is None:
        shift = float(seconds_since(first.epoch, plan.epoch))
        orbit = OrbitVectors(plan.epoch, first.orbit.time + shift, first.orbit.position, first.orbit.velocity,
                             first.orbit.source)
    conv = CoordinateConversion(np.array([0.0]), np.array([near]), np.array([[0.0, 1.0]]), np.array([0.0]),
                                np.array([[0.0, 1.0]]))
    return GrdProduct(
        source=product.source, name=product.name, mission=product.mission, mode=product.mode,
        polarization=product.polarization, polarizations=product.polarizations, ipf_version=first.ipf_version,
        pass_direction=first.pass_direction, epoch=plan.epoch, first_line_time=t0,
        last_line_time=t0 + (lines - 1) * dt, azimuth_time_interval=dt, lines=lines, samples=samples,
        range_pixel_spacing=spacing, azimuth_pixel_spacing=first.azimuth_pixel_spacing * az,
        slant_range_time=2 * near / 299792458.0, radar_frequency=first.radar_frequency,
        range_sampling_rate=first.range_sampling_rate / rg, incidence_mid=first.incidence_mid, orbit=orbit,
        geolocation=merged_geolocation(product, plan, looks), conversion=conv, calibration=None, noise=None,
        measurement=None, annotation_member=first.annotation_member)
