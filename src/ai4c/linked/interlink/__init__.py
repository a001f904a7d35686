"""JedAI-spatial geospatial interlinking: every DE-9IM relation between two geometry sets, exactly,
by MBR filtering (a taxonomy of grid, sweep and tree algorithms) and prepared-geometry verification."""

from ai4c.linked.interlink.engine import Interlinker, InterlinkStats, Links, interlink
from ai4c.linked.interlink.filters import ALGORITHMS
from ai4c.linked.interlink.progressive import progressive_interlink
from ai4c.linked.interlink.relations import ALL_RELATIONS, RELATIONS

__all__ = ["ALGORITHMS", "ALL_RELATIONS", "RELATIONS", "InterlinkStats", "Interlinker", "Links",
           "interlink", "progressive_interlink"]
