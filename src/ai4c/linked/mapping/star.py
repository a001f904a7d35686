"""RML-star: quoted triples as RDF terms (`rml:quotedTriplesMap` in subject and object maps), written as
N-Triples-star `<< s p o >>`."""

from __future__ import annotations

from typing import NamedTuple


class QuotedTriple(NamedTuple):
    """A quoted triple term; hashable, so it joins and deduplicates like any other term."""

    subject: object
    predicate: object
    object: object

    def __str__(self) -> str:
        return f"<< {self.subject} {self.predicate} {self.object} >>"
