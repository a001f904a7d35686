"""Comparing N-Triples-star / N-Quads-star files (quoted triples in any position), which pyoxigraph's RDF 1.2
parser refuses in subject position: each distinct quoted triple becomes a blank node described by
rdf:subject/predicate/object in a graph of its own, so that isomorphism (blank nodes included) is decided
by pyoxigraph's canonicalisation of the encoded dataset."""

from __future__ import annotations

import re

from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

TOKEN = re.compile(r'\s*(<<|>>|<[^>]*>|_:[^\s<>"]+|"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[A-Za-z0-9-]+)?|\.)')
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
QUOTED_GRAPH = "<urn:ai4c:quoted-triples>"


class Encoder:
    """Rewrites star lines into plain N-Quads lines, one blank node per distinct quoted triple."""

    def __init__(self) -> None:
        self.quoted: dict[tuple, str] = {}
        self.extra: list[str] = []

    def term(self, tokens: list[str], i: int) -> tuple[str, int]:
        """The plain term at tokens[i] (a quoted triple replaced by its blank node) and the next index."""
        if tokens[i] != "<<":
            return tokens[i], i + 1
        s, i = self.term(tokens, i + 1)
        p, i = self.term(tokens, i)
        o, i = self.term(tokens, i)
        if tokens[i] != ">>":
            raise ValueError(f"unclosed quoted triple near {' '.join(tokens[:i + 1])}")
        key = (s, p, o)
        if key not in self.quoted:
            node = f"_:quoted{len(self.quoted)}"
            self.quoted[key] = node
            self.extra += [f"{node} <{RDF}{name}> {value} {QUOTED_GRAPH} .\n"
                           for name, value in zip(("subject", "predicate", "object"), key, strict=True)]
        return self.quoted[key], i + 1

    def line(self, text: str) -> str:
        """One statement line in plain N-Quads."""
        tokens = TOKEN.findall(text)
        terms, i = [], 0
        while i < len(tokens) and tokens[i] != ".":
            term, i = self.term(tokens, i)
            terms.append(term)
        return " ".join(terms) + " .\n"


def canonical_star(text: str) -> set[str]:
    """A star N-Triples/N-Quads document as a set of canonical N-Quads lines of its encoding."""
    encoder = Encoder()
    lines = [encoder.line(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    dataset = Dataset(parse(input="".join(lines + encoder.extra).encode("utf-8"), format=RdfFormat.N_QUADS))
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}
