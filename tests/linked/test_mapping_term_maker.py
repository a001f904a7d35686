"""Low level: templates, IRI-safe encoding, natural literals, blank nodes, vocabulary folding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ai4c.linked.mapping import vocab
from ai4c.linked.mapping.parse import MappingError, parse_template
from ai4c.linked.mapping.term_maker import blank_node, double_lexical, iri_safe, natural


def test_template_escapes_and_references():
    t = parse_template(r"http://ex/{ID}/\{lit\}/{Country Code}\\")
    assert t.references == ["ID", "Country Code"]
    assert t.parts == ["http://ex/", r"/{lit}/", "\\"]


def test_template_unbalanced_brace_is_an_error():
    with pytest.raises(MappingError, match="unclosed"):
        parse_template("http://ex/{ID")


def test_iri_safe_encodes_reserved_keeps_unicode():
    assert iri_safe("September, 2010") == "September%2C%202010"
    assert iri_safe("a/b?c#d") == "a%2Fb%3Fc%23d"
    assert iri_safe("Zürich-1._~") == "Zürich-1._~"


@pytest.mark.parametrize(("value", "text"), [(80.25, "8.025E1"), (1.65, "1.65E0"), (0.001, "1.0E-3"),
                                             (-1200.0, "-1.2E3")])
def test_double_canonical_form(value, text):
    assert double_lexical(value) == text


def test_natural_literals_of_sql_values():
    xsd = vocab.XSD
    assert natural(True) == ("true", xsd + "boolean")
    assert natural(10) == ("10", xsd + "integer")
    assert natural(Decimal("1.50")) == ("1.50", xsd + "decimal")
    assert natural(dt.datetime(2009, 10, 10, 12, 12, 22)) == ("2009-10-10T12:12:22", xsd + "dateTime")
    assert natural(b"\x89P") == ("8950", xsd + "hexBinary")
    assert natural("x") == ("x", None)


def test_blank_nodes_are_stable_per_label():
    assert blank_node("Bob Smith") == blank_node("Bob Smith")
    assert blank_node("Bob Smith") != blank_node("Sue Jones")


def test_three_vocabularies_fold_to_one():
    assert vocab.canonical("http://semweb.mmlab.be/ns/rml#reference") == vocab.rr("reference")
    assert vocab.canonical("http://w3id.org/rml/template") == vocab.rr("template")
    assert vocab.canonical("http://www.w3.org/ns/r2rml#column") == vocab.rr("reference")
    assert vocab.canonical("http://w3id.org/rml/logicalSource") == vocab.rr("logicalSource")
    assert vocab.canonical("http://example.com/x") == "http://example.com/x"
