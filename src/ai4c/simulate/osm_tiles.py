"""A big OSM extract made from a real one: `copies` copies tiled side by side, written straight as PBF blocks.

The source's blocks are re-encoded once into templates where every absolute number that moves between copies
(the first id, lat and lon of a dense node group, a way's id and first node ref, a relation's id and first
member id; the others are deltas) is a varint padded to a fixed width. A copy is then the template with those
numbers overwritten in place (numpy) and zlib-compressed (threads: zlib releases the GIL), so ~50 M nodes take
minutes instead of the hour a per-object rewrite needs. Output order: nodes, ways, relations; ids of copy k
are the source's plus k * 10^n (n: digits of the largest id), so the file stays sorted by type then id.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

WIDTH = 9  # bytes of a padded varint: 63 bits, enough for any shifted id or coordinate
ID, LAT, LON = 0, 1, 2  # what a patched number is
_VARINT, _LEN = 0, 2  # protobuf wire types used by OSM PBF


@dataclass
class _Template:
    """One re-encoded block: bytes with padded varints at `offsets` holding `base` values of `kind`,
    zig-zag encoded where `zigzag`; `types` says which OSM types the block holds (1 node, 2 way, 3 relation)."""

    data: bytes
    offsets: np.ndarray
    base: np.ndarray
    kind: np.ndarray
    zigzag: np.ndarray
    types: set[int] = field(default_factory=set)


def tile_pbf(source: Path | str, target: Path | str, copies: int, step: float = 0.2, level: int = 1,
             threads: int = 2) -> int:
    """Write `copies` copies of the PBF `source` on a square grid `step` degrees apart into `target`;
    returns the number of nodes written. `level`: zlib level of the output blocks."""
    header, templates, granularity, nodes, top_id = _read_templates(Path(source))
    stride = 10 ** len(str(max(top_id, 1)))
    side = int(np.ceil(np.sqrt(copies)))
    shift = round(step * 1e9 / granularity)  # degrees in the file's coordinate units
    jobs = ((templates[i], k * stride, (k % side) * shift, (k // side) * shift, level)
            for group in _by_type(templates) for k in range(copies) for i in group)
    with open(target, "wb") as out, ThreadPoolExecutor(threads) as pool:
        out.write(_blob(b"OSMHeader", header, level))
        for blob in _ordered(pool, jobs):
            out.write(blob)
    return nodes * copies


def _by_type(templates: list[_Template]) -> Iterator[list[int]]:
    """The block indices grouped by OSM type (nodes, ways, relations), each group in file order."""
    for kind in (1, 2, 3):
        group = [i for i, t in enumerate(templates) if min(t.types, default=0) == kind]
        if group:
            yield group


def _ordered(pool: ThreadPoolExecutor, jobs) -> Iterator[bytes]:
    """The blobs of `jobs` in order, at most a few dozen in flight."""
    pending = []
    for job in jobs:
        pending.append(pool.submit(_copy_blob, *job))
        if len(pending) >= 32:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


def _copy_blob(template: _Template, id_shift: int, dx: int, dy: int, level: int) -> bytes:
    """One block of one copy: the template's patched numbers moved, compressed as an OSMData blob."""
    values = template.base + np.select([template.kind == ID, template.kind == LAT], [id_shift, dy], dx)
    values = np.where(template.zigzag, (values << 1) ^ (values >> 63), values).astype(np.uint64)
    data = np.frombuffer(bytearray(template.data), dtype=np.uint8)
    for j in range(WIDTH):
        byte = (values >> np.uint64(7 * j)) & np.uint64(0x7F)
        data[template.offsets + j] = byte.astype(np.uint8) | (0x80 if j < WIDTH - 1 else 0)
    return _blob(b"OSMData", data.tobytes(), level)


def _blob(kind: bytes, data: bytes, level: int) -> bytes:
    """A file block: BlobHeader length, BlobHeader, Blob (zlib)."""
    blob = _key(2, _VARINT) + _varint(len(data)) + _field(3, zlib.compress(data, level))
    header = _field(1, kind) + _key(3, _VARINT) + _varint(len(blob))
    return struct.pack(">I", len(header)) + header + blob


def _read_templates(path: Path) -> tuple[bytes, list[_Template], int, int, int]:
    """The source's header (without bbox), its data blocks as templates, granularity, node count, top id."""
    header, templates, granularity, nodes, top = b"", [], 100, 0, 0
    for kind, data in _blocks(path):
        if kind == b"OSMHeader":
            header = b"".join(_field_bytes(n, w, v) for n, w, v in _fields(data) if n not in (1, 32, 33, 34))
            continue
        builder = _Builder()
        for number, wire, value in _fields(data):
            if number == 2:
                builder.message(2, lambda b, v=value: _group(b, v))
            else:
                builder.raw(_field_bytes(number, wire, value))
            if number == 17:
                granularity = value
        template = builder.template()
        nodes += builder.nodes
        top = max(top, builder.top_id)
        templates.append(template)
    return header, templates, granularity, nodes, top


class _Builder:
    """Writes protobuf bytes, recording where padded varints go (nested messages get their lengths
    after their bodies are known, so builders nest)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0
        self.patches: list[tuple[int, int, int, bool]] = []
        self.types: set[int] = set()
        self.nodes = 0
        self.top_id = 0

    def raw(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def padded(self, value: int, kind: int, zigzag: bool) -> None:
        """A varint padded to WIDTH bytes holding `value` of `kind` (patched per copy)."""
        self.patches.append((self.size, value, kind, zigzag))
        self.raw(bytes(WIDTH))
        if kind == ID:
            self.top_id = max(self.top_id, value)

    def message(self, number: int, body) -> None:
        """A nested message written by `body(builder)`."""
        child = _Builder()
        body(child)
        self.raw(_key(number, _LEN) + _varint(child.size))
        self.patches += [(self.size + o, v, k, z) for o, v, k, z in child.patches]
        self.parts += child.parts
        self.size += child.size
        self.types |= child.types
        self.nodes += child.nodes
        self.top_id = max(self.top_id, child.top_id)

    def packed(self, number: int, first_kind: int, data: bytes) -> None:
        """A packed sint64 delta array whose first (absolute) element moves per copy."""
        first, rest = _read_varint(data, 0)
        self.raw(_key(number, _LEN) + _varint(WIDTH + len(data) - rest))
        self.padded(_unzigzag(first), first_kind, True)
        self.raw(data[rest:])

    def template(self) -> _Template:
        offsets, base, kind, zigzag = zip(*self.patches, strict=True) if self.patches else ((), (), (), ())
        return _Template(b"".join(self.parts), np.array(offsets, np.int64), np.array(base, np.int64),
                         np.array(kind, np.int64), np.array(zigzag, bool), self.types)


def _group(builder: _Builder, data: bytes) -> None:
    """A PrimitiveGroup: dense nodes (2), nodes (1), ways (3), relations (4)."""
    for number, wire, value in _fields(data):
        body = {1: _node, 2: _dense, 3: _way, 4: _relation}.get(number)
        if body is None:
            builder.raw(_field_bytes(number, wire, value))
            continue
        builder.types.add({1: 1, 2: 1, 3: 2, 4: 3}[number])
        builder.message(number, lambda b, v=value, f=body: f(b, v))


def _dense(builder: _Builder, data: bytes) -> None:
    """DenseNodes: id (1), lat (8), lon (9) are delta-coded packed sint64; the rest is copied."""
    moved = {1: ID, 8: LAT, 9: LON}
    for number, wire, value in _fields(data):
        if number in moved and value:
            builder.packed(number, moved[number], value)
            if number == 1:
                deltas = _zigzag_values(value)
                builder.nodes += len(deltas)
                builder.top_id = max(builder.top_id, int(deltas.sum()))  # the last id (sum of the deltas)
        else:
            builder.raw(_field_bytes(number, wire, value))


def _node(builder: _Builder, data: bytes) -> None:
    """A plain Node: id (1), lat (8), lon (9) are sint64."""
    builder.nodes += 1
    for number, wire, value in _fields(data):
        if number in (1, 8, 9):
            builder.raw(_key(number, _VARINT))
            builder.padded(_unzigzag(value), {1: ID, 8: LAT, 9: LON}[number], True)
        else:
            builder.raw(_field_bytes(number, wire, value))


def _way(builder: _Builder, data: bytes) -> None:
    """A Way: id (1) int64, refs (8) delta-coded packed sint64."""
    _with_ids(builder, data, refs=8)


def _relation(builder: _Builder, data: bytes) -> None:
    """A Relation: id (1) int64, memids (9) delta-coded packed sint64."""
    _with_ids(builder, data, refs=9)


def _with_ids(builder: _Builder, data: bytes, refs: int) -> None:
    for number, wire, value in _fields(data):
        if number == 1:
            builder.raw(_key(1, _VARINT))
            builder.padded(value, ID, False)
        elif number == refs and value:
            builder.packed(refs, ID, value)
        else:
            builder.raw(_field_bytes(number, wire, value))


def _blocks(path: Path) -> Iterator[tuple[bytes, bytes]]:
    """(type, uncompressed bytes) of each block of a PBF file (raw or zlib blobs)."""
    data = path.read_bytes()
    at = 0
    while at < len(data):
        (size,) = struct.unpack(">I", data[at:at + 4])
        header = dict((n, v) for n, _, v in _fields(data[at + 4:at + 4 + size]))
        start = at + 4 + size
        blob = dict((n, v) for n, _, v in _fields(data[start:start + header[3]]))
        at = start + header[3]
        if 1 in blob:
            yield header[1], blob[1]
        elif 3 in blob:
            yield header[1], zlib.decompress(blob[3])
        else:
            raise ValueError(f"{path}: only raw and zlib PBF blocks can be tiled")


def _fields(data: bytes) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) of a protobuf message: ints for varints, bytes otherwise."""
    at, end = 0, len(data)
    while at < end:
        key, at = _read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, at = _read_varint(data, at)
        elif wire == _LEN:
            size, at = _read_varint(data, at)
            value, at = data[at:at + size], at + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, at = data[at:at + size], at + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _field_bytes(number: int, wire: int, value) -> bytes:
    """A field as it was read."""
    if wire == _VARINT:
        return _key(number, wire) + _varint(value)
    if wire == _LEN:
        return _field(number, value)
    return _key(number, wire) + value


def _field(number: int, data: bytes) -> bytes:
    return _key(number, _LEN) + _varint(len(data)) + data


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _zigzag_values(data: bytes) -> np.ndarray:
    """The sint64 values of a packed array."""
    out, at = [], 0
    while at < len(data):
        value, at = _read_varint(data, at)
        out.append(_unzigzag(value))
    return np.array(out, dtype=np.int64)
