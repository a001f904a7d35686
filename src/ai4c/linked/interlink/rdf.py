"""Links as N-Triples (GeoSPARQL topology predicates) or CSV rows."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import numpy as np

from ai4c.linked.interlink.engine import Links

GEO = "http://www.opengis.net/ont/geosparql#"
AI4C_INTERLINK = "http://ai4c.eu/ontology/interlink#"
"""Namespace of the relations GeoSPARQL's Simple Features family lacks (covers, coveredBy)."""

PREDICATES = {
    "equals": GEO + "sfEquals", "intersects": GEO + "sfIntersects", "touches": GEO + "sfTouches",
    "within": GEO + "sfWithin", "contains": GEO + "sfContains", "crosses": GEO + "sfCrosses",
    "overlaps": GEO + "sfOverlaps", "covers": AI4C_INTERLINK + "covers",
    "coveredby": AI4C_INTERLINK + "coveredBy",
}


def iris(base: str, ids: np.ndarray) -> np.ndarray:
    """`<base + id>` for each id (an id that is already an absolute IRI is kept as it is)."""
    out = []
    for value in ids.tolist():
        text = str(value)
        absolute = "://" in text or text.startswith("urn:")
        out.append("<" + (text if absolute else base + quote(text, safe="/:#-._~")) + ">")
    return np.asarray(out, dtype=object)


def ntriples(links: Links, source_iris: np.ndarray, target_iris: np.ndarray) -> Iterator[str]:
    """One N-Triples line per related pair and relation."""
    for relation, mask in links.holds.items():
        predicate = f" <{PREDICATES[relation]}> "
        for s, o in zip(source_iris[links.source[mask]], target_iris[links.target[mask]], strict=True):
            yield f"{s}{predicate}{o} .\n"


def csv_rows(links: Links, source_ids: np.ndarray, target_ids: np.ndarray) -> Iterator[str]:
    """`source,target,relation` rows (ids quoted when they hold a comma or a quote)."""
    for relation, mask in links.holds.items():
        for s, o in zip(source_ids[links.source[mask]], target_ids[links.target[mask]], strict=True):
            yield f"{_csv_field(s)},{_csv_field(o)},{relation}\n"


def _csv_field(value) -> str:
    text = str(value)
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
