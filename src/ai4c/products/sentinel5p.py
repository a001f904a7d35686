"""Sentinel-5P L2 NetCDF reader (group layout PRODUCT / SUPPORT_DATA) for the CO product and its kin."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ai4c.core.errors import InvalidProductError

NAME_PATTERN = re.compile(
    r"S5P_(?P<stream>NRTI|OFFL|RPRO)_L2__(?P<product>\w{6})_(?P<start>\d{8}T\d{6})_(?P<end>\d{8}T\d{6})_"
    r"(?P<orbit>\d{5})_(?P<collection>\d{2})_(?P<processor>\d{6})_(?P<created>\d{8}T\d{6})")


@dataclass(frozen=True)
class S5PSwath:
    """The arrays of one S5P L2 variable on its (scanline, ground_pixel) swath, with time and metadata."""

    product_id: str
    variable: str
    values: np.ndarray
    qa_value: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    time_utc: np.ndarray
    units: str
    attrs: dict[str, Any]


def parse_s5p_name(name: str) -> dict[str, Any]:
    """Fields of an S5P file name: stream, product type, start/end, orbit, collection, processor."""
    match = NAME_PATTERN.search(name)
    if not match:
        raise InvalidProductError(f"{name!r} is not a Sentinel-5P L2 file name (S5P_OFFL_L2__CO_____...)")
    fields: dict[str, Any] = match.groupdict()
    fields["product_type"] = f"L2__{fields['product']}"
    fields["start"] = dt.datetime.strptime(fields["start"], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    fields["end"] = dt.datetime.strptime(fields["end"], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    fields["orbit"] = int(fields["orbit"])
    return fields


def _text(value: Any) -> Any:
    """Decode HDF5 byte attributes and unwrap length-1 arrays."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.reshape(-1)[0])
    if isinstance(value, np.generic):
        return value.item()
    return value


def global_attributes(source: str | Path | IO[bytes]) -> dict[str, Any]:
    """The global attributes of an S5P NetCDF file (time coverage, orbit, platform, id, ...)."""
    import h5py

    try:
        with h5py.File(source, "r") as f:
            return {k: _text(v) for k, v in f.attrs.items() if not k.startswith("_")}
    except OSError as exc:
        raise InvalidProductError(f"cannot read {_label(source)} as NetCDF/HDF5 ({exc}); is it an S5P L2 file?") from exc


def _label(source: Any) -> str:
    return str(getattr(source, "name", source))


def read_swath(source: str | Path | IO[bytes], variable: str = "carbonmonoxide_total_column") -> S5PSwath:
    """Read one PRODUCT variable with qa_value, latitude, longitude and per-scanline UTC time."""
    import h5py

    try:
        f = h5py.File(source, "r")
    except OSError as exc:
        raise InvalidProductError(f"cannot read {_label(source)} as NetCDF/HDF5 ({exc}); is it an S5P L2 file?") from exc
    with f:
        if "PRODUCT" not in f:
            raise InvalidProductError(f"{_label(source)} has no PRODUCT group; it is not an S5P L2 product")
        group = f["PRODUCT"]
        if variable not in group:
            present = ", ".join(sorted(k for k, v in group.items() if v.ndim >= 3))
            raise InvalidProductError(f"{_label(source)} has no PRODUCT/{variable}; it has: {present}")
        values = _masked(group[variable])
        qa = _masked(group["qa_value"])
        lat, lon = _masked(group["latitude"]), _masked(group["longitude"])
        times = _scanline_times(group)
        attrs = {k: _text(v) for k, v in f.attrs.items() if not k.startswith("_")}
        units = str(_text(group[variable].attrs.get("units", "")))
    pid = str(attrs.get("id") or Path(_label(source)).stem)
    return S5PSwath(pid, variable, values, qa, lat, lon, times, units, attrs)


def _masked(dataset: Any) -> np.ndarray:
    """First time slice of a (time, scanline, ground_pixel) variable, float64, fill values as NaN, scaled."""
    data = dataset[0] if dataset.ndim == 3 else dataset[()]
    out = np.asarray(data, dtype="float64")
    fill = dataset.attrs.get("_FillValue")
    if fill is not None:
        out[data == np.asarray(fill).reshape(-1)[0]] = np.nan
    scale = dataset.attrs.get("scale_factor")
    offset = dataset.attrs.get("add_offset")
    if scale is not None:
        out = out * float(np.asarray(scale).reshape(-1)[0])
    if offset is not None:
        out = out + float(np.asarray(offset).reshape(-1)[0])
    return out


def _scanline_times(group: Any) -> np.ndarray:
    """UTC time of each scanline from the reference time plus delta_time (milliseconds)."""
    reference = float(np.asarray(group["time"][()]).reshape(-1)[0])
    delta = np.asarray(group["delta_time"][0], dtype="float64")
    epoch = np.datetime64("2010-01-01T00:00:00", "ms")
    return epoch + (reference * 1000 + delta).astype("int64").astype("timedelta64[ms]")


def swath_outline(source: str | Path | IO[bytes]):
    """The swath footprint polygon (lon/lat) traced along the edges of the pixel-centre grid."""
    import h5py
    from shapely.geometry import Polygon

    with h5py.File(source, "r") as f:
        lat = np.asarray(f["PRODUCT/latitude"][0], dtype="float64")
        lon = np.asarray(f["PRODUCT/longitude"][0], dtype="float64")
    ring_lat = np.concatenate([lat[0, :], lat[1:, -1], lat[-1, -2::-1], lat[-2:0:-1, 0]])
    ring_lon = np.concatenate([lon[0, :], lon[1:, -1], lon[-1, -2::-1], lon[-2:0:-1, 0]])
    outline = Polygon(np.column_stack([ring_lon, ring_lat]))
    return outline if outline.is_valid else outline.buffer(0)
