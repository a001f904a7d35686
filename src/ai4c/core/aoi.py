"""Areas of interest: a WKT string in lon/lat or a vector file (GeoJSON, GeoPackage, Shapefile, any CRS)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from ai4c.core.errors import AoIError, InputNotFoundError

WGS84 = CRS.from_epsg(4326)
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".kml", ".gml", ".fgb", ".zip")


@dataclass(frozen=True)
class AoI:
    """A polygonal area of interest and the CRS its coordinates are in."""

    geometry: BaseGeometry
    crs: CRS = WGS84

    def to_crs(self, crs: CRS | str) -> BaseGeometry:
        """The geometry in another CRS, edges densified so that curved projections stay faithful."""
        return transform_geometry(self.geometry, self.crs, CRS.from_user_input(crs))

    def bounds_in(self, crs: CRS | str) -> tuple[float, float, float, float]:
        """The envelope (minx, miny, maxx, maxy) of the AoI in `crs`."""
        return tuple(self.to_crs(crs).bounds)  # type: ignore[return-value]


def transform_geometry(geom: BaseGeometry, src: CRS, dst: CRS) -> BaseGeometry:
    """Reproject a shapely geometry (always x=lon/easting, y=lat/northing)."""
    if CRS.from_user_input(src) == CRS.from_user_input(dst):
        return geom
    minx, miny, maxx, maxy = geom.bounds
    step = max(maxx - minx, maxy - miny) / 50 or 1.0
    dense = shapely.segmentize(geom, step)
    transformer = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(dense, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _stack(xy: tuple) -> object:
    import numpy as np

    return np.column_stack(xy)


def parse_aoi(value: str | Path | None) -> AoI | None:
    """Parse `--AoI`: None/empty gives None; a path reads a vector file; anything else must be WKT."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    path = Path(text)
    looks_like_file = path.suffix.lower() in VECTOR_SUFFIXES or (("/" in text or "\\" in text) and "(" not in text)
    if looks_like_file:
        if not path.exists():
            raise InputNotFoundError(f"AoI file {path} does not exist; give a vector file or a WKT polygon")
        return _read_vector(path)
    return _polygonal(_parse_wkt(text), WGS84, text)


def _parse_wkt(text: str) -> BaseGeometry:
    """WKT -> shapely, with a one-line error on bad syntax."""
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        short = text if len(text) < 60 else text[:57] + "..."
        raise AoIError(f"invalid WKT for the AoI {short!r} ({exc}); give e.g. 'POLYGON((lon lat, ...))'") from exc


def _read_vector(path: Path) -> AoI:
    """Union of all geometries of a vector file, in the file's CRS."""
    import pyogrio

    try:
        meta, _, wkb, _ = pyogrio.raw.read(path)
    except Exception as exc:
        raise AoIError(f"cannot read AoI file {path}: {exc}") from exc
    geoms = shapely.from_wkb(wkb)
    crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else WGS84
    return _polygonal(shapely.union_all(geoms), crs, str(path))


def _polygonal(geom: BaseGeometry, crs: CRS, source: str) -> AoI:
    """Check the AoI is a non-empty (multi)polygon; repair invalid rings."""
    if geom is None or geom.is_empty:
        raise AoIError(f"the AoI {source!r} is empty; give a polygon")
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        raise AoIError(f"the AoI must be a polygon, got a {geom.geom_type}; give a POLYGON or MULTIPOLYGON")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.area == 0:
        raise AoIError(f"the AoI {source!r} has no area; give a polygon")
    return AoI(geom, crs)
