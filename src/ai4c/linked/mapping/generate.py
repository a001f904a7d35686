"""`generate_mapping`: an editable R2RML/RML mapping in the GeoSPARQL vocabulary for a geodata input.

Two triples maps per input, as GeoTriples writes them: features (geo:Feature, one property per
attribute with its XSD datatype, geo:hasGeometry) and geometries (geo:Geometry, geo:asWKT with the CRS
IRI, geo:asGML, geo:dimension, geo:isEmpty, geo:isSimple through GeoTriples' rrx: functions).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ai4c.core.outputs import write_text_atomic
from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.functions import crs_iri
from ai4c.linked.mapping.schema import inspect
from ai4c.linked.mapping.schema_model import Schema

PREFIXES = {"rr": v.RR, "rml": v.RML_LEGACY, "ql": v.QL, "rrx": v.RRX, "rrxf": v.RRXF, "geo": v.GEO,
            "xsd": v.XSD, "rdfs": v.RDFS, "d2rq": v.D2RQ}
FORMULATIONS = {"csv": "ql:CSV", "json": "ql:JSONPath", "xml": "ql:XPath"}
GEOMETRY_FUNCTIONS = (("asWKT", "geo:wktLiteral"), ("asGML", "geo:gmlLiteral"), ("dimension", "xsd:integer"),
                      ("coordinateDimension", "xsd:integer"), ("spatialDimension", "xsd:integer"),
                      ("isEmpty", "xsd:boolean"), ("isSimple", "xsd:boolean"), ("is3D", "xsd:boolean"))


def lit(text: str) -> str:
    """A Turtle string literal."""
    return json.dumps(text, ensure_ascii=False)


def local_name(text: str) -> str:
    """A safe local name for an ontology term made from a column name."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text.lstrip("@")) or "value"
    return name if name[0].isalpha() else "p_" + name


def template_ref(reference: str) -> str:
    """A reference inside an rr:template, with braces and backslashes escaped."""
    return "{" + re.sub(r"([{}\\])", r"\\\1", reference) + "}"


def sql_identifier(name: str) -> str:
    """A table name as an SQL identifier (quoted unless plain lower case)."""
    return ".".join(part if re.fullmatch(r"[a-z_][a-z0-9_]*", part) else '"' + part.replace('"', '""') + '"'
                    for part in name.split("."))


def logical_source(schema: Schema, rml: bool, mapping_dir: Path) -> str:
    """The rml:logicalSource (RML) or rr:logicalTable (R2RML; the input comes from -sh at dump time)."""
    if not rml:
        return f"  rr:logicalTable [ rr:tableName {lit(sql_identifier(schema.table or schema.name))} ] ;\n"
    if schema.kind == "sql":
        return (f"  rml:logicalSource [ rml:source <#Database> ; rr:sqlVersion rr:SQL2008 ;\n"
                f"    rr:tableName {lit(sql_identifier(schema.table))} ] ;\n")
    location = os.path.relpath(Path(schema.location).resolve(), mapping_dir.resolve())
    lines = [f"rml:source {lit(location)}"]
    if schema.kind in FORMULATIONS:
        lines.append(f"rml:referenceFormulation {FORMULATIONS[schema.kind]}")
    if schema.iterator:
        lines.append(f"rml:iterator {lit(schema.iterator)}")
    return "  rml:logicalSource [ " + " ;\n    ".join(lines) + " ] ;\n"


def reference(ref: str, rml: bool) -> str:
    return f"{'rml:reference' if rml else 'rr:column'} {lit(ref)}"


def feature_map(schema: Schema, base: str, rml: bool, source: str) -> str:
    """The features: class, one property per attribute, geo:hasGeometry."""
    key = template_ref(schema.key)
    out = [f"<#{local_name(schema.name)}>\n  a rr:TriplesMap ;\n{source}",
           f"  rr:subjectMap [ rr:template {lit(f'{base}{local_name(schema.name)}/id/{key}')} ;\n"
           f"    rr:class geo:Feature, onto:{local_name(schema.name)} ] ;\n"]
    for column in schema.columns:
        datatype = "" if column.datatype == v.XSD + "string" else f" ; rr:datatype <{column.datatype}>"
        out.append(f"  rr:predicateObjectMap [ rr:predicate onto:has_{local_name(column.label or column.reference)} ;\n"
                   f"    rr:objectMap [ {reference(column.reference, rml)}{datatype} ] ] ;\n")
    if schema.geometry or schema.lonlat:
        out.append(f"  rr:predicateObjectMap [ rr:predicate geo:hasGeometry ;\n"
                   f"    rr:objectMap [ rr:template {lit(f'{base}{local_name(schema.name)}/geometry/{key}')} ] ] ;\n")
    return "".join(out).rstrip(" ;\n") + " .\n"


def geometry_map(schema: Schema, base: str, rml: bool, source: str) -> str:
    """The geometries: geo:Geometry with WKT (CRS IRI in front), GML and a few geometry properties."""
    key = template_ref(schema.key)
    out = [f"<#{local_name(schema.name)}_Geometry>\n  a rr:TriplesMap ;\n{source}",
           f"  rr:subjectMap [ rr:template {lit(f'{base}{local_name(schema.name)}/geometry/{key}')} ;\n"
           f"    rr:class geo:Geometry ] ;\n"]
    if schema.lonlat:
        lon, lat = (template_ref(x) for x in schema.lonlat)
        out.append(f"  rr:predicateObjectMap [ rr:predicate geo:asWKT ;\n    rr:objectMap [ rr:template "
                   f"{lit(f'<{crs_iri(None)}> POINT({lon} {lat})')} ; rr:termType rr:Literal ;\n"
                   f"      rr:datatype geo:wktLiteral ] ] .\n")
        return "".join(out)
    for function, datatype in GEOMETRY_FUNCTIONS:
        out.append(f"  rr:predicateObjectMap [ rr:predicate geo:{function} ;\n"
                   f"    rr:objectMap [ rrx:function rrxf:{function} ;\n"
                   f"      rrx:argumentMap ( [ {reference(schema.geometry, rml)} ] ) ;\n"
                   f"      rr:datatype {datatype} ] ] ;\n")
    return "".join(out).rstrip(" ;\n") + " .\n"


def render(schema: Schema, base: str, rml: bool, mapping_dir: Path) -> str:
    """The whole mapping document."""
    base = base if base.endswith(("/", "#")) else base + "/"
    head = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
    head += f"@prefix onto: <{base}ontology#> .\n\n"
    head += (f"# Generated by `geotriples generate_mapping` for {schema.location}"
             f"{'' if rml else ' (R2RML: give the input with -sh at dump time)'}.\n"
             f"# CRS: {crs_iri(schema.epsg)}. Edit freely: vocabulary, IRIs, which attributes to keep.\n\n")
    source = logical_source(schema, rml, mapping_dir)
    body = feature_map(schema, base, rml, source)
    if schema.geometry or schema.lonlat:
        body += "\n" + geometry_map(schema, base, rml, source)
    if rml and schema.kind == "sql":
        from ai4c.linked.mapping.sql import connection_string

        body += (f"\n<#Database> a d2rq:Database ;\n  d2rq:jdbcDSN "
                 f"{lit(connection_string(schema.location).replace('postgresql://', 'jdbc:postgresql://', 1))} .\n")
    return head + body


def generate_mapping(input_location: str | Path, output: str | Path, *, base_iri: str = "http://example.com/",
                     rml: bool = False) -> Path:
    """Inspect the input and write its mapping atomically; returns the mapping path."""
    schema = inspect(str(input_location))
    rml = rml or schema.kind in ("json", "xml")  # iterators exist only in RML
    text = render(schema, base_iri, rml, Path(output).resolve().parent)
    return write_text_atomic(output, text)
