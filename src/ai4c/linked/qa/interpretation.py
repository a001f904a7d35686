"""What a question was understood to ask: the structured, editable form between parsing and the query."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields

from ai4c.core.errors import InvalidParameterError

RELATIONS = ("in", "near", "within", "north", "south", "east", "west")
ORDERS = ("latest", "earliest", "least_cloudy")
DEFAULT_NEAR_KM = 25.0
DIRECTION_REACH_KM = 300.0


@dataclass
class Interpretation:
    """The constraints of one question; empty lists/None mean 'no constraint'."""

    missions: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    product_types: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    place: str | None = None
    relation: str = "in"
    distance_km: float | None = None
    orbit_direction: str | None = None
    relative_orbit: int | None = None
    polarisations: list[str] = field(default_factory=list)
    tile: str | None = None
    cloud_max: float | None = None
    cloud_min: float | None = None
    order: str | None = None
    limit: int | None = None
    count: bool = False
    assumptions: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """JSON-ready dict (times as ISO 8601 UTC)."""
        body = asdict(self)
        for key in ("start", "end"):
            body[key] = body[key].strftime("%Y-%m-%dT%H:%M:%SZ") if body[key] else None
        return body

    @classmethod
    def from_json(cls, body: dict) -> Interpretation:
        """Rebuild (and check) an interpretation a user edited; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(body) - known)
        if unknown:
            raise InvalidParameterError(f"unknown interpretation fields {unknown}; known: {sorted(known)}")
        values = dict(body)
        for key in ("start", "end"):
            if values.get(key):
                values[key] = _time(values[key], key)
        interp = cls(**values)
        interp.check()
        return interp

    def check(self) -> None:
        """Reject inconsistent constraints with a message naming the fix."""
        if self.relation not in RELATIONS:
            raise InvalidParameterError(f"relation {self.relation!r} is not one of {', '.join(RELATIONS)}")
        if self.order is not None and self.order not in ORDERS:
            raise InvalidParameterError(f"order {self.order!r} is not one of {', '.join(ORDERS)}")
        if self.start and self.end and self.end <= self.start:
            raise InvalidParameterError("the period ends before it starts; give the earlier date first")
        if self.distance_km is not None and not 0 < float(self.distance_km) <= 5000:
            raise InvalidParameterError(f"distance {self.distance_km} km must be > 0 and <= 5000 km")
        for name in ("cloud_max", "cloud_min"):
            value = getattr(self, name)
            if value is not None and not 0 <= float(value) <= 100:
                raise InvalidParameterError(f"{name} {value} must be a percentage between 0 and 100")
        if self.limit is not None and int(self.limit) < 1:
            raise InvalidParameterError(f"limit {self.limit} must be >= 1")

    @property
    def radius_km(self) -> float | None:
        """The buffer distance of 'near'/'within' (the default radius for 'near')."""
        if self.relation == "near":
            return float(self.distance_km or DEFAULT_NEAR_KM)
        if self.relation == "within":
            return float(self.distance_km or DEFAULT_NEAR_KM)
        return None


def _time(text: str, key: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameterError(f"{key} {text!r} is not an ISO 8601 time (e.g. 2018-03-01T00:00:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
