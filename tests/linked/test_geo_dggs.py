"""The declared DGGS (LonLatQuad) on its own: cell ids <-> squares, literals, coverings, compaction. Expected
values come from the grid's definition (roots W = [-180,0]x[-90,90], E = [0,180]x[-90,90]; digit 2*north +
east), worked by hand next to each case."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ai4c.linked.geo import dggs
from ai4c.linked.geo.vocab import DGGS_LITERAL, DGGS_QUAD_GRID, DGGS_QUAD_LITERAL


@pytest.mark.parametrize(("cell", "bounds"), [
    ("W", (-180, -90, 0, 90)), ("E", (0, -90, 180, 90)),
    ("E3", (90, 0, 180, 90)),  # east half of E, north half
    ("W0", (-180, -90, -90, 0)),  # west, south
    ("E31", (135, 0, 180, 45)),  # E3's south-east quarter
    # W2 = [-180,-90]x[0,90]; its NE child 3 = [-135,-90]x[45,90]; its SW child 0 = [-135,-112.5]x[45,67.5];
    # its SE child 1 = [-123.75,-112.5]x[45,56.25]
    ("W2301", (-123.75, 45, -112.5, 56.25)),
])
def test_cell_bounds(cell, bounds):
    """Cell squares, worked by hand from the roots and the digit order."""
    assert dggs.cell_bounds(cell) == bounds


def test_cell_ids_and_indices_are_inverse():
    rng = np.random.default_rng(7)
    for resolution in (0, 1, 5, 17, 30):
        columns = rng.integers(0, 2 << resolution, 50)
        rows = rng.integers(0, 1 << resolution, 50)
        ids = dggs.cell_ids(resolution, columns, rows)
        assert [dggs.cell_indices(c) for c in ids] == [(resolution, int(c), int(r)) for c, r in zip(columns, rows, strict=True)]


@pytest.mark.parametrize("bad", ["", "X", "E4", "E01a", "W" + "0" * 31, "e0"])
def test_bad_cell_ids(bad):
    with pytest.raises(ValueError):
        dggs.cell_indices(bad)


def test_literals():
    """A cell list is the union of its cells; the generic datatype needs the grid IRI; empty is empty."""
    square = dggs.parse_dggs_literal("CELLLIST (E20 E21, E22 e23)", DGGS_QUAD_LITERAL)
    assert square.equals(shapely.box(0, 0, 90, 90))
    assert len(shapely.get_coordinates(square)) == 5  # collinear vertices removed
    assert dggs.parse_dggs_literal(f"<{DGGS_QUAD_GRID}> CELLLIST (E2 E20)", DGGS_LITERAL).equals(square)
    for empty in ("", "  ", "CELLLIST EMPTY", f"<{DGGS_QUAD_GRID}>", "CELLLIST ()"):
        assert dggs.parse_dggs_literal(empty, DGGS_QUAD_LITERAL).is_empty
    for bad in ("CELLLIST (E2)", "<http://example.org/x> CELLLIST (E2)"):
        with pytest.raises(ValueError):
            dggs.parse_dggs_literal(bad, DGGS_LITERAL)
    for bad in ("CELLLIST (E5)", "CELLLIST E2", "POLYGON((0 0, 1 0, 0 1, 0 0))", "CELLLIST ((E2))"):
        with pytest.raises(ValueError):
            dggs.parse_dggs_literal(bad, DGGS_QUAD_LITERAL)


def test_compact():
    """Four siblings become their parent, repeatedly (E200..E203 -> E20, then E20..E23 -> E2)."""
    assert dggs.compact(["E200", "E201", "E202", "E203", "E21", "E22", "E23", "W0"]) == ["E2", "W0"]
    assert dggs.compact(["E200", "E201", "E202"]) == ["E200", "E201", "E202"]
    assert dggs.compact(["W", "E"]) == ["E", "W"]  # the two roots have no parent


def test_coverings():
    """A cell covers itself at any finer resolution; [0,100]x[0,10] at resolution 2 (45 degree cells) is in
    E20 ([0,45]^2), E21 ([45,90]x[0,45]) and E30 ([90,135]x[0,45])."""
    assert dggs.covering(shapely.box(0, 0, 90, 90), 12) == ["E2"]
    assert dggs.covering(shapely.box(0, 0, 100, 10), 2) == ["E20", "E21", "E30"]
    assert dggs.covering(shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"), 5) == []
    mixed = shapely.GeometryCollection([shapely.Point(-170, -80), shapely.box(0, 0, 90, 90)])
    assert dggs.covering(mixed, 1) == ["E2", "W0"]


def test_default_resolution():
    """Cells at most 1/16 of the extent (a 4-degree square: 180*16/4 = 720 -> 2^10 >= 720 -> 10), or the
    grid of the vertices when finer (E212's corners lie on the 22.5-degree grid: resolution 3)."""
    assert dggs.default_resolution(shapely.box(0, 0, 4, 4)) == 10
    assert dggs.vertex_grid_resolution(shapely.box(45, 22.5, 67.5, 45)) == 3
    assert dggs.vertex_grid_resolution(shapely.box(0, 0, 4, 4)) == 0  # 184/180 is no binary fraction
    assert dggs.default_resolution(shapely.Point(1, 2)) == dggs.MAX_RESOLUTION
