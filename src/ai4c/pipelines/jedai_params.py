"""Defaults of `ai4c jedai resolve|interlink`, defined once for the CLI and the pipelines' parameter objects.
Light on purpose (no shapely, no numba), so `--help` stays instant."""

from __future__ import annotations

INTERLINK_ALGORITHMS = ("giant", "radon", "static-grid", "plane-sweep", "pbsm", "rtree", "quadtree",
                        "strtree")
"""Names of `ai4c.linked.interlink.ALGORITHMS`, in its order (a test keeps them equal)."""
DEFAULT_ALGORITHM = "giant"
DEFAULT_BASE = "http://ai4c.eu/resource/"
SOURCE_BASE = DEFAULT_BASE + "source/"
TARGET_BASE = DEFAULT_BASE + "target/"
BATCH_SIZE = 50_000
ER_BASE1 = DEFAULT_BASE + "er/source1/"
ER_BASE2 = DEFAULT_BASE + "er/source2/"
TUNE_BUDGET = 20
