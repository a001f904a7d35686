"""Parameters of the OSM feature commands, defined once (typed parameter objects) for the CLI, the pipelines
and the docs. Light on purpose: no pyarrow, no osmium, so `--help` stays instant."""

from __future__ import annotations

from dataclasses import dataclass

from ai4c.core.params import at_least, param
from ai4c.pipelines.parameters import AOI_HELP

EXPORT_FORMATS = ("GeoJSON", "GeoPackage", "GeoParquet", "FlatGeobuf", "ntriples")
MAX_LIMIT = 10000  # most features in one page of the service (OGC API `limit`)
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class OsmIngestParameters:
    """`ai4c osm ingest`: the feature model and the area kept."""

    model: str = param(None, "feature model YAML (default: the shipped security model; see docs/osm-features.md)",
                       metavar="model.yaml")
    aoi: str = param(None, AOI_HELP, flags=("--AoI", "--aoi"), metavar="WKT|PATH")


@dataclass(frozen=True)
class OsmExportParameters:
    """`ai4c osm export`: the area and filter selected and the output format."""

    aoi: str = param(None, AOI_HELP, flags=("--AoI", "--aoi"), metavar="WKT|PATH")
    format: str = param("GeoJSON", "output format; ntriples writes GeoSPARQL RDF for `ai4c store load`",
                        choices=EXPORT_FORMATS)
    filter: str = param(None, "CQL2 text filter, as the service's `filter` (e.g. \"name LIKE 'Air%'\")",
                        metavar="CQL2")


@dataclass(frozen=True)
class OsmServeParameters:
    """`ai4c osm serve`: where to listen, how many processes, how much decoded data each keeps."""

    host: str = param("127.0.0.1", "address to listen on")
    port: int = param(8080, "TCP port", check=at_least(1))
    workers: int = param(2, "service processes (each answers queries in a few threads)", check=at_least(1))
    cache_mb: int = param(512, "decoded data each process keeps in memory, MiB (0: none)",
                          flags=("--cache-mb", "--cache_mb"), check=at_least(0))


DEFAULT_PORT = OsmServeParameters.port
DEFAULT_WORKERS = OsmServeParameters.workers
DEFAULT_CACHE_MB = OsmServeParameters.cache_mb
