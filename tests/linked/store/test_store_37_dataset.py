"""Which graphs a query's default graph merges: queries that cannot match an entailed triple skip the
entailment graph (a union of fewer graphs is faster), the others see it; `may_match` decides from the
query text, conservatively."""

from __future__ import annotations

import pytest

from ai4c.linked.store import GeoStore
from ai4c.linked.store.rewrite import may_match
from conftest import shared

GEO = "http://www.opengis.net/ont/geosparql#"
P = frozenset({"http://www.w3.org/1999/02/22-rdf-syntax-ns#type", GEO + "hasGeometry", GEO + "hasSerialization"})
CASES = [
 ('SELECT * WHERE { ?s a <http://x/C> }', True),
 ('SELECT * WHERE { ?s ?p ?o }', True),
 ('SELECT * WHERE { <http://x/s> ?p ?o }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ex:s ex:p ?o ; ?q ?v }', True),
 ('PREFIX ex: <http://x/> SELECT ?a ?b WHERE { ?a ex:p ?b } ORDER BY ?a ?b', False),
 ('PREFIX geo: <http://www.opengis.net/ont/geosparql#> SELECT * WHERE { ?f geo:hasGeometry ?g }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b FILTER(?b = "a ?x ?y") }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a !ex:p ?b }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { [ ?p ?o ] ex:q 1 }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { [ ex:p ?o ] ex:q 1 . ?x ex:r [ ex:s ?t ] . ?x ?y ?z }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { [ ex:p ?o ] ex:q 1 . ?x ex:r [ ex:s ?t ] ; ex:u ?v , ?w }', False),
 ('PREFIX : <http://x/> SELECT * WHERE { ?a :p ?b }', False),
 ('SELECT * WHERE { ?a <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?b }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p/ex:q* ?b . ?b ex:r "1"^^ex:t }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b OPTIONAL { ?b ex:q ?c } FILTER NOT EXISTS { ?b ?z ?c } }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b OPTIONAL { ?b ex:q ?c } FILTER NOT EXISTS { ?b ex:z ?c } BIND(STR(?a) AS ?s) VALUES ?x { ex:a ex:b } }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { GRAPH ?g { ?a ex:p ?b } { SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ex:q ?c } GROUP BY ?a } }', False),
 ('PREFIX ex: <http://x/> CONSTRUCT { ?a ex:p ?b } WHERE { ?a ex:p ?b }', False),
 ('PREFIX ex: <http://x/> CONSTRUCT { ?a ?p ?b } WHERE { ?a ex:p ?b }', True),
 ('PREFIX ex: <http://x/> DESCRIBE ?a WHERE { ?a ex:p ?b }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b . ?b a ex:C }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a (ex:p|^ex:q)+ ?b }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a (ex:p|?z) ?b }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p (1 2 ?x) . }', False),
 ('PREFIX ex: <http://x/> ASK { ?a ex:p 1.5 ; ex:q -2, true }', False),
 ('PREFIX ex: <http://x/> # comment ?s ?p ?o\nSELECT * WHERE { ?a ex:p "x"@en ; ex:q "y"^^<http://t> }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b } GROUP BY ?a ?b', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b . FILTER(?b > 2) ?b ?q ?c }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b FILTER regex(?b, "x") ?b ex:q ?c }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b FILTER regex(?b, "x") ?b ?q ?c }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:p ?b MINUS { ?a ?q ?c } }', True),
 ('PREFIX ex: <http://x/> SELECT * WHERE { { ?a ex:p ?b } UNION { ?a ex:q ?b } }', False),
 ('PREFIX ex: <http://x/> SELECT * WHERE { { ?a ex:p ?b } UNION { ?a ?q ?b } }', True),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_may_match_follows_predicate_positions(query, expected):
    assert may_match(query, P) is expected


def test_geographica_queries_skip_the_entailment_graph():
    folder = shared("linked", "geographica-queries-albiston", "queries", "geographica_benchmarking",
                    "synthetic_queries")
    for name in ("Query0", "Query12", "Query25", "Query29", "Query34"):
        assert may_match((folder / f"{name}.spl").read_text(), P) is False, name


def test_answers_with_and_without_the_entailment_graph():
    store = GeoStore()
    store.update(f"INSERT DATA {{ <http://x/f> <{GEO}hasGeometry> <http://x/g> . "
                 f'<http://x/g> <{GEO}asWKT> "POINT(1 2)"^^<{GEO}wktLiteral> }}')
    assert store.dataset(f"SELECT ?g WHERE {{ ?g <{GEO}asWKT> ?w }}") == {}  # the default graph alone
    rows = list(store.query(f"SELECT ?f WHERE {{ ?f a <{GEO}Feature> }}"))  # entailed: still answered
    assert [r["f"].value for r in rows] == ["http://x/f"]
    rows = list(store.query(f"SELECT ?w WHERE {{ <http://x/g> <{GEO}hasSerialization> ?w }}"))
    assert len(rows) == 1
