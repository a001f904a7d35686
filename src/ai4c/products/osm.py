"""OpenStreetMap extracts (PBF, XML, compressed XML) read by pyosmium as a stream of tagged objects.

Only objects carrying one of the wanted tags reach Python (libosmium filters in C++), and libosmium
assembles only the selected multipolygon relations; node locations live in memory for small files and
in a file on disk for large ones, so memory stays bounded.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ai4c.core.errors import InputNotFoundError, InvalidProductError, first_line

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


def read_osm(path: Path, keys: dict[str, list[str]] | None, select: Callable[[TagView], object], stats: ReadStats,
             fields: Callable[[object], tuple[str, ...]] | None = None) -> Iterator[OsmObject]:
    """Stream the objects of `path` carrying one of the `keys` of their OSM type ('node', 'way', 'relation';
    None: every tagged object) for which `select(tags)` is truthy, with their geometry as WKB. `select` sees a
    read-only view of the tags (`in`, `get`, `[]`, `has`: no copy); `fields(selected)` names the tags copied
    into the OsmObject (default: all).

    libosmium drops in C++ the objects without a key; `select` decides on the values (a dict look-up per key).
    Two reads: (1) the relations, (2) nodes and ways, storing node locations; libosmium assembles the selected
    multipolygons during (2); closed ways are made polygons by the caller, in bulk."""
    import osmium

    _bounded_queues()
    filters = _Filters(osmium, keys)
    with tempfile.TemporaryDirectory(prefix="ai4c-osm-") as scratch:
        try:
            yield from _read_all(osmium, path, scratch, filters, select, stats, fields)
        except (RuntimeError, ValueError, OSError) as err:
            raise InvalidProductError(f"{path} is not a readable OSM extract ({first_line(err)}); "
                                      "give an .osm.pbf or .osm XML file") from err


class _Filters:
    """libosmium's C++ filters for `keys`: the node/way read's chain (untagged objects out, then a key filter per
    type), the relations' and the assembled areas'."""

    def __init__(self, osmium, keys: dict[str, list[str]] | None):
        f = osmium.filter
        if keys is None:
            self.main = [f.EmptyTagFilter()]
            self.relations, self.areas = f.EmptyTagFilter(), f.EmptyTagFilter()
            return
        every_key = sorted({k for names in keys.values() for k in names})
        self.relations, self.areas = f.KeyFilter(*keys["relation"]), f.KeyFilter(*every_key)
        self.main = [f.EmptyTagFilter()]
        typed = [(osmium.osm.NODE, keys["node"]), (osmium.osm.WAY, keys["way"])]
        present = [bits for bits, names in typed if names]
        if len(present) < len(typed):  # a type no class takes: dropped whole
            self.main.append(f.EntityFilter(present[0] if present else osmium.osm.NOTHING))
        for bits, names in typed:
            if names:
                by_key = f.KeyFilter(*names)
                by_key.enable_for(bits)
                self.main.append(by_key)


def _read_all(osmium, path: Path, scratch: str, filters: _Filters, select, stats: ReadStats, fields):
    """The reads of `read_osm`."""
    areas = osmium.area.AreaManager()
    relations = _RelationPass(select, fields)
    first_pass = areas.first_pass_handler()
    with osmium.io.Reader(str(path), osmium.osm.RELATION) as reader:
        osmium.apply(reader, filters.relations, relations, first_pass)
    stats.objects += len(relations.found)
    yield from relations.found
    index = osmium.index.create_map(_location_index(path, scratch))
    factory = osmium.geom.WKBFactory()
    locations = osmium.NodeLocationsForWays(index)
    locations.ignore_errors()
    # areas: libosmium assembles the selected multipolygons during the read (it also assembles the closed
    # ways it sees, but only those with a model key reach Python, which skips them)
    assembled = osmium.BufferIterator(filters.areas) if relations.multipolygons else None
    chain = [locations, *filters.main]
    if assembled is not None:
        chain.insert(1, areas.second_pass_to_buffer(assembled))
    with osmium.io.Reader(str(path), osmium.osm.NODE | osmium.osm.WAY) as reader:
        for obj in _nodes_and_ways(osmium.OsmFileIterator(reader, *chain), select, stats, factory, fields):
            yield obj
            if assembled:
                yield from _areas(assembled, select, stats, factory, fields)
    if assembled:  # as pyosmium's FileProcessor: an empty BufferIterator is never iterated
        yield from _areas(assembled, select, stats, factory, fields)


class _RelationPass:
    """Handler of the relation read: keeps the selected relations (without geometry) and counts the selected
    multipolygons; returns True (drop) for the others so libosmium never assembles them."""

    def __init__(self, select, fields):
        self.select, self.fields = select, fields
        self.found: list[OsmObject] = []
        self.multipolygons = 0

    def relation(self, obj) -> bool:
        data = obj._pyosmium_data
        selected = self.select(TagView(data))
        if not selected:
            return True
        tags = copy_tags(data, self.fields(selected) if self.fields else None)
        self.found.append(OsmObject("relation", obj.id, tags, _epoch(data), None, False, selected))
        if tags.get("type") not in ("multipolygon", "boundary"):
            return True
        self.multipolygons += 1
        return False


def _nodes_and_ways(objects, select, stats: ReadStats, factory, fields) -> Iterator[OsmObject]:
    """The selected nodes (points) and ways (lines) of the read (most objects seen are refused: that path
    is a view re-bound and one `select`)."""
    import osmium

    every_node = osmium.geom.use_nodes.ALL
    point, line, fromhex = factory.create_point, factory.create_linestring, bytes.fromhex
    view, seen = TagView(), 0
    try:
        for obj in objects:
            seen += 1
            data = obj._pyosmium_data
            selected = select(view.bind(data))
            if not selected:
                continue
            tags = copy_tags(data, fields(selected) if fields else None)
            try:
                if obj.is_node():
                    yield OsmObject("node", data.id(), tags, _epoch(data), fromhex(point(obj)), False, selected)
                    continue
                count = data.nodes().size(data)
                wkb = fromhex(line(obj, every_node))  # bytes: shapely parses them 2x faster than hex text
                if int.from_bytes(wkb[5:9], "little") < count:
                    stats.missing_locations += 1  # libosmium left out nodes it could not locate
                    continue
                yield OsmObject("way", data.id(), tags, _epoch(data), wkb, count >= 4 and data.is_closed(), selected)
            except osmium.InvalidLocationError:
                stats.missing_locations += 1
            except RuntimeError as err:
                if "point" not in str(err) and "ring" not in str(err):  # "need at least two points for linestring"
                    raise
                stats.degenerate += 1
    finally:
        stats.objects += seen


def _areas(assembled, select, stats: ReadStats, factory, fields) -> Iterator[OsmObject]:
    """The multipolygon areas libosmium has finished so far (relations only)."""
    view = TagView()
    for obj in assembled:
        if obj.from_way():
            continue
        data = obj._pyosmium_data
        selected = select(view.bind(data))
        if not selected:
            continue
        tags = copy_tags(data, fields(selected) if fields else None)
        try:
            yield OsmObject("relation", obj.orig_id(), tags, _epoch(data),
                            bytes.fromhex(factory.create_multipolygon(obj)), True, selected)
        except RuntimeError as err:  # "invalid area": rings that do not close, counted by the caller
            if "invalid area" not in str(err) and "ring" not in str(err):
                raise


class TagView:
    """Read-only tags of a pyosmium object answered by its C++ tag list (`in`, `has`, `get(key, default)`,
    `[]`), without the Python TagList wrapper or a copy: rules test a few keys of objects most of which they
    refuse. One view is re-bound to each object (`bind`) rather than made anew."""

    __slots__ = ("_data", "has", "get")

    def __init__(self, data=None):
        if data is not None:
            self.bind(data)

    def bind(self, data) -> TagView:
        """Answer for the C++ object `data` (a pyosmium object's `_pyosmium_data`) from now on; returns self."""
        self._data = data
        self.has, self.get = data.tags_has_key, data.tags_get_value_by_key  # C++ methods: no Python frame
        return self

    def __iter__(self) -> Iterator[str]:
        step, position = self._data.tags_next, self._data.tags_begin()
        return iter([step(position).k for _ in range(self._data.tags_size())])

    def __contains__(self, key: str) -> bool:
        return self.has(key)

    def __getitem__(self, key: str) -> str:
        value = self.get(key, None)
        if value is None:
            raise KeyError(key)
        return value


def copy_tags(data, keys: tuple[str, ...] | None) -> dict[str, str]:
    """The tags of the C++ object `data` as a dict: only `keys` when given (a few C++ look-ups beat walking
    every tag)."""
    if keys is None:
        step, position = data.tags_next, data.tags_begin()
        return dict(step(position) for _ in range(data.tags_size()))
    get = data.tags_get_value_by_key
    return {k: v for k in keys if (v := get(k, None)) is not None}


def _epoch(data) -> int:
    """Seconds since 1970 of the last edit of the C++ object `data` (0 when the extract carries no timestamps)."""
    try:
        return int(data.timestamp().timestamp())
    except (ValueError, OSError, OverflowError):
        return 0
