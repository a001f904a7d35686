"""Vocabulary mapping between the federation's terms and a source's: term pairs and IRI-prefix rewrites."""

from __future__ import annotations

from dataclasses import dataclass, field

from ai4c.core.errors import BadInputError

OWL = "http://www.w3.org/2002/07/owl#"


class VocabularyError(BadInputError):
    """A vocabulary mapping that is malformed or names terms its source does not use."""


@dataclass
class Vocabulary:
    """`terms` maps federation IRIs to source IRIs; `prefixes` rewrites federation IRI prefixes to source ones."""

    terms: dict[str, str] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._back = {v: k for k, v in self.terms.items()}
        self._back_prefixes = {v: k for k, v in self.prefixes.items()}

    @classmethod
    def from_dict(cls, data: dict, origin: str = "vocabulary") -> Vocabulary:
        """From the YAML form `{terms: {fed: src}, prefixes: {fed_prefix: src_prefix}}`."""
        if not isinstance(data, dict) or not set(data) <= {"terms", "prefixes"}:
            raise VocabularyError(f"{origin}: expected a mapping with 'terms' and/or 'prefixes'")
        terms, prefixes = data.get("terms") or {}, data.get("prefixes") or {}
        for kind, table in (("terms", terms), ("prefixes", prefixes)):
            if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                      for k, v in table.items()):
                raise VocabularyError(f"{origin}: '{kind}' must map IRI strings to IRI strings")
        return cls(dict(terms), dict(prefixes))

    @classmethod
    def from_owl(cls, graph) -> Vocabulary:
        """From owl:equivalentClass / owl:equivalentProperty triples (subject: federation, object: source)."""
        terms = {}
        for prop in ("equivalentClass", "equivalentProperty"):
            for subject, _, obj in graph.triples((None, _uri(OWL + prop), None)):
                terms[str(subject)] = str(obj)
        return cls(terms)

    def _map(self, iri: str, terms: dict, prefixes: dict) -> str:
        if iri in terms:
            return terms[iri]
        for old, new in prefixes.items():
            if iri.startswith(old):
                return new + iri[len(old):]
        return iri

    def to_source(self, term: str) -> str:
        """A federation N-Triples term in the source's vocabulary (IRIs and literal datatypes)."""
        return self._rewrite(term, self.terms, self.prefixes)

    def to_federation(self, term: str) -> str:
        """A source N-Triples term in the federation's vocabulary."""
        return self._rewrite(term, self._back, self._back_prefixes)

    def _rewrite(self, term: str, terms: dict, prefixes: dict) -> str:
        if not (terms or prefixes):
            return term
        if term.startswith("<"):
            return f"<{self._map(term[1:-1], terms, prefixes)}>"
        return term

    def check_against(self, predicates: set[str], classes: set[str], source: str) -> None:
        """Fail when a term pair names a source term the source's statistics do not know."""
        known = predicates | classes
        if not known:
            return
        unknown = sorted(v for v in self.terms.values() if v not in known)
        if unknown:
            raise VocabularyError(f"vocabulary of source {source!r} maps to terms it does not use: "
                                  f"{', '.join(unknown[:5])}; fix the mapping file")


def _uri(text: str):
    from rdflib import URIRef

    return URIRef(text)
