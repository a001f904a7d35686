"""A feature store ingested from a simulated town, shared by the OSM service tests."""

from __future__ import annotations

from pathlib import Path

from ai4c.pipelines.osm_ingest import ingest
from ai4c.simulate.osm import simulate_town


def town_store(folder: Path, buildings: int, seed: int) -> Path:
    """Simulate a town in `folder`, ingest it, return the store's path."""
    simulate_town(folder / "town.osm", buildings=buildings, seed=seed)
    ingest(folder / "town.osm", folder / "store")
    return folder / "store"
