"""S2-CD on this machine without dask or xarray: both dates read in S2-preprocess's threaded one pass.

Every strip of both dates (bands and SCL on the common grid, clouds, no data and the AoI masked: the same
pixels as S2-preprocess's graph, pipelines.s2_pre_local) goes straight into the CVA's temporary store
(optical.cva_pass.BlockSpill, not copied), which gathers the validity mask and the stratified sample on the way; the
analysis (optical.cva.analyse) and the outputs (pipelines.s2_cd_io) are the graph's. Runs the common case:
L2A products kept in their own UTM zone, GeoTIFF outputs; anything else goes through the graph.
"""

from __future__ import annotations

from pathlib import Path

from ai4c.core.graph import Context, record
from ai4c.optical.cva_pass import BlockSpill
from ai4c.pipelines.parameters import S2CdParameters


def run_local(ctx: Context, p: S2CdParameters) -> list[Path] | None:
    """Detect the changes between `ctx.inputs` and write the outputs into `ctx.output_path`; None when the
    products or the parameters need the graph."""
    from ai4c.core.formats import normalise_format
    from ai4c.optical.cva import analyse
    from ai4c.pipelines.s2_cd import open_pair
    from ai4c.pipelines.s2_cd_io import ChangeMap, write_outputs

    if normalise_format(p.output_format) != "GTiff":
        return None
    products = open_pair(*ctx.inputs)
    read = collocated(products, p)
    if read is None:
        return None
    spill, grid = read
    result = analyse(spill, reference_vector=p.reference_vector, level_confidence=p.level_confidence,
                     number_classes=p.number_classes, normalisation=p.normalisation)
    meta = [product.metadata for product in products]
    changes = ChangeMap(result, grid, [m.datetime.isoformat() for m in meta], [m.baseline for m in meta],
                        meta[0].tile, record(p))
    return write_outputs(changes, ctx, p.output_format)


def collocated(products: tuple, p: S2CdParameters):
    """(BlockSpill of both dates, their grid) after one threaded pass over both products; None when they need
    the graph (another projection, no SCL...)."""
    from ai4c.core.graph import parameters_of
    from ai4c.pipelines import s2_pre
    from ai4c.pipelines.s2_cd import check_same_grid, pre_parameters
    from ai4c.pipelines.s2_pre_local import covers, decoding_pool, plan_product

    pre = parameters_of(s2_pre.GRAPH, pre_parameters(p))
    if not covers(pre):
        return None
    files: list = []
    try:
        with decoding_pool() as pool:
            plans = [plan_product(product, pre, pool, files) for product in products]
            if None in plans:
                return None
            grid = check_same_grid(plans[0].grid, plans[1].grid)
            return _spilled(plans, pool), grid
    finally:  # after the pool has finished every read
        for file in files:
            file.close()


def import_analysis_modules() -> None:
    """Import what the analysis and the outputs need (matplotlib, pystac: ~0.5 s of CPU, one thread) on the main
    thread while the pool's threads decode: the main thread only waits for the strips there, so on free cores
    the imports take no wall time."""
    import matplotlib.figure  # noqa: F401
    import pystac  # noqa: F401


def _spilled(plans: list, pool) -> BlockSpill:
    """Stream the strips of both dates (decoded AHEAD strips in advance by the pool) into a BlockSpill."""
    from ai4c.core.progress import track
    from ai4c.optical.cva_pass import MAX_SAMPLES, stratified_sample
    from ai4c.pipelines.s2_cd import scl_rules
    from ai4c.pipelines.s2_pre_local import computed_strips, masked_layers, strip_bounds

    grid = plans[0].grid
    bounds = strip_bounds(grid, plans[0].sources + plans[1].sources)  # whole JPEG2000 tiles of both dates
    spill = BlockSpill(grid.height, grid.width, len(plans[0].names), *stratified_sample(grid.height, grid.width,
                                                                                         MAX_SAMPLES))
    try:
        pairs = zip(*(computed_strips(plan, pool, bounds, mask=masked_layers) for plan in plans), strict=True)
        import_analysis_modules()  # while the pool decodes the first strips (decoding starts above)
        for (row, first, scl1), (_, second, scl2) in track(pairs, "S2-CD", total=len(bounds)):
            usable, same = scl_rules(scl1, scl2)
            spill.add(slice(row, row + first[0].shape[0]), slice(0, grid.width), first, second, usable, same)
    except BaseException:
        spill.close()
        raise
    return spill
