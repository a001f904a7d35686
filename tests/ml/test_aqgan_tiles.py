"""Tile cutting and reassembly."""

from __future__ import annotations

import numpy as np

from ai4c.ml.downscaling.tiles import TileGrid, assemble, assemble_central, central_assembly_possible, cut


def test_cut_and_reassemble_are_inverse():
    grid = TileGrid(0.0, 0.0, 0.8, 8, 16, 24, 8, 4)
    field = np.random.default_rng(0).random((2, 128, 192))
    tiles = cut(field, grid.positions(), 8, 8)
    assert tiles.shape == (2, 15, 64, 64) and central_assembly_possible(grid)
    np.testing.assert_array_equal(assemble_central(tiles, grid), field)
    plain = cut(field, grid.positions(8), 8, 8)
    np.testing.assert_array_equal(assemble(plain, grid.positions(8), (128, 192), 8), field)
    assert not central_assembly_possible(TileGrid(0.0, 0.0, 0.8, 8, 16, 24, 8, 3))
