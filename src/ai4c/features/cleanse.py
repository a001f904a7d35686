"""Cleansing of extracted features: geometry assembly and repair, de-duplication, and the ingest report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely

REASONS = {
    "missing_node_locations": "ways or relations referencing nodes absent from the extract",
    "degenerate_way": "ways with fewer than two distinct points",
    "broken_multipolygon": "multipolygon relations whose rings do not close (not assembled)",
    "relation_not_area": "relations other than multipolygons (routes, sites): no geometry of their own",
    "geometry_not_allowed": "objects whose geometry type the class does not accept",
    "unclosed_polygon": "open ways of a polygon-only class",
    "unrepairable_geometry": "invalid geometries that stay empty after repair",
    "duplicate": "the same OSM object seen more than once (overlapping extracts)",
    "outside_aoi": "features outside the area of interest",
}


@dataclass
class IngestReport:
    """Counts of what was kept, repaired and rejected (with the reason), per class."""

    features: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    repaired: Counter = field(default_factory=Counter)
    unparsable: Counter = field(default_factory=Counter)
    inputs: list[str] = field(default_factory=list)
    objects_read: int = 0
    seconds: float = 0.0

    def reject(self, reason: str, klass: str = "*", count: int = 1) -> None:
        """Count `count` objects of `klass` rejected for `reason` (one of REASONS)."""
        if count:
            self.rejected[(klass, reason)] += count

    def to_dict(self) -> dict:
        """The report as JSON-ready data (written beside the store as report.json)."""
        return {
            "inputs": self.inputs, "objects_read": self.objects_read, "seconds": round(self.seconds, 3),
            "features": dict(sorted(self.features.items())),
            "repaired": dict(sorted(self.repaired.items())),
            "rejected": [{"class": k, "reason": r, "count": n, "meaning": REASONS.get(r, r)}
                         for (k, r), n in sorted(self.rejected.items())],
            "unparsable_attributes": dict(sorted(self.unparsable.items())),
        }

    def table(self) -> str:
        """A printable summary: one line per class, then the rejections."""
        lines = [f"{'class':<18}{'features':>10}{'repaired':>10}{'rejected':>10}"]
        rejected_by_class: Counter = Counter()
        for (klass, _), n in self.rejected.items():
            rejected_by_class[klass] += n
        for klass in sorted(set(self.features) | set(rejected_by_class)):
            lines.append(f"{klass:<18}{self.features[klass]:>10}{self.repaired[klass]:>10}"
                         f"{rejected_by_class[klass]:>10}")
        for (klass, reason), n in sorted(self.rejected.items()):
            lines.append(f"  rejected {n} {klass}: {reason} ({REASONS.get(reason, reason)})")
        for attr, n in sorted(self.unparsable.items()):
            lines.append(f"  {n} unparsable values of {attr} set to null")
        return "\n".join(lines)


def assemble(wkbs: list[bytes], as_polygon: np.ndarray) -> np.ndarray:
    """Shapely geometries from WKB; closed way lines flagged `as_polygon` become polygons."""
    geoms = shapely.from_wkb(np.asarray(wkbs, dtype=object))
    if as_polygon.any():
        geoms[as_polygon] = _polygons_of(geoms[as_polygon])
    return geoms


def _polygons_of(lines: np.ndarray) -> np.ndarray:
    """A polygon from each closed line (vectorised); lines of fewer than 4 points give None."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    enough = np.bincount(index, minlength=len(lines)) >= 4
    out = np.full(len(lines), None, dtype=object)
    if enough.any():
        take = enough[index]
        _, renumbered = np.unique(index[take], return_inverse=True)
        out[enough] = shapely.polygons(shapely.linearrings(coords[take], indices=renumbered))
    return out


def repair(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make invalid geometries valid (keeping their dimension); returns geometries, repaired and dropped masks."""
    invalid = ~shapely.is_valid(geoms)
    repaired = np.zeros(len(geoms), dtype=bool)
    dropped = np.zeros(len(geoms), dtype=bool)
    for i in np.flatnonzero(invalid):
        fixed = _repair_one(geoms[i])
        if fixed is None:
            dropped[i] = True
        else:
            geoms[i] = fixed
            repaired[i] = True
    return geoms, repaired, dropped


def _repair_one(geom):
    """shapely's make_valid, keeping only the parts with the input's dimension; None when nothing is left."""
    if geom is None:
        return None
    dimension = shapely.get_dimensions(geom)
    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if shapely.get_dimensions(p) == dimension and not p.is_empty]
    if not parts:
        return None
    if dimension == 2:
        polys = [q for p in parts for q in shapely.get_parts(p)]
        return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)
    if dimension == 1:
        return parts[0] if len(parts) == 1 else shapely.multilinestrings(parts)
    return parts[0]


def duplicate_mask(osm_type: np.ndarray, osm_id: np.ndarray, timestamp: np.ndarray) -> np.ndarray:
    """True for every copy of an (osm_type, osm_id) but the most recent one."""
    order = np.lexsort((-timestamp, osm_id, osm_type))
    same = (osm_type[order][1:] == osm_type[order][:-1]) & (osm_id[order][1:] == osm_id[order][:-1])
    mask = np.zeros(len(osm_id), dtype=bool)
    mask[order[1:][same]] = True
    return mask


def hilbert_key(x: np.ndarray, y: np.ndarray, order: int = 16) -> np.ndarray:
    """Index along a Hilbert curve of order `order` over the whole lon/lat plane (nearby -> close keys)."""
    side = 1 << order
    xi = np.clip(((np.asarray(x) + 180.0) / 360.0 * side).astype(np.int64), 0, side - 1)
    yi = np.clip(((np.asarray(y) + 90.0) / 180.0 * side).astype(np.int64), 0, side - 1)
    key = np.zeros(len(xi), dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        key += s * s * ((3 * rx) ^ ry)
        flip = ~ry
        swap_x = np.where(flip & rx, side - 1 - xi, xi)
        swap_y = np.where(flip & rx, side - 1 - yi, yi)
        xi, yi = np.where(flip, swap_y, swap_x), np.where(flip, swap_x, swap_y)
        s >>= 1
    return key
