"""What a generated mapping needs to know about an input: its columns, geometry and key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Column:
    """One attribute: the reference that reads it and its XSD datatype."""

    reference: str
    datatype: str
    label: str = ""  # the property name (default: the reference)


@dataclass
class Schema:
    """What a mapping needs to know about an input."""

    kind: str  # vector | csv | xml | json | sql
    location: str
    name: str
    columns: list[Column] = field(default_factory=list)
    geometry: str | None = None  # reference holding the geometry (WKT text or geometry values)
    lonlat: tuple[str, str] | None = None
    epsg: str | None = None
    iterator: str | None = None
    table: str | None = None
    key: str = "GeoTriplesID"
