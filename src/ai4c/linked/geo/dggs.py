"""The store's declared DGGS for GeoSPARQL 1.1 DGGS literals (OGC 22-047 Req 35-38): LonLatQuad, a quadtree
over CRS84 longitude/latitude whose cells are exact squares in degrees.

Grid: two root cells, `W` = [-180, 0] x [-90, 90] and `E` = [0, 180] x [-90, 90]; each cell splits into four
equal children numbered 2*north + east (0 south-west, 1 south-east, 2 north-west, 3 north-east). A cell id is
its root letter followed by one digit per level (`E`, `E3`, `E31`, ...); its resolution is the number of digits
(0-30) and its side 180/2^r degrees. Every corner is a binary fraction of 180, so a cell's polygon is exact.

Literal (datatype `DGGS_QUAD_LITERAL`, or generic `geo:dggsLiteral` when it names the grid IRI):
    [<https://ai4c.eu/ns/dggs/LonLatQuad> ]CELLLIST (E31 E32, W0)  |  ...CELLLIST EMPTY  |  ""
A cell list is the union of its cells (a Polygon or MultiPolygon); an empty literal is the empty geometry.
"""

from __future__ import annotations

import math
import re

import numpy as np
import shapely

from ai4c.linked.geo.vocab import DGGS_LITERAL, DGGS_QUAD_GRID, DGGS_QUAD_LITERAL

MAX_RESOLUTION = 30
MAX_CELLS = 100_000  # cells examined at one level of a covering; beyond, asDGGS is an error (unbound)
CELLS_PER_EXTENT = 16  # default resolution: cells at most 1/16 of the geometry's larger extent
_CELL = re.compile(r"^[WE][0-3]{0,30}$")
CELL_ID_RULE = "a LonLatQuad cell id is W or E followed by up to 30 digits 0-3"
_LITERAL = re.compile(r"^\s*(?:<([^<>]*)>)?\s*(?:CELLLIST\s*(?:\(([^()]*)\)|EMPTY))?\s*$", re.I | re.S)
_EMPTY = "GEOMETRYCOLLECTION EMPTY"
_CHILD_DI, _CHILD_DJ = np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])  # digit d: east = d & 1, north = d >> 1


def is_dggs_datatype(datatype: str) -> bool:
    """Whether a literal datatype is a DGGS literal (the generic geo:dggsLiteral or the declared grid's)."""
    return datatype in (DGGS_LITERAL, DGGS_QUAD_LITERAL)


# ---------------------------------------------------------------- cells
def cell_size(resolution: int) -> float:
    """The side of a cell of this resolution, in degrees (exact: 180 / 2^r)."""
    return 180.0 / (1 << resolution)


def cell_indices(cell: str) -> tuple[int, int, int]:
    """(resolution, column, row) of a cell id: column over longitude from -180, row over latitude from -90."""
    if not _CELL.match(cell):
        raise ValueError(f"bad cell id {cell!r}; {CELL_ID_RULE}")
    column, row = (0 if cell[0] == "W" else 1), 0
    for digit in map(int, cell[1:]):
        column, row = 2 * column + (digit & 1), 2 * row + (digit >> 1)
    return len(cell) - 1, column, row


def cell_ids(resolution: int, columns: np.ndarray, rows: np.ndarray) -> list[str]:
    """The ids of cells of one resolution at (column, row) each (inverse of `cell_indices`)."""
    shifts = np.arange(resolution, -1, -1, dtype=np.int64)
    codes = 2 * ((rows[:, None] >> shifts) & 1) + ((columns[:, None] >> shifts) & 1) + ord("0")
    codes[:, 0] = np.where(columns >> resolution == 0, ord("W"), ord("E"))
    return [bytes(row).decode() for row in codes.astype(np.uint8)]


def cell_bounds(cell: str) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a cell in CRS84 degrees."""
    resolution, column, row = cell_indices(cell)
    side = cell_size(resolution)
    return -180.0 + column * side, -90.0 + row * side, -180.0 + (column + 1) * side, -90.0 + (row + 1) * side


def cells_geometry(cells: list[str]) -> shapely.Geometry:
    """The union of cells (overlapping or nested ones allowed), without redundant vertices."""
    if not cells:
        return shapely.from_wkt(_EMPTY)
    boxes = shapely.box(*np.array([cell_bounds(c) for c in cells]).T)
    return shapely.simplify(shapely.union_all(boxes), 0.0)  # tolerance 0: only collinear vertices go


# ---------------------------------------------------------------- literals
class DggsLiteralError(ValueError):
    """A DGGS literal that is no geometry of the declared grid; the message names the problem and the fix."""


def parse_dggs_literal(value: str, datatype: str) -> shapely.Geometry:
    """The CRS84 geometry of a DGGS literal; DggsLiteralError when it is malformed, names another DGGS or holds a
    bad cell id (the generic geo:dggsLiteral must name the grid IRI, except when empty: Req 36)."""
    match = _LITERAL.match(value)
    if not match:
        raise DggsLiteralError(f"not a DGGS literal: {value[:60]!r}; write [<{DGGS_QUAD_GRID}> ]CELLLIST (cell ...) "
                               "or CELLLIST EMPTY")
    grid, body = (match.group(1) or "").strip() or None, match.group(2)
    if grid is not None and grid != DGGS_QUAD_GRID:
        raise DggsLiteralError(f"unknown DGGS <{grid}>; the store declares only <{DGGS_QUAD_GRID}>")
    if body is None:  # "", an IRI alone or CELLLIST EMPTY: the empty geometry
        return shapely.from_wkt(_EMPTY)
    if grid is None and datatype != DGGS_QUAD_LITERAL:
        raise DggsLiteralError(f"a geo:dggsLiteral must name its DGGS; begin it with <{DGGS_QUAD_GRID}> or type "
                               f"it <{DGGS_QUAD_LITERAL}>")
    tokens = [c for c in re.split(r"[\s,]+", body) if c]
    bad = next((c for c in tokens if not _CELL.match(c.upper())), None)
    if bad is not None:
        raise DggsLiteralError(f"bad cell id {bad!r}; {CELL_ID_RULE}")
    return cells_geometry([c.upper() for c in tokens])


def to_dggs_literal(geom: shapely.Geometry, resolution: int | None = None) -> str:
    """The LonLatQuad literal of a CRS84 geometry: its compact covering at `resolution` (see `covering`;
    `default_resolution` when None)."""
    cells = covering(geom, default_resolution(geom) if resolution is None else resolution)
    return f"<{DGGS_QUAD_GRID}> CELLLIST ({' '.join(cells)})" if cells else f"<{DGGS_QUAD_GRID}> CELLLIST EMPTY"


# ---------------------------------------------------------------- coverings
def default_resolution(geom: shapely.Geometry) -> int:
    """The finer of: cells at most 1/16 of the geometry's larger extent (30 for a point) and the grid the
    vertices lie on (so that a union of cells comes back as the same cells)."""
    if geom.is_empty:
        return 0
    west, south, east, north = geom.bounds
    extent = max(east - west, north - south)
    by_size = MAX_RESOLUTION if extent <= 0 else math.ceil(math.log2(180.0 * CELLS_PER_EXTENT / extent))
    return max(0, min(MAX_RESOLUTION, by_size), vertex_grid_resolution(geom))


def vertex_grid_resolution(geom: shapely.Geometry) -> int:
    """The coarsest resolution whose cell corners hold every vertex of the geometry (0 when none does)."""
    xy = shapely.get_coordinates(geom)
    offsets = np.column_stack([xy[:, 0] + 180.0, xy[:, 1] + 90.0])
    for resolution in range(MAX_RESOLUTION + 1):
        steps = offsets / cell_size(resolution)  # exact for coordinates on the grid
        if np.all(steps == np.round(steps)):
            return resolution
    return 0


def covering(geom: shapely.Geometry, resolution: int) -> list[str]:
    """The cells of `resolution` that a CRS84 geometry occupies, compacted (four siblings -> their parent).

    A cell belongs when it meets a part of the geometry in a set of that part's dimension: an area for a
    surface, a stretch of line for a curve (both cells along a line that follows a cell edge), a point for a
    point (all the cells whose closed square holds it). A union of cells covers itself exactly."""
    if not 0 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"DGGS resolution {resolution} outside 0-{MAX_RESOLUTION}")
    parts = _parts_by_dimension(geom)
    if not parts:
        return []
    west, south, east, north = geom.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise ValueError("geometry outside the longitude/latitude range of the DGGS")
    found: list[str] = []
    columns, rows = np.array([0, 1]), np.array([0, 0])
    for level in range(resolution + 1):
        boxes = _boxes(level, columns, rows)
        keep = _occupied(boxes, parts)
        if 2 in parts:  # cells inside the surface: all their descendants belong, keep them whole
            inside = keep.copy()
            inside[keep] = shapely.covers(parts[2], boxes[keep])
            found += cell_ids(level, columns[inside], rows[inside])
            keep &= ~inside
        columns, rows = columns[keep], rows[keep]
        if level == resolution:
            found += cell_ids(level, columns, rows)
        elif 4 * len(columns) > MAX_CELLS:
            raise ValueError(f"more than {MAX_CELLS} DGGS cells at resolution {level + 1}; use a coarser one")
        else:
            columns = (2 * columns[:, None] + _CHILD_DI).ravel()
            rows = (2 * rows[:, None] + _CHILD_DJ).ravel()
    return compact(found)


def compact(cells: list[str]) -> list[str]:
    """Cells with every complete set of four siblings replaced by their parent, repeatedly; sorted."""
    present = set(cells)
    for length in range(max((len(c) for c in present), default=0), 1, -1):
        siblings: dict[str, int] = {}
        for cell in present:
            if len(cell) == length:
                siblings[cell[:-1]] = siblings.get(cell[:-1], 0) + 1
        for parent, count in siblings.items():
            if count == 4:
                present -= {parent + d for d in "0123"}
                present.add(parent)
    return sorted(present)


def _boxes(level: int, columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    side = cell_size(level)
    west, south = -180.0 + columns * side, -90.0 + rows * side
    return shapely.box(west, south, west + side, south + side)


def _parts_by_dimension(geom: shapely.Geometry) -> dict[int, shapely.Geometry]:
    """The non-empty points, curves and surfaces of a geometry (collections flattened), one union each."""
    pending, groups = [geom], {0: [], 1: [], 2: []}
    while pending:
        item = pending.pop()
        if item.is_empty:
            continue
        if item.geom_type in ("GeometryCollection", "MultiPoint", "MultiLineString", "MultiPolygon"):
            pending.extend(shapely.get_parts(item))
        else:
            groups[int(shapely.get_dimensions(item))].append(item)
    return {dim: shapely.union_all(items) for dim, items in groups.items() if items}


def _occupied(boxes: np.ndarray, parts: dict[int, shapely.Geometry]) -> np.ndarray:
    """Which cells meet some part in a set of that part's dimension: a point in the closed square, a stretch of
    curve (DE-9IM: the cell's interior or boundary against the curve's interior of dimension 1), a surface
    with interiors meeting (intersecting without only touching). Parts are prepared: GEOS's fast predicates."""
    keep = np.zeros(len(boxes), dtype=bool)
    for dim, part in parts.items():
        shapely.prepare(part)
        meets = shapely.intersects(part, boxes)
        if dim == 2:
            meets &= ~shapely.touches(part, boxes)
        elif dim == 1:
            matrices = shapely.relate(boxes[meets], part)
            meets[meets] = np.array([m[0] == "1" or m[3] == "1" for m in matrices], dtype=bool)
        keep |= meets
    return keep
