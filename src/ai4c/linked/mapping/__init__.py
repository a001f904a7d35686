"""GeoTriples in Python: execute R2RML/RML mappings (`dump_rdf`) and generate them (`generate_mapping`)."""

from __future__ import annotations

from pathlib import Path

from ai4c.linked.mapping.parse import MappingError, parse_mapping

__all__ = ["MappingError", "dump_rdf", "parse_mapping", "iter_quads", "iter_statements"]


def iter_quads(mapping_path: Path | str, *, base_iri: str | None = None, source: str | None = None):
    """Parse a mapping and stream its quads (pyoxigraph Quads)."""
    from ai4c.linked.mapping.engine import Executor

    mapping = parse_mapping(mapping_path, source=source)
    return Executor(mapping, base_iri).quads()


def iter_statements(mapping_path: Path | str, *, base_iri: str | None = None, source: str | None = None,
                    srid: str | None = None):
    """Parse a mapping and stream (subject, predicate, object, graph) tuples (the fast path)."""
    from ai4c.linked.mapping.engine import Executor

    mapping = parse_mapping(mapping_path, source=source)
    return Executor(mapping, base_iri, srid).statements()


def dump_rdf(mapping_path: Path | str, output: Path | str, fmt: str = "ntriples", *,
             base_iri: str | None = None, source: str | None = None, srid: str | None = None) -> int:
    """Execute a mapping into `output` (ntriples, nquads, turtle, trig; N-Triples/N-Quads gzip-compressed
    when `output` ends in .gz); returns the number of statements.

    `srid` is the EPSG code of geometries whose source names no CRS (GeoTriples' -s)."""
    from ai4c.linked.mapping.engine import Executor
    from ai4c.linked.mapping.writer import normalise_format, write_line_file, write_quads

    mapping = parse_mapping(mapping_path, source=source)
    executor = Executor(mapping, base_iri, srid)
    if mapping.targets:  # RML-IO logical targets: triples routed to their files
        from ai4c.linked.mapping.targets import write_routed

        return write_routed(executor.routed_statements(), mapping.targets, output, fmt)
    fmt = normalise_format(fmt)
    if fmt in ("ntriples", "nquads"):  # lines straight from the executor (columnar for plain CSV maps)
        return write_line_file(executor.line_blocks(fmt == "nquads"), output)
    return write_quads(executor.routed_statements(), output, fmt)  # the writer ignores the target ids
