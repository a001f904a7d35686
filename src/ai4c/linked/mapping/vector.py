"""Vector logical sources (Shapefile, GeoJSON, GeoPackage, KML, FlatGeobuf) read in batches by pyogrio."""

from __future__ import annotations

from collections.abc import Iterator

from ai4c.core.errors import InvalidProductError
from ai4c.core.log import warn
from ai4c.linked.mapping.source_base import BATCH, ReferenceError_, Source

GEOMETRY_NAMES = ("the_geom", "geometry", "geom", "wkb_geometry", "shape")


def epsg_of(crs_text: str | None) -> str | None:
    """The EPSG code of a CRS string (EPSG:n, WKT, PROJ), None when unknown or absent."""
    if not crs_text:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(crs_text)
    except CRSError as exc:
        warn(f"CRS {crs_text[:80]!r} is not understood ({exc}); its geometries are taken as CRS84 "
             "unless -s EPSG says otherwise")
        return None
    epsg = crs.to_epsg()
    return str(epsg) if epsg else None


class VectorSource(Source):
    """One feature per record: attributes by name, the geometry (shapely) under `the_geom`/`geometry`."""

    def records(self) -> Iterator[dict]:
        import pyogrio
        import shapely

        self._require_file()
        try:
            layers = [str(name) for name, _ in pyogrio.list_layers(self.spec.path)]
            layer = self.spec.iterator if self.spec.iterator in layers else None  # rml:iterator names a layer
            info = pyogrio.read_info(self.spec.path, layer=layer)
        except Exception as exc:
            raise InvalidProductError(f"{self.spec.path} is not a readable vector file ({exc}); "
                                      "give a Shapefile, GeoJSON, GeoPackage or KML") from exc
        self.crs = epsg_of(info.get("crs"))
        self.fields = list(info["fields"])
        total = info.get("features", -1)
        skip = 0
        while total < 0 or skip < total:
            meta, _, wkb, data = pyogrio.raw.read(self.spec.path, layer=layer,
                                                 skip_features=skip, max_features=BATCH)
            geoms = shapely.from_wkb(wkb) if wkb is not None else [None] * len(data[0] if data else [])
            n = len(geoms)
            for i in range(n):
                record = {name: _plain(col[i]) for name, col in zip(meta["fields"], data, strict=True)}
                for alias in GEOMETRY_NAMES:
                    record.setdefault(alias, geoms[i])
                self.count += 1
                yield record
            skip += n
            if n < BATCH:
                break

    def lookup(self, record: dict, reference: str) -> list:
        if reference not in record:
            raise ReferenceError_(f"attribute {reference!r} is not in {self.spec.path} "
                                  f"(attributes: {', '.join(self.fields)}, geometry: the_geom)")
        value = record[reference]
        return [] if value is None else [value]

    def check(self, references: set[str]) -> None:
        fields = getattr(self, "fields", None)
        if fields is None:
            return
        missing = sorted(references - set(fields) - set(GEOMETRY_NAMES))
        if missing:
            raise ReferenceError_(f"attribute {missing[0]!r} is not in {self.spec.path} "
                                  f"(attributes: {', '.join(fields)})")


def _plain(value):
    """numpy scalars -> Python values; NaN and empty -> None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
