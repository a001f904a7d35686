"""OpenStreetMap extracts (PBF, XML, compressed XML) read by pyosmium as a stream of tagged objects.

Only objects carrying one of the wanted keys reach Python (libosmium filters in C++); node locations
live in memory for small files and in a file on disk for large ones, so memory stays bounded.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ai4c.core.errors import InputNotFoundError, InvalidProductError

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osc", ".o5m")
DISK_INDEX_BYTES = 256 * 1024 * 1024  # above this file size node locations are indexed on disk (~400 MB in memory below)


@dataclass(slots=True)
class OsmObject:
    """One selected OSM object: type ('node'/'way'/'relation'), id, tags, epoch seconds, WKB, closed-way
    flag, and what the caller's `select` said of it.

    Relations come twice: once without geometry (`wkb` None, so the caller can note multipolygon
    candidates) and once as the assembled area (`wkb` a multipolygon)."""

    osm_type: str
    osm_id: int
    tags: dict[str, str]
    timestamp: int
    wkb: bytes | None
    closed: bool = False
    selected: object = None


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


def _bounded_queues() -> None:
    """Keep libosmium's decoded-block queues short: when Python consumes slower than the reader threads
    decode, the default queues (20 blocks) hold hundreds of MB; 2 blocks cost no speed here."""
    for queue in ("OSMIUM_MAX_INPUT_QUEUE_SIZE", "OSMIUM_MAX_OSMDATA_QUEUE_SIZE"):
        os.environ.setdefault(queue, "2")


def _location_index(path: Path, scratch: str) -> str:
    """libosmium's node location index: in memory for small files, a sparse file on disk for big ones."""
    if path.stat().st_size < DISK_INDEX_BYTES:
        return "flex_mem"
    return f"sparse_file_array,{os.path.join(scratch, 'locations.idx')}"


def read_osm(path: Path, prefilter: tuple[list[tuple[str, str]], list[str]] | None,
             select: Callable[[Mapping[str, str]], object], stats: ReadStats,
             fields: Callable[[object], tuple[str, ...]] | None = None) -> Iterator[OsmObject]:
    """Stream the objects of `path` that pass `prefilter` and for which `select(tags)` is truthy, with their
    geometry as WKB (`select` sees pyosmium's tag list: objects it refuses cost no copy). `fields(selected)`
    names the tags to copy (default: all).

    `prefilter` = (pairs, keys): objects with one of the (key, value) pairs, or one of the keys whatever
    its value; libosmium applies it in C++ (one pass for the pairs, one for the keys), None: every
    tagged object in one pass."""
    import osmium

    _bounded_queues()
    if prefilter is None:
        passes = [(osmium.filter.EmptyTagFilter(), ())]
    else:
        pairs, keys = prefilter
        passes = ([(osmium.filter.TagFilter(*pairs), tuple(keys))] if pairs else []) + \
                 ([(osmium.filter.KeyFilter(*keys), ())] if keys else [])
    for tag_filter, later in passes:
        yield from _one_pass(path, tag_filter, later, select, stats, fields)


def _one_pass(path: Path, tag_filter, later: tuple[str, ...], select, stats: ReadStats,
              fields) -> Iterator[OsmObject]:
    """One read of the file; objects carrying one of the `later` keys are left to the next pass."""
    import osmium

    if later:
        inner = select
        select = lambda tags: not any(k in tags for k in later) and inner(tags)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="ai4c-osm-") as scratch:
        try:
            processor = (osmium.FileProcessor(str(path))
                         .with_locations(_location_index(path, scratch))
                         .with_areas(tag_filter)
                         .with_filter(tag_filter))
            yield from _objects(processor, select, stats, osmium.geom.WKBFactory(), fields)
        except (RuntimeError, ValueError, OSError) as err:
            raise InvalidProductError(f"{path} is not a readable OSM extract ({_first_line(err)}); "
                                      "give an .osm.pbf or .osm XML file") from err


def _objects(processor, select, stats: ReadStats, factory, fields) -> Iterator[OsmObject]:
    """Turn pyosmium's objects into OsmObjects (areas from closed ways are skipped: ways come as lines)."""
    import osmium

    every_node = osmium.geom.use_nodes.ALL
    for obj in processor:
        stats.objects += 1
        if obj.is_area() and obj.from_way():
            continue
        selected = select(obj.tags)
        if not selected:
            continue
        tags = _copy_tags(obj.tags, fields(selected) if fields else None)
        stamp = _epoch(obj)
        try:
            if obj.is_node():
                yield OsmObject("node", obj.id, tags, stamp, bytes.fromhex(factory.create_point(obj)), False,
                                selected)
            elif obj.is_way():
                nodes = obj.nodes
                closed = len(nodes) >= 4 and nodes[0].ref == nodes[-1].ref
                wkb = bytes.fromhex(factory.create_linestring(obj, every_node))
                if int.from_bytes(wkb[5:9], "little") < len(nodes):  # libosmium left out nodes it could not locate
                    stats.missing_locations += 1
                    continue
                yield OsmObject("way", obj.id, tags, stamp, wkb, closed, selected)
            elif obj.is_relation():
                yield OsmObject("relation", obj.id, tags, stamp, None, False, selected)
            else:
                yield OsmObject("relation", obj.orig_id(), tags, stamp,
                                bytes.fromhex(factory.create_multipolygon(obj)), True, selected)
        except osmium.InvalidLocationError:
            stats.missing_locations += 1
        except RuntimeError as err:
            message = str(err)
            if "invalid area" in message:  # rings that do not close: the caller counts it as not assembled
                continue
            if "point" not in message and "ring" not in message:  # "need at least two points for linestring"
                raise
            stats.degenerate += 1


def _copy_tags(tags, keys: tuple[str, ...] | None) -> dict[str, str]:
    """The tags as a dict: only `keys` when given (a few C++ look-ups beat iterating every tag)."""
    if keys is None:
        return {tag.k: tag.v for tag in tags}
    get = tags.get
    return {k: v for k in keys if (v := get(k)) is not None}


def _epoch(obj) -> int:
    """Seconds since 1970 of the object's last edit (0 when the extract carries no timestamps)."""
    try:
        return int(obj.timestamp.timestamp())
    except (ValueError, OSError, OverflowError):
        return 0


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
