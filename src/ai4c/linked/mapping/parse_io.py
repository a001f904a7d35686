"""RML-IO logical targets: where the triples of a term map are written (file, serialization, compression,
encoding), parsed from `rml:logicalTarget` nodes."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal

from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.model import LogicalTarget

FORMATS_NS = "http://www.w3.org/ns/formats/"
SERIALIZATIONS = {"N-Quads": "nquads", "N-Triples": "ntriples", "Turtle": "turtle", "TriG": "trig",
                  "N3": "n3", "JSON-LD": "jsonld", "RDF_JSON": "rdfjson", "RDF_XML": "rdfxml"}
TARGET_COMPRESSIONS = ("gzip", "zip", "targz", "tarxz")


def local_name(iri: str) -> str:
    """The last segment of an IRI (after '#' or '/')."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def rooted_path(g, node, folder: Path, text: str) -> Path:
    """A path of a file description, relative to its rml:root (the working directory or the mapping's folder)."""
    root = g.get(node, "root") if node is not None else None
    path = Path(text)
    if path.is_absolute():
        return path
    if root is not None and root.value == v.rr("CurrentWorkingDirectory"):
        return Path.cwd() / path
    return folder / path


def parse_target(g, node, folder: Path) -> LogicalTarget:
    """One rml:LogicalTarget node: its rml:target file, rml:serialization, rml:compression, rml:encoding."""
    from ai4c.linked.mapping.parse import MappingError, _name

    target = g.get(node, "target")
    if target is None:
        raise MappingError(f"logical target {_name(node)} has no rml:target; give a file description")
    if isinstance(target, Literal):
        path = rooted_path(g, None, folder, target.value)
    else:
        text = g.get(target, "path")
        if text is None:
            raise MappingError(f"logical target {_name(node)}: its rml:target names no rml:path; add one")
        path = rooted_path(g, target, folder, text.value)
    out = LogicalTarget(node.value if hasattr(node, "value") else str(node), path)
    serialization = g.get(node, "serialization")
    if serialization is not None:
        name = serialization.value.removeprefix(FORMATS_NS)
        if name not in SERIALIZATIONS:
            raise MappingError(f"logical target {_name(node)}: rml:serialization <{serialization.value}> is "
                               f"unknown; use formats:{', formats:'.join(SERIALIZATIONS)}")
        out.serialization = SERIALIZATIONS[name]
    compression = g.get(node, "compression") or g.get(target, "compression")
    if compression is not None and local_name(compression.value) != "none":
        out.compression = local_name(compression.value).lower()
        if out.compression not in TARGET_COMPRESSIONS:
            raise MappingError(f"logical target {_name(node)}: rml:compression {out.compression!r} is unknown; "
                               f"use rml:{', rml:'.join(TARGET_COMPRESSIONS)}")
    encoding = g.get(node, "encoding") or g.get(target, "encoding")
    if encoding is not None:
        out.encoding = local_name(encoding.value).lower()
    return out


def term_targets(parser, node) -> frozenset[str]:
    """Ids of the logical targets a term map names (parsed once into parser.targets)."""
    ids = []
    for target in parser.g.all(node, "logicalTarget"):
        key = target.value if hasattr(target, "value") else str(target)
        if key not in parser.targets:
            parser.targets[key] = parse_target(parser.g, target, parser.folder)
        ids.append(key)
    return frozenset(ids)
