"""OpenStreetMap extracts (PBF, XML, compressed XML) read by pyosmium as a stream of tagged objects.

Only objects carrying one of the wanted keys reach Python (libosmium filters in C++); node locations
live in memory for small files and in a file on disk for large ones, so memory stays bounded.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ai4c.core.errors import InputNotFoundError, InvalidProductError

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osc", ".o5m")
DISK_INDEX_BYTES = 64 * 1024 * 1024  # above this file size node locations are indexed on disk


@dataclass(slots=True)
class OsmObject:
    """One tagged OSM object: type ('node'/'way'/'relation'), id, tags, epoch seconds, WKB, closed-way flag.

    Relations come twice: once without geometry (`wkb` None, so the caller can note multipolygon
    candidates) and once as the assembled area (`wkb` a multipolygon)."""

    osm_type: str
    osm_id: int
    tags: dict[str, str]
    timestamp: int
    wkb: bytes | None
    closed: bool = False


@dataclass
class ReadStats:
    """What the reader could not turn into geometry (reported by the ingest)."""

    missing_locations: int = 0
    degenerate: int = 0
    objects: int = 0


def osm_inputs(path: Path | str) -> list[Path]:
    """The OSM files of an input: the file itself, or every OSM extract inside a folder (sorted)."""
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"OSM input {path} does not exist; give an .osm.pbf/.osm file or a folder of them")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(OSM_SUFFIXES))
        if not files:
            raise InputNotFoundError(f"no OSM extracts (*.osm.pbf, *.osm) in folder {path}")
        return files
    return [path]


def _location_index(path: Path, scratch: str) -> str:
    """libosmium's node location index: in memory for small files, a sparse file on disk for big ones."""
    if path.stat().st_size < DISK_INDEX_BYTES:
        return "flex_mem"
    return f"sparse_file_array,{os.path.join(scratch, 'locations.idx')}"


def read_osm(path: Path, keys: list[str], stats: ReadStats) -> Iterator[OsmObject]:
    """Stream the objects of `path` that carry one of `keys`, with their geometry as WKB."""
    import osmium

    with tempfile.TemporaryDirectory(prefix="ai4c-osm-") as scratch:
        try:
            processor = (osmium.FileProcessor(str(path))
                         .with_locations(_location_index(path, scratch))
                         .with_areas(osmium.filter.KeyFilter(*keys))
                         .with_filter(osmium.filter.KeyFilter(*keys)))
            yield from _objects(processor, stats, osmium.geom.WKBFactory())
        except (RuntimeError, ValueError, OSError) as err:
            raise InvalidProductError(f"{path} is not a readable OSM extract ({_first_line(err)}); "
                                      "give an .osm.pbf or .osm XML file") from err


def _objects(processor, stats: ReadStats, factory) -> Iterator[OsmObject]:
    """Turn pyosmium's objects into OsmObjects (areas from closed ways are skipped: ways come as lines)."""
    import osmium

    every_node = osmium.geom.use_nodes.ALL
    for obj in processor:
        stats.objects += 1
        tags = {tag.k: tag.v for tag in obj.tags}
        stamp = _epoch(obj)
        try:
            if obj.is_node():
                yield OsmObject("node", obj.id, tags, stamp, bytes.fromhex(factory.create_point(obj)))
            elif obj.is_way():
                nodes = obj.nodes
                closed = len(nodes) >= 4 and nodes[0].ref == nodes[-1].ref
                wkb = bytes.fromhex(factory.create_linestring(obj, every_node))
                if int.from_bytes(wkb[5:9], "little") < len(nodes):  # libosmium left out nodes it could not locate
                    stats.missing_locations += 1
                    continue
                yield OsmObject("way", obj.id, tags, stamp, wkb, closed)
            elif obj.is_relation():
                yield OsmObject("relation", obj.id, tags, stamp, None)
            elif not obj.from_way():
                yield OsmObject("relation", obj.orig_id(), tags, stamp,
                                bytes.fromhex(factory.create_multipolygon(obj)), True)
        except osmium.InvalidLocationError:
            stats.missing_locations += 1
        except RuntimeError as err:
            message = str(err)
            if "invalid area" in message:  # rings that do not close: the caller counts it as not assembled
                continue
            if "point" not in message and "ring" not in message:  # "need at least two points for linestring"
                raise
            stats.degenerate += 1


def _epoch(obj) -> int:
    """Seconds since 1970 of the object's last edit (0 when the extract carries no timestamps)."""
    try:
        return int(obj.timestamp.timestamp())
    except (ValueError, OSError, OverflowError):
        return 0


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
