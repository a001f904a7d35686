"""Interlinking on a dask.distributed cluster: the plane is cut into tiles, each tile's sources and
targets are linked on a worker, and a pair is kept only by the tile holding the lower-left corner of
its MBR intersection, so the union of the tiles' links is exactly the serial result."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely

from ai4c.linked.interlink.engine import Interlinker, Links, check_relations, concat
from ai4c.linked.interlink.grids import Grid, extent
from ai4c.linked.interlink.relations import RELATIONS


def _tile_task(source: np.ndarray, source_pos: np.ndarray, target: np.ndarray, target_pos: np.ndarray,
               grid: Grid, tile: int, algorithm: str, relations: tuple[str, ...]) -> Links:
    """Link one tile's geometries (sent as WKB: one C call each way instead of pickling every
    shapely object); keep pairs whose reference point falls in this tile."""
    if len(source) == 0 or len(target) == 0:
        return concat([], relations)
    source, target = shapely.from_wkb(source), shapely.from_wkb(target)
    linker = Interlinker(target, algorithm, relations=relations)
    links = linker.link_batch(source)
    sb, tb = shapely.bounds(source[links.source]), shapely.bounds(target[links.target])
    keep = grid.cell_of(np.maximum(sb[:, 0], tb[:, 0]), np.maximum(sb[:, 1], tb[:, 1])) == tile
    return Links(source_pos[links.source[keep]], target_pos[links.target[keep]],
                 {r: m[keep] for r, m in links.holds.items()})


def distributed_interlink(client, source: np.ndarray, target: np.ndarray, algorithm: str = "giant", *,
                          relations: Iterable[str] = RELATIONS, tiles: int | None = None) -> Links:
    """All links, computed tile by tile on the cluster behind `client` (identical to the serial run)."""
    relations = check_relations(relations)
    source, target = np.asarray(source, dtype=object), np.asarray(target, dtype=object)
    sb, tb = shapely.bounds(source), shapely.bounds(target)
    source_wkb, target_wkb = shapely.to_wkb(source), shapely.to_wkb(target)
    bounds = extent(sb, tb)
    per_axis = tiles or max(1, int(np.ceil(np.sqrt(2 * len(client.scheduler_info()["workers"])))))
    grid = Grid.over(bounds, max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / per_axis)
    s_owner, s_tile = grid.cells(sb)
    t_owner, t_tile = grid.cells(tb)
    futures = []
    for tile in np.intersect1d(s_tile, t_tile):
        sp, tp = s_owner[s_tile == tile], t_owner[t_tile == tile]
        futures.append(client.submit(_tile_task, source_wkb[sp], sp, target_wkb[tp], tp, grid, int(tile),
                                     algorithm, relations, pure=False))
    return concat(client.gather(futures), relations)
