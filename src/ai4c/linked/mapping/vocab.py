"""Vocabularies of R2RML, legacy RML (rml:/ql:), W3C RML-Core/RML-IO and GeoTriples, folded into one.

Every mapping is rewritten on load so that the three spellings of a mapping term (rr:template,
rml:template in http://semweb.mmlab.be/ns/rml# and in http://w3id.org/rml/) become one canonical
IRI `RR + local name`; the rest of the engine only knows the canonical names.
"""

from __future__ import annotations

from ai4c.linked.geo.vocab import GEO, RDF, RDF_TYPE, RDFS, XSD  # noqa: F401 - re-exported for the mapping modules

RR = "http://www.w3.org/ns/r2rml#"
RML_LEGACY = "http://semweb.mmlab.be/ns/rml#"
RML_CORE = "http://w3id.org/rml/"
QL = "http://semweb.mmlab.be/ns/ql#"
D2RQ = "http://www.wiwiss.fu-berlin.de/suhl/bizer/D2RQ/0.1#"
CSVW = "http://www.w3.org/ns/csvw#"
RRX = "http://www.w3.org/ns/r2rml-ext#"
RRXF = "http://www.w3.org/ns/r2rml-ext/functions/def/"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
# GeoTriples' own older spellings of the same vocabulary
ALIASES = {RML_LEGACY: RR, RML_CORE: RR, QL: RR}
# RML-Core renames of R2RML terms
RENAMES = {"logicalTable": "logicalSource", "sqlQuery": "query", "column": "reference",
           "URI": "IRI", "SQL2008Table": "SQL", "SQL2008Query": "SQL"}


def canonical(iri: str) -> str:
    """Fold an R2RML/RML IRI into the canonical `RR + local name`; other IRIs pass unchanged."""
    for namespace, target in ALIASES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            return target + RENAMES.get(local, local)
    if iri.startswith(RR):
        local = iri[len(RR):]
        return RR + RENAMES.get(local, local)
    return iri


def rr(local: str) -> str:
    """The canonical IRI of a mapping term."""
    return RR + local
