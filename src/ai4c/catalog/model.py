"""The one result model every provider returns, and the query they all take."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from ai4c.core.errors import InvalidParameterError


@dataclass(frozen=True)
class SearchQuery:
    """What to search: collection, product type, time range (UTC) and area (lon/lat)."""

    collection: str
    start: dt.datetime
    end: dt.datetime
    aoi: BaseGeometry | None = None
    product_type: str | None = None
    max_results: int = 100

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidParameterError(
                f"the period is reversed or empty (start {self.start:%Y-%m-%dT%H:%M:%S} >= end "
                f"{self.end:%Y-%m-%dT%H:%M:%S}); give --start before --end")
        if self.max_results < 1:
            raise InvalidParameterError(f"max results {self.max_results} must be >= 1")


@dataclass
class Product:
    """A catalogue entry: identity, time, footprint (GeoJSON, lon/lat), where to fetch it, and facts."""

    id: str
    collection: str
    product_type: str
    start: dt.datetime
    end: dt.datetime
    geometry: dict | None
    href: str
    provider: str
    title: str = ""
    size: int | None = None
    checksum: dict[str, str] = field(default_factory=dict)
    cloud_cover: float | None = None
    relative_orbit: int | None = None
    platform: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def footprint(self) -> BaseGeometry | None:
        """The footprint as a shapely geometry."""
        return shape(self.geometry) if self.geometry else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601)."""
        body = asdict(self)
        body["start"], body["end"] = self.start.isoformat(), self.end.isoformat()
        return body

    def to_stac(self) -> dict[str, Any]:
        """The product as a STAC Item dict."""
        footprint = self.footprint
        return {
            "type": "Feature", "stac_version": "1.0.0", "id": self.id, "geometry": self.geometry,
            "bbox": list(footprint.bounds) if footprint is not None else None,
            "properties": {"datetime": self.start.isoformat(), "start_datetime": self.start.isoformat(),
                           "end_datetime": self.end.isoformat(), "collection": self.collection,
                           "product:type": self.product_type, "platform": self.platform,
                           "eo:cloud_cover": self.cloud_cover, "sat:relative_orbit": self.relative_orbit,
                           "title": self.title, "file:size": self.size, "file:checksum": self.checksum},
            "assets": {"product": {"href": self.href, "roles": ["data"]}}, "links": [],
        }


def geometry_of(geom: BaseGeometry | None) -> dict | None:
    """GeoJSON of a shapely geometry (None stays None)."""
    return mapping(geom) if geom is not None else None


def parse_time(text: str | None) -> dt.datetime | None:
    """Parse ISO 8601 (with Z, fractional seconds or a bare date) into an aware UTC datetime."""
    if not text:
        return None
    value = str(text).strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as err:
        raise InvalidParameterError(f"{text!r} is not an ISO 8601 time; use e.g. 2020-03-03 or 2020-03-03T01:00:00Z") from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def iso_z(moment: dt.datetime) -> str:
    """UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (the form OData and resto expect)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
