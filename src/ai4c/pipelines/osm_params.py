"""Parameters of the OSM feature commands, defined once for the CLI, the pipelines and the docs."""

from __future__ import annotations

EXPORT_FORMATS = ("GeoJSON", "GeoPackage", "GeoParquet", "FlatGeobuf", "ntriples")
DEFAULT_PORT = 8080
MAX_LIMIT = 10000  # most features in one page of the service (OGC API `limit`)
DEFAULT_LIMIT = 10
