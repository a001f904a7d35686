"""Parameters of the OSM feature commands, defined once for the CLI, the pipelines and the docs."""

from __future__ import annotations

EXPORT_FORMATS = ("GeoJSON", "GeoPackage", "GeoParquet", "FlatGeobuf", "ntriples")
DEFAULT_PORT = 8080
MAX_LIMIT = 10000  # most features in one page of the service (OGC API `limit`)
DEFAULT_LIMIT = 10
DEFAULT_WORKERS = 2  # service processes (each answers queries in threads; two use two cores)
DEFAULT_CACHE_MB = 512  # decoded row groups a service process keeps in memory
