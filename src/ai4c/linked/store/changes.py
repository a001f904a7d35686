"""Changes to a store and what they derive: the added and removed quads of a change (its delta), and
the derived data kept up to date from that delta alone (file loads: loading.py)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ai4c.core.log import warn
from ai4c.linked.store import entailment
from ai4c.linked.store.spatial_index import GeometryEntries, SpatialIndex, parse_quads

WARN_LIMIT = 20  # unparsed geometries named one by one per change; the rest are counted
log = logging.getLogger(__name__)
_DATA_UPDATE = re.compile(r"^\s*((?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*)"
                          r"(INSERT|DELETE)\s+DATA\s*\{(.*)\}\s*;?\s*$", re.I | re.S)


@dataclass
class ChangeReport:
    """What one change did: quads added and removed, geometry literals that could not be parsed."""

    added: int = 0
    removed: int = 0
    unparsed: list[tuple[str, str]] = field(default_factory=list)  # (subject, reason)


def data_update_quads(update: str) -> tuple[str, list[ox.Quad]] | None:
    """("INSERT"|"DELETE", quads) of a single INSERT DATA / DELETE DATA update, None for other updates."""
    match = _DATA_UPDATE.match(update)
    if match is None:
        return None
    body = match.group(3).strip()
    if body and not body.endswith((".", "}")):
        body += " ."  # SPARQL lets the last triple go without its dot, TriG does not
    try:
        quads = list(ox.parse(match.group(1) + body, format=ox.RdfFormat.TRIG))
    except SyntaxError:
        return None  # the update parser gives the user the right message
    if any(isinstance(term, ox.BlankNode) for q in quads for term in (q.subject, q.object)):
        return None  # the update makes its own fresh blank nodes: they cannot be told from these
    return match.group(2).upper(), quads


class Derived:
    """Keeps a store's derived data (entailment graph, spatial index) current
    from the quads each change adds or removes."""

    def __init__(self, store: ox.Store, index: SpatialIndex, *, entail: bool) -> None:
        self.store, self.index, self.entail = store, index, entail
        self.schema: entailment.Schema | None = None
        self.full = False  # a schema axiom changed: recompute the entailment graph at the end

    def begin(self) -> None:
        """Before a change: read the schema the consequences are computed with."""
        self.full = False
        self.schema = entailment.Schema(self.store) if self.entail else None
        if not self.entail:
            entailment.mark_outdated(self.store)

    def added(self, quads: list[ox.Quad], report: ChangeReport) -> None:
        """Account for quads just added."""
        entries = parse_quads(quads)
        warn_unparsed(entries, report)
        self.index.apply(entries, GeometryEntries())
        if not self.entail or self.full:
            return
        if entailment.touches_schema(quads):
            self.full = True
            return
        entailment.write(self.store, entailment.consequences(self.store, self.schema, quads))

    def removed(self, quads: list[ox.Quad]) -> None:
        """Account for quads just removed."""
        entries = parse_quads(quads)
        self.index.apply(GeometryEntries(), entries)
        if not self.entail or self.full:
            return
        if entailment.touches_schema(quads):
            self.full = True
            return
        entailment.retract(self.store, self.schema, quads)

    def end(self) -> None:
        """After a change: the full recompute a schema change needs."""
        if self.entail and self.full:
            self.refresh()

    def refresh(self) -> None:
        """Recompute everything derived from the whole store (on request, or after a crash)."""
        self.index.invalidate()
        if self.entail:
            self.index.data()  # built now (empty in a new store): later changes keep it current
            entailment.refresh(self.store)
        else:
            entailment.mark_outdated(self.store)


def warn_unparsed(entries: GeometryEntries, report: ChangeReport) -> None:
    """A warning per geometry literal that is not a geometry (stored as is; functions are unbound on
    it), for the first WARN_LIMIT of a change; the caller reports the total."""
    for subject, reason in entries.unparsed[:max(0, WARN_LIMIT - len(report.unparsed))]:
        warn(f"geometry of {subject} not parsed ({reason}); stored as is, queries treat it as invalid")
    report.unparsed.extend(entries.unparsed)
