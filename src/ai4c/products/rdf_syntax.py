"""RDF file syntaxes by file extension, shared by every reader of RDF input files."""

from __future__ import annotations

from pathlib import Path

from ai4c.core.errors import InvalidProductError

RDF_SUFFIXES = (".nt", ".ttl", ".n3", ".nq", ".rdf", ".owl", ".xml", ".trig", ".jsonld")
_ALIASES = {"owl": "rdf"}  # OWL ontologies are published as RDF/XML; pyoxigraph does not know the extension


def rdf_format(path: Path):
    """The pyoxigraph syntax of an RDF file, from its extension (bad input when it names no RDF syntax)."""
    import pyoxigraph as ox

    extension = path.suffix.lstrip(".").lower()
    fmt = ox.RdfFormat.from_extension(_ALIASES.get(extension, extension))
    if fmt is None:
        raise InvalidProductError(f"{path}: unknown RDF extension {path.suffix!r}; use one of {', '.join(RDF_SUFFIXES)}")
    return fmt
