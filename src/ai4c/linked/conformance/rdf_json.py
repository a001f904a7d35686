"""Reading RDF/JSON (W3C note) into N-Quads lines, for comparing logical-target outputs."""

from __future__ import annotations

import json

XSD = "http://www.w3.org/2001/XMLSchema#"


def _term(entry: dict) -> str:
    """An RDF/JSON object entry as an N-Triples term (JSON numbers and booleans typed as JSON-LD does)."""
    value, kind = entry["value"], entry.get("type", "literal")
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return value if str(value).startswith("_:") else f"_:{value}"
    datatype = entry.get("datatype")
    if isinstance(value, bool):
        value, datatype = ("true" if value else "false"), datatype or XSD + "boolean"
    elif isinstance(value, int):
        value, datatype = str(value), datatype or XSD + "integer"
    elif isinstance(value, float):
        value, datatype = repr(value), datatype or XSD + "double"
    text = json.dumps(str(value), ensure_ascii=False)
    if entry.get("lang"):
        return f"{text}@{entry['lang']}"
    return f"{text}^^<{datatype}>" if datatype else text


def rdf_json_to_nquads(data: bytes | str) -> str:
    """The triples of an RDF/JSON document as N-Quads lines (default graph)."""
    document = json.loads(data)
    lines = []
    for subject, predicates in document.items():
        s = subject if subject.startswith("_:") else f"<{subject}>"
        for predicate, objects in predicates.items():
            lines.extend(f"{s} <{predicate}> {_term(o)} .\n" for o in objects)
    return "".join(lines)
