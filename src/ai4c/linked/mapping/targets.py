"""Writing RML-IO logical targets: each triple goes to the targets of the term maps that made it (or to the
default output when none names one); every file is serialised, encoded and compressed as its target says.
All files appear together at the end, or none (a failure leaves no partial output)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse, serialize

from ai4c.core.outputs import atomic_path
from ai4c.linked.mapping.model import LogicalTarget
from ai4c.linked.mapping.writer import Deduplicator, line_of

PYOXIGRAPH_FORMATS = {"turtle": RdfFormat.TURTLE, "trig": RdfFormat.TRIG, "n3": RdfFormat.TURTLE,
                      "jsonld": RdfFormat.JSON_LD, "rdfxml": RdfFormat.RDF_XML}
SUFFIXES = {"gzip": ".gz", "zip": ".zip", "targz": ".tar.gz", "tarxz": ".tar.xz"}


class LineSink:
    """N-Quads lines of one output in a scratch file, duplicates dropped."""

    def __init__(self, path: Path, with_graph: bool = True) -> None:
        self.path, self.with_graph = path, with_graph
        self.handle = open(path, "w", encoding="utf-8", newline="\n")
        self.dedup = Deduplicator()
        self.count = 0

    def add(self, statement: tuple) -> None:
        kept = self.dedup.fresh([line_of(statement, self.with_graph)])
        if kept:
            self.handle.write(kept[0])
            self.count += 1


def rdf_json(quads) -> str:
    """RDF/JSON (W3C note): {subject: {predicate: [{type, value, lang?, datatype?}]}} of the default graph."""
    out: dict = {}
    for q in quads:
        s = q.subject.value if isinstance(q.subject, NamedNode) else f"_:{q.subject.value}"
        o = q.object
        if isinstance(o, NamedNode):
            entry = {"type": "uri", "value": o.value}
        elif o.__class__.__name__ == "BlankNode":
            entry = {"type": "bnode", "value": f"_:{o.value}"}
        else:
            entry = {"type": "literal", "value": o.value}
            if o.language:
                entry["lang"] = o.language
            elif o.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                entry["datatype"] = o.datatype.value
        out.setdefault(s, {}).setdefault(q.predicate.value, []).append(entry)
    return json.dumps(out, indent=2, ensure_ascii=False)


def serialise(nquads: Path, target: LogicalTarget, out: Path) -> None:
    """The target's serialization and encoding of the N-Quads in `nquads`, written to `out` (streamed, except
    RDF/JSON, which groups triples by subject)."""
    utf8 = target.encoding.replace("-", "").lower() == "utf8"
    if target.serialization in ("nquads", "ntriples"):  # the sink already wrote the lines
        nquads.replace(out)
    elif target.serialization == "rdfjson":
        out.write_text(rdf_json(parse(path=str(nquads), format=RdfFormat.N_QUADS)), encoding="utf-8")
    else:
        quads = parse(path=str(nquads), format=RdfFormat.N_QUADS)
        data = quads if target.serialization in ("trig", "jsonld") else (q.triple for q in quads)
        serialize(data, str(out), PYOXIGRAPH_FORMATS[target.serialization])
    if not utf8:  # pyoxigraph and the sink write UTF-8
        out.write_text(out.read_text(encoding="utf-8"), encoding=target.encoding)


def compress(plain: Path, compression: str | None, final_name: str, out: Path) -> None:
    """`plain` as the file `out`, compressed by rml:compression (the archive holds `final_name`)."""
    import gzip
    import shutil
    import tarfile
    import zipfile

    if compression is None:
        plain.replace(out)
    elif compression == "gzip":
        with open(plain, "rb") as src, gzip.open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    elif compression == "zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(plain, final_name)
    else:
        with tarfile.open(out, "w:gz" if compression == "targz" else "w:xz") as archive:
            archive.add(plain, final_name)


def inner_name(target: LogicalTarget) -> str:
    """The name of the serialised file inside a compressed target (the path without its archive suffix)."""
    suffix = SUFFIXES.get(target.compression or "", "")
    return target.path.name.removesuffix(suffix) if suffix else target.path.name


def write_routed(statements: Iterable[tuple], targets: dict[str, LogicalTarget], default: Path | str,
                 fmt: str) -> int:
    """Write (s, p, o, g, target ids) tuples: to each named target, or to `default` (in `fmt`) when none is
    named; returns the number of statements written to the default output or to a target."""
    from ai4c.linked.mapping.writer import normalise_format

    outputs = dict(targets)
    outputs[""] = LogicalTarget("", Path(default), normalise_format(fmt))
    with contextlib.ExitStack() as stack:
        sinks = {}
        for key, target in outputs.items():
            final = stack.enter_context(atomic_path(target.path))
            sinks[key] = (final, LineSink(final.with_name(final.name + ".nq-scratch"),
                                              target.serialization != "ntriples"))
        default_ids = ("",)
        count = 0
        for statement in statements:
            for key in statement[4] or default_ids:
                sinks[key][1].add(statement)
            count += 1
        for key, (final, sink) in sinks.items():
            sink.handle.close()
            target = outputs[key]
            plain = final.with_name(inner_name(target) + ".plain")
            serialise(sink.path, target, plain)
            compress(plain, target.compression, inner_name(target), final)
            for scratch in (sink.path, plain):
                with contextlib.suppress(FileNotFoundError):
                    scratch.unlink()
    return count
