"""Federated SPARQL over three sources (two store endpoints, one in another vocabulary, and a mapped CSV):
answers equal, as multisets, those of one store holding the union in one vocabulary."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
import yaml
from tests.linked.store.test_store_60_server import Server

from ai4c.linked.federation import Federation
from ai4c.linked.store import GeoStore
from ai4c.services.federation import create_app as federation_app
from ai4c.services.federation import load_sources
from ai4c.services.sparql import create_app

EX, SDO, GEO = "http://ex.org/", "http://schema.org/", "http://www.opengis.net/ont/geosparql#"
PEOPLE, PEOPLE_B = "http://people.example.org/", "http://people.example.net/"
CITIES = "http://geo.example.org/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
WKT = f"<{GEO}wktLiteral>"
DT = "<http://www.w3.org/2001/XMLSchema#dateTime>"
N_PEOPLE, N_CITIES = 60, 12

MAPPING = f"""@prefix rr: <http://www.w3.org/ns/r2rml#> . @prefix rml: <http://semweb.mmlab.be/ns/rml#> .
@prefix ql: <http://semweb.mmlab.be/ns/ql#> . @prefix ex: <{EX}> . @prefix geo: <{GEO}> .
<#C> rml:logicalSource [ rml:source "cities.csv" ; rml:referenceFormulation ql:CSV ] ;
  rr:subjectMap [ rr:template "{CITIES}c{{id}}" ; rr:class ex:City ] ;
  rr:predicateObjectMap [ rr:predicate ex:label ; rr:objectMap [ rml:reference "label" ] ] ;
  rr:predicateObjectMap [ rr:predicate geo:hasGeometry ; rr:objectMap [ rr:template "{CITIES}g{{id}}" ] ] .
<#G> rml:logicalSource [ rml:source "cities.csv" ; rml:referenceFormulation ql:CSV ] ;
  rr:subjectMap [ rr:template "{CITIES}g{{id}}" ] ;
  rr:predicateObjectMap [ rr:predicate geo:asWKT ; rr:objectMap [ rml:reference "wkt" ; rr:datatype geo:wktLiteral ] ] .
"""


def dataset():
    """(triples in the federation vocabulary tagged with their source, CSV rows of the cities)."""
    rng = np.random.default_rng(7)
    cities = [(j, f"City {j}", f"POINT({rng.uniform(0, 10):.3f} {rng.uniform(40, 50):.3f})") for j in range(N_CITIES)]
    triples = []  # (source, s, p, o) in the federation's vocabulary
    for i in range(N_PEOPLE):
        person = f"<{PEOPLE}p{i}>"
        home = "a" if i % 2 == 0 else "b"
        triples += [(home, person, f"<{TYPE}>", f"<{EX}Person>"),
                    (home, person, f"<{EX}name>", f'"Person {i}"'),
                    (home, person, f"<{EX}livesIn>", f"<{CITIES}c{int(rng.integers(N_CITIES))}>")]
        if i % 3:
            triples.append(("b", person, f"<{EX}born>", f'"19{50 + i % 50}-0{1 + i % 9}-15T00:00:00Z"^^{DT}'))
        for k in rng.choice(N_PEOPLE, size=2, replace=False):
            triples.append(("b", person, f"<{EX}knows>", f"<{PEOPLE}p{k}>"))
        if i % 4 == 0:  # split by predicate: the e-mails live in a third endpoint
            triples.append(("c", person, f"<{EX}email>", f'"p{i}@mail.org"'))
    for j in range(5):  # places far from the cities, in source a
        place = f"<{EX}place{j}>"
        triples += [("a", place, f"<{GEO}hasGeometry>", f"<{EX}pg{j}>"),
                    ("a", f"<{EX}pg{j}>", f"<{GEO}asWKT>", f'"POINT({30 + j} {10 + j})"^^{WKT}'),
                    ("a", place, f"<{EX}label>", f'"Place {j}"')]
    for j, label, wkt in cities:
        triples += [("csv", f"<{CITIES}c{j}>", f"<{TYPE}>", f"<{EX}City>"),
                    ("csv", f"<{CITIES}c{j}>", f"<{EX}label>", f'"{label}"'),
                    ("csv", f"<{CITIES}c{j}>", f"<{GEO}hasGeometry>", f"<{CITIES}g{j}>"),
                    ("csv", f"<{CITIES}g{j}>", f"<{GEO}asWKT>", f'"{wkt}"^^{WKT}')]
    return triples, cities


def to_b(term: str) -> str:
    """Source b's vocabulary: schema.org terms and people under another authority."""
    table = {f"<{EX}Person>": f"<{SDO}Person>", f"<{EX}name>": f"<{SDO}name>", f"<{EX}knows>": f"<{SDO}knows>",
             f"<{EX}born>": f"<{SDO}birthDate>", f"<{EX}livesIn>": f"<{SDO}homeLocation>"}
    return table.get(term, term.replace(PEOPLE, PEOPLE_B))


def _store(lines: list[str]) -> GeoStore:
    store = GeoStore()
    store.update("INSERT DATA { " + "\n".join(lines) + " }")
    return store


@contextmanager
def store_endpoint(folder, name: str, lines: list[str]):
    """`ai4c store load` then `ai4c store serve` on 127.0.0.1 (a real endpoint process); yields its base URL."""
    import os
    import subprocess
    import sys
    import time

    from tests.conftest import free_port

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")}
    (folder / f"{name}.nt").write_text("\n".join(lines) + "\n")
    subprocess.run([sys.executable, "-m", "ai4c", "store", "load", "--store", str(folder / f"store_{name}"),
                    str(folder / f"{name}.nt")], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "ai4c", "store", "serve", "--store", str(folder / f"store_{name}"),
                               "--port", str(port), "--workers", "0"], env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("federation")
    triples, cities = dataset()
    lines = {src: [" ".join(t[1:]) + " ." for t in triples if t[0] == src] for src in ("a", "b")}
    lines["b"] = [" ".join(to_b(x) for x in t[1:]) + " ." for t in triples if t[0] == "b"]
    (folder / "cities.csv").write_text("id,label,wkt\n" + "".join(f'{j},{lab},"{w}"\n' for j, lab, w in cities))
    (folder / "cities.ttl").write_text(MAPPING)
    (folder / "b.yaml").write_text(yaml.safe_dump({
        "terms": {f"{EX}{k}": f"{SDO}{v}" for k, v in
                  {"Person": "Person", "name": "name", "knows": "knows", "born": "birthDate",
                   "livesIn": "homeLocation"}.items()},
        "prefixes": {PEOPLE: PEOPLE_B}}))
    lines["c"] = [" ".join(t[1:]) + " ." for t in triples if t[0] == "c"]
    truth = _store([" ".join(t[1:]) + " ." for t in triples])
    with store_endpoint(folder, "a", lines["a"]) as url_a, store_endpoint(folder, "b", lines["b"]) as url_b, \
            store_endpoint(folder, "c", lines["c"]) as url_c:
        config = {"sources": [{"name": "a", "endpoint": f"{url_a}/sparql"},
                              {"name": "b", "endpoint": f"{url_b}/sparql", "vocabulary": "b.yaml"},
                              {"name": "c", "endpoint": f"{url_c}/sparql"},
                              {"name": "cities", "mapping": "cities.ttl"}]}
        (folder / "sources.yaml").write_text(yaml.safe_dump(config))
        with httpx.Client() as client:
            sources = load_sources(folder / "sources.yaml", client)
            yield {"sources": sources, "truth": truth, "folder": folder, "client": client,
                   "urls": (url_a, url_b, url_c)}


P = (f"PREFIX ex: <{EX}> PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/> "
     "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ")
BOX = '"POLYGON((2 42, 8 42, 8 48, 2 48, 2 42))"^^geo:wktLiteral'
QUERIES = {
    "star": "SELECT ?p ?n ?c WHERE { ?p a ex:Person ; ex:name ?n ; ex:livesIn ?c }",
    "path": "SELECT ?p ?l WHERE { ?p ex:knows ?q . ?q ex:livesIn ?c . ?c ex:label ?l }",
    "hybrid": "SELECT ?n ?l WHERE { ?p ex:name ?n ; ex:livesIn ?c . ?c ex:label ?l ; a ex:City FILTER(?l != \"City 3\") }",
    "optional": "SELECT ?p ?e WHERE { ?p a ex:Person OPTIONAL { ?p ex:email ?e } }",
    "union": "SELECT ?x ?l WHERE { { ?x ex:label ?l } UNION { ?x ex:name ?l } }",
    "filter": "SELECT ?p ?n WHERE { ?p ex:name ?n FILTER(REGEX(?n, \"1\")) }",
    "aggregate": "SELECT ?c (COUNT(?p) AS ?k) WHERE { ?p ex:livesIn ?c } GROUP BY ?c ORDER BY DESC(?k) ?c",
    "geo_selection": f"SELECT ?f WHERE {{ ?f geo:hasGeometry ?g . ?g geo:asWKT ?w FILTER(geof:sfWithin(?w, {BOX})) }}",
    "geo_join": ("SELECT ?n ?l WHERE { ?p ex:name ?n ; ex:livesIn ?c . ?c geo:hasGeometry ?g . ?g geo:asWKT ?w . "
                 f"FILTER(geof:sfIntersects(?w, {BOX})) ?c ex:label ?l }}"),
    "temporal": ("SELECT ?p ?b WHERE { ?p ex:born ?b ; ex:name ?n "
                 'FILTER(?b >= "1970-01-01T00:00:00Z"^^xsd:dateTime && ?b < "1990-01-01T00:00:00Z"^^xsd:dateTime) }'),
    "minus": "SELECT ?p WHERE { ?p a ex:Person MINUS { ?p ex:born ?b } }",
    "property_path": "SELECT ?p ?q WHERE { ?p ex:knows/ex:knows ?q FILTER(?p = <http://people.example.org/p0>) }",
}


def rows(body: bytes) -> Counter:
    import json

    data = json.loads(body)
    return Counter(tuple(sorted((k, v["value"]) for k, v in b.items())) for b in data["results"]["bindings"])


def truth_rows(store: GeoStore, query: str) -> Counter:
    return rows(store.query_serialized(query, "json")[0])


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_answers_equal_single_store(world, name):
    query = P + QUERIES[name]
    expected = truth_rows(world["truth"], query)
    assert sum(expected.values()) > 0
    body, _, plan = Federation(world["sources"]).query(query)
    assert rows(body) == expected
    assert not plan.partial


def test_fewer_requests_than_naive_and_ask(world):
    totals = {}
    for mode in ("stats", "ask", "naive"):
        federation = Federation(world["sources"], selection=mode)
        requests = transferred = 0
        for name in sorted(QUERIES):
            query = P + QUERIES[name]
            body, _, plan = federation.query(query)
            assert rows(body) == truth_rows(world["truth"], query), (mode, name)
            requests += sum(plan.requests.values())
            transferred += sum(plan.results.values())
        totals[mode] = (requests, transferred)
    print("requests, rows transferred over the query set:", totals)
    assert totals["stats"][0] < totals["ask"][0]
    assert totals["stats"][1] < totals["naive"][1]


def test_spatial_extent_prunes_sources(world):
    _, _, plan = Federation(world["sources"]).query(P + QUERIES["geo_selection"])
    wkt_units = [u for units in plan.units for u in units if any("asWKT" in p[1] for p in u.patterns)]
    assert [s.name for s in wkt_units[0].sources] == ["cities"]  # source a's places lie outside the box
    assert plan.requests["a"] + plan.requests["b"] == 0 or all(
        "asWKT" not in p[1] for u in plan.units[0] for p in u.patterns if "a" in [s.name for s in u.sources])


def test_endpoint_protocol_and_errors(world):
    app = federation_app(Federation(world["sources"]))
    with Server(app) as url:
        query = P + QUERIES["star"]
        got = httpx.post(f"{url}/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert got.status_code == 200
        assert rows(got.content) == truth_rows(world["truth"], query)
        bad = httpx.get(f"{url}/sparql", params={"query": "SELECT ?x WHERE { ?x "})
        assert bad.status_code == 400 and "malformed SPARQL" in bad.json()["error"]
        assert httpx.post(f"{url}/sparql", data={"update": "CLEAR ALL"}).status_code == 403


def test_summary_statistics_and_turtle_round_trip(world, tmp_path, run_cli):
    from ai4c.linked.federation.summary import from_turtle

    triples, _ = dataset()
    url_a = world["urls"][0]
    out = tmp_path / "sources.ttl"
    code, _, err = run_cli("federation", "summarize", "--endpoint", f"{url_a}/sparql", "--name", "a", "-o", out)
    assert code == 0, err
    (summary,) = from_turtle(out.read_text())
    mine = [t for t in triples if t[0] == "a"]
    names = [t for t in mine if t[2] == f"<{EX}name>"]
    stats = summary.predicates[f"{EX}name"]
    assert (stats.triples, stats.subjects, stats.objects) == (len(names), len({t[1] for t in names}),
                                                                len({t[3] for t in names}))
    assert stats.subject_authorities == {"http://people.example.org"}
    assert summary.classes[f"{EX}Person"] == sum(1 for t in mine if t[3] == f"<{EX}Person>")
    assert summary.extent == pytest.approx((30, 10, 34, 14))
    assert summary.triples >= len(mine)
    config = {"sources": [{"name": "a", "endpoint": f"{url_a}/sparql", "summary": str(out)}]}
    (source,) = load_sources(config, world["client"])
    assert source.summary.predicates[f"{EX}name"] == stats and source.requests == 0
    with pytest.raises(Exception, match="'gone'"):
        load_sources({"sources": [{"name": "gone", "endpoint": "http://127.0.0.1:9/sparql", "summary": str(out)}]},
                     world["client"], retries=0)


def test_cli_query_explain(world, run_cli):
    query = P + "SELECT ?p ?q ?l WHERE { ?p ex:born ?b ; ex:knows ?q ; ex:livesIn ?c . ?c a ex:City ; ex:label ?l }"
    code, out, err = run_cli("federation", "query", "--sources", world["folder"] / "sources.yaml", query, "--explain")
    assert code == 0, err
    assert rows(out.encode()) == truth_rows(world["truth"], query)
    assert "exclusive group -> b: estimated" in err and "requests: a=" in err
    assert "pattern -> cities" in err and "actual 12" in err


def test_service_clause_is_honoured(world):
    url_c = world["urls"][2]
    query = P + f"SELECT ?p ?e WHERE {{ ?p ex:name ?n SERVICE <{url_c}/sparql> {{ ?p ex:email ?e }} }}"
    truth = P + "SELECT ?p ?e WHERE { ?p ex:name ?n . ?p ex:email ?e }"
    body, _, plan = Federation(world["sources"], client=world["client"]).query(query)
    assert rows(body) == truth_rows(world["truth"], truth)
    assert plan.requests[f"{url_c}/sparql"] == 1


def test_source_down_gives_partial_answer_or_strict_error(world):
    from dataclasses import replace

    from ai4c.linked.federation import SourceError

    a, b, c, cities = world["sources"]
    dead = replace(b, url="http://127.0.0.1:9/sparql", retries=1, timeout=2.0)
    query = P + QUERIES["star"]
    body, _, plan = Federation([a, dead, c, cities]).query(query)
    assert plan.partial and "'b'" in plan.failures[0]
    expected = truth_rows(world["truth"], query)
    got = rows(body)
    assert got and all(expected[row] >= count for row, count in got.items()) and got != expected
    with pytest.raises(SourceError, match="'b'"):
        Federation([a, dead, c, cities], strict=True).query(query)


def test_bad_sources(world, tmp_path):
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    from ai4c.linked.federation import SourceError, VocabularyError

    client = world["client"]
    with pytest.raises(SourceError, match="'gone'.*unreachable"):
        load_sources({"sources": [{"name": "gone", "endpoint": "http://127.0.0.1:9/sparql"}]}, client, retries=0)
    garbage = FastAPI()
    garbage.post("/sparql")(lambda: PlainTextResponse("<html>not sparql</html>"))
    with Server(garbage) as url, pytest.raises(SourceError, match="'junk' answered garbage"):
        load_sources({"sources": [{"name": "junk", "endpoint": f"{url}/sparql"}]}, client)
    (tmp_path / "v.yaml").write_text(yaml.safe_dump({"terms": {f"{EX}name": f"{SDO}nonexistentTerm"}}))
    url_a = world["urls"][0]
    config = {"sources": [{"name": "a", "endpoint": f"{url_a}/sparql", "vocabulary": str(tmp_path / "v.yaml")}]}
    with pytest.raises(VocabularyError, match="nonexistentTerm"):
        load_sources(config, client)


@pytest.mark.parametrize("query", [
    "ASK { ?p ex:knows ?q . ?q ex:email \"p4@mail.org\" }",
    "CONSTRUCT { ?c ex:resident ?p } WHERE { ?p ex:livesIn ?c . ?c ex:label \"City 2\" }",
    "DESCRIBE ?c WHERE { ?c ex:label \"City 5\" }",
    "DESCRIBE <http://people.example.org/p3>",
])
def test_ask_construct_describe(world, query):
    federation = Federation(world["sources"])
    fmt = "json" if query.startswith("ASK") else "ntriples"
    body, _, _ = federation.query(P + query, fmt if fmt == "json" else "json")
    truth, _ = world["truth"].query_serialized(P + query, "json")
    if query.startswith("ASK"):
        assert json.loads(body) == json.loads(truth) == {"head": {}, "boolean": True}
    else:
        assert Counter(body.decode().splitlines()) == Counter(truth.decode().splitlines()) and body.strip()


def test_owl_vocabulary_and_prefix_rewrites():
    from rdflib import Graph

    from ai4c.linked.federation import Vocabulary

    graph = Graph().parse(data=f"<{EX}name> <http://www.w3.org/2002/07/owl#equivalentProperty> <{SDO}name> .",
                          format="turtle")
    owl = Vocabulary.from_owl(graph)
    assert owl.to_source(f"<{EX}name>") == f"<{SDO}name>" and owl.to_federation(f"<{SDO}name>") == f"<{EX}name>"
    prefixed = Vocabulary(prefixes={PEOPLE: PEOPLE_B})
    assert prefixed.to_source(f"<{PEOPLE}p1>") == f"<{PEOPLE_B}p1>"
    assert prefixed.to_federation(f"<{PEOPLE_B}p1>") == f"<{PEOPLE}p1>"
    assert prefixed.to_source('"x"') == '"x"'


def test_time_extent_prunes_sources(world):
    query = P + 'SELECT ?p WHERE { ?p ex:born ?b ; ex:name ?n FILTER(?b > "2050-01-01T00:00:00Z"^^xsd:dateTime) }'
    body, _, plan = Federation(world["sources"]).query(query)
    assert rows(body) == truth_rows(world["truth"], query) == Counter()
    assert sum(plan.requests.values()) == 0  # source b's births end in 1999: nothing is asked
    inside = P + 'SELECT ?p WHERE { ?p ex:born ?b FILTER("1990-01-01T00:00:00Z"^^xsd:dateTime <= ?b) }'
    body, _, plan = Federation(world["sources"]).query(inside)
    assert rows(body) == truth_rows(world["truth"], inside) and plan.requests["b"] == 1


def test_endpoint_flags_partial_answers_and_strict_errors(world):
    from dataclasses import replace

    a, b, c, cities = world["sources"]
    dead = replace(b, url="http://127.0.0.1:9/sparql", retries=0, timeout=2.0)
    query = P + QUERIES["star"]
    with Server(federation_app(Federation([a, dead, c, cities]))) as url:
        got = httpx.post(f"{url}/sparql", data={"query": query})
        assert got.status_code == 200 and got.headers["X-Ai4c-Partial"] == "true"
    with Server(federation_app(Federation([a, dead, c, cities], strict=True))) as url:
        got = httpx.post(f"{url}/sparql", data={"query": query})
        assert got.status_code == 502 and "'b'" in got.json()["error"]


def test_cli_bad_input_exits_2(world, tmp_path, run_cli):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"sources": [{"name": "offline",
                                                                   "endpoint": "http://127.0.0.1:9/sparql"}]}))
    code, _, err = run_cli("federation", "query", "--sources", tmp_path / "s.yaml", "--retries", "0", "ASK {}")
    assert code == 2 and "'offline'" in err and "Traceback" not in err
    code, _, err = run_cli("federation", "query", "--sources", world["folder"] / "sources.yaml", "SELECT ?x WHERE {")
    assert code == 2 and "malformed SPARQL" in err
    code, _, err = run_cli("federation", "query", "--sources", world["folder"] / "sources.yaml", "--max-batch", "0",
                           "ASK {}")
    assert code == 2 and "max-batch=0 must be >= 1" in err and "Traceback" not in err


def test_cli_flags_reach_the_federation(world, run_cli):
    query = P + QUERIES["path"]
    code, out, err = run_cli("federation", "query", "--sources", world["folder"] / "sources.yaml", "--ask-cache",
                             "--batch", "1", "--max-batch", "2", "--selection", "ask", query, "--explain")
    assert code == 0, err
    assert rows(out.encode()) == truth_rows(world["truth"], query)


def test_geosparql_filters_pushed_only_where_supported(world):
    from dataclasses import replace

    a, b, c, cities = world["sources"]
    query = P + QUERIES["geo_selection"]
    for supports in (True, False):
        body, _, plan = Federation([a, b, c, replace(cities, geosparql=supports)]).query(query)
        assert rows(body) == truth_rows(world["truth"], query)
        pushed = [f for units in plan.units for u in units for f in u.filters]
        assert bool(pushed) is supports and all("sfWithin" in f for f in pushed)


def test_cli_serve(world):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.conftest import free_port

    port = free_port()
    src = str(Path(__file__).resolve().parents[3] / "src")
    server = subprocess.Popen([sys.executable, "-m", "ai4c", "federation", "serve", "--sources",
                               str(world["folder"] / "sources.yaml"), "--port", str(port)],
                              env={**os.environ, "PYTHONPATH": src}, stderr=subprocess.PIPE)
    try:
        query = P + QUERIES["union"]
        for _ in range(600):
            try:
                got = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": query}, timeout=30)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        assert got.status_code == 200 and rows(got.content) == truth_rows(world["truth"], query)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_blank_nodes_from_sources(world):
    from ai4c.linked.federation import LocalSource

    data = ['<http://ex.org/s1> <http://ex.org/addr> [ <http://ex.org/city> "Rome" ] .',
            '<http://ex.org/s2> <http://ex.org/addr> [ <http://ex.org/city> "Oslo" ] .']
    sources = []
    for k, line in enumerate(data):
        store = GeoStore(entail=False)
        store.update(f"INSERT DATA {{ {line} }}")
        sources.append(LocalSource(name=f"http://host:{k}/odd name", store=store))
    query = P + "SELECT ?s ?c WHERE { ?s ex:addr ?a . ?a ex:city ?c }"
    body, _, _ = Federation(sources).query(query)
    assert rows(body) == truth_rows(_store(data), query) == Counter({(("c", "Rome"), ("s", f"{EX}s1")): 1,
                                                                     (("c", "Oslo"), ("s", f"{EX}s2")): 1})


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * WHERE { ?s ex:knows+ ?o . ?s !ex:knows ?x }", "negated property paths"),
])
def test_unsupported_constructs_are_named(world, query, message):
    from ai4c.linked.federation import FederationError

    with pytest.raises(FederationError, match=message):
        Federation(world["sources"]).query(P + query)


def test_batch_sizes_grow_to_the_largest():
    from ai4c.linked.federation.planner import batch_sizes

    assert list(batch_sizes(1000, 50, 300)) == [50, 100, 200, 300, 300, 50]
    assert list(batch_sizes(30, 50, 300)) == [30]
    assert list(batch_sizes(0, 50, 300)) == []
    assert list(batch_sizes(7, 5, 3)) == [3, 3, 1]


@pytest.mark.parametrize("name", ["path", "hybrid", "geo_join", "optional"])
def test_small_growing_batches_give_the_same_answers(world, name):
    query = P + QUERIES[name]
    body, _, plan = Federation(world["sources"], batch=1, max_batch=4).query(query)
    assert rows(body) == truth_rows(world["truth"], query)
    assert not plan.partial


def test_ask_cache_saves_requests(world):
    query = P + 'SELECT ?c ?g WHERE { ?c ex:label "City 3" ; geo:hasGeometry ?g }'
    expected = truth_rows(world["truth"], query)
    cached = Federation(world["sources"], ask_cache=True)
    sent = []
    for _ in range(2):
        body, _, plan = cached.query(query)
        assert rows(body) == expected and sum(expected.values()) == 1
        sent.append(sum(plan.requests.values()))
    asks = len(cached.options.asks)
    assert asks > 0 and sent[1] == sent[0] - asks
    _, _, plan = Federation(world["sources"]).query(query)
    assert sum(plan.requests.values()) == sent[0]


def test_concurrent_clients_get_exact_answers(world):
    """Queries from 8 threads at once (rdflib's parser is not thread-safe: parses are serialised)."""
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(QUERIES) * 2
    with Server(federation_app(Federation(world["sources"]))) as url, httpx.Client(timeout=120) as http:
        def ask(name: str):
            return name, http.post(f"{url}/sparql", data={"query": P + QUERIES[name]})

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, names))
    for name, reply in answers:
        assert reply.status_code == 200, (name, reply.text)
        assert rows(reply.content) == truth_rows(world["truth"], P + QUERIES[name]), name


GRAPH_QUADS = {  # source: N-Quads-like lines (graph last; none: the default graph)
    "s1": ["<http://ex.org/e1> <http://ex.org/v> 1 <http://ex.org/g1>",
           "<http://ex.org/e2> <http://ex.org/v> 2 <http://ex.org/g1>",
           "<http://ex.org/e1> <http://ex.org/w> \"a\" <http://ex.org/g2>",
           "<http://ex.org/e9> <http://ex.org/v> 9"],
    "s2": ["<http://ex.org/e3> <http://ex.org/v> 3 <http://ex.org/g1>",
           "<http://ex.org/e1> <http://ex.org/v> 1 <http://ex.org/g2>",
           "<http://ex.org/e2> <http://ex.org/w> \"b\" <http://ex.org/g2>",
           "<http://ex.org/e2> <http://ex.org/w> \"c\" <http://ex.org/g3>"],
}
GRAPH_QUERIES = [
    "SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s ex:v ?o } }",
    "SELECT ?s ?o WHERE { GRAPH ex:g1 { ?s ex:v ?o } }",
    "SELECT ?s ?o FROM ex:g1 FROM ex:g2 WHERE { ?s ex:v ?o }",
    "SELECT ?g ?s FROM NAMED ex:g2 WHERE { GRAPH ?g { ?s ex:v ?o } }",
    "SELECT ?s ?g ?w FROM ex:g1 FROM NAMED ex:g2 FROM NAMED ex:g3 WHERE { ?s ex:v ?o . GRAPH ?g { ?s ex:w ?w } }",
    "SELECT ?s ?o FROM NAMED ex:g1 WHERE { ?s ex:v ?o }",
    "SELECT ?s ?g ?h WHERE { GRAPH ?g { ?s ex:v ?o } GRAPH ?h { ?s ex:w ?w } FILTER(?g != ?h) }",
    "SELECT ?s ?w WHERE { GRAPH ex:g1 { ?s ex:v ?o } OPTIONAL { GRAPH ex:g2 { ?s ex:w ?w } } }",
    "SELECT ?g ?s ?x WHERE { GRAPH ?g { ?s ex:v|ex:w ?x } }",
]


def _quad_update(lines: list[str]) -> str:
    parts = [f"GRAPH {q.rsplit(' ', 1)[1]} {{ {q.rsplit(' ', 1)[0]} }}" if q.endswith("g1>") or q.endswith("g2>")
             or q.endswith("g3>") else q + " ." for q in lines]
    return "INSERT DATA { " + "\n".join(parts) + " }"


@pytest.fixture(scope="module")
def graph_world():
    """Two endpoints holding named graphs (g1 and g2 split between them, a triple in both), and the truth:
    plain pyoxigraph over all quads (its FROM / FROM NAMED semantics, independent of the federation)."""
    import pyoxigraph as ox

    truth = ox.Store()
    truth.update(_quad_update(GRAPH_QUADS["s1"] + GRAPH_QUADS["s2"]))
    stores = {}
    for name, lines in GRAPH_QUADS.items():
        stores[name] = GeoStore(entail=False)
        stores[name].update(_quad_update(lines))
    with Server(create_app(stores["s1"])) as url1, Server(create_app(stores["s2"])) as url2, \
            httpx.Client() as client:
        config = {"sources": [{"name": "s1", "endpoint": f"{url1}/sparql"}, {"name": "s2", "endpoint": f"{url2}/sparql"}]}
        yield load_sources(config, client), truth


def _oxigraph_rows(store, query: str) -> Counter:
    solutions = store.query(query)
    names = solutions.variables
    return Counter(tuple(sorted((v.value, s[v].value) for v in names if s[v] is not None)) for s in solutions)


@pytest.mark.parametrize("query", GRAPH_QUERIES)
def test_graph_from_and_from_named(graph_world, query):
    sources, truth = graph_world
    expected = _oxigraph_rows(truth, P + query)
    if query.count("FROM ex:") > 1:  # SPARQL merges the FROM graphs (a set of triples: one pattern's solutions
        expected = Counter(dict.fromkeys(expected, 1))  # are distinct); pyoxigraph repeats a shared triple
    body, _, plan = Federation(sources).query(P + query)
    assert rows(body) == expected
    assert not plan.partial


def test_graph_patterns_ask_only_sources_holding_them(graph_world):
    sources, _ = graph_world
    _, _, plan = Federation(sources).query(P + "SELECT ?s WHERE { GRAPH ex:g3 { ?s ex:w ?w } }")
    (unit,) = plan.units[0]
    assert [s.name for s in unit.sources] == ["s2"] and "in GRAPH <http://ex.org/g3>" in plan.text()
    body, _, _ = Federation(sources).query(P + "ASK { GRAPH ex:g3 { ?s ex:v ?o } }")
    assert json.loads(body)["boolean"] is False


def test_tsv_results_read_as_json_results():
    """Rows read from SPARQL TSV (what sources are asked for) equal those read from SPARQL JSON."""
    from ai4c.linked.federation import LocalSource
    from ai4c.linked.federation.sources import SPARQL_JSON, SPARQL_TSV

    store = GeoStore(entail=False)
    store.update('INSERT DATA { <http://ex.org/s> <http://ex.org/p> 1, -2, 2.50, 1e3, true, "tab\\tquote\\"back\\\\slash", '
                 '"line\\nbreak", "hé"@fr, "x"^^<http://www.w3.org/2001/XMLSchema#string>, '
                 '"2020-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>, [ <http://ex.org/q> 3 ] . '
                 '<http://ex.org/t> <http://ex.org/p> <http://ex.org/u> }')
    source = LocalSource(name="odd name", store=store)
    query = "SELECT ?s ?o ?x WHERE { ?s <http://ex.org/p> ?o OPTIONAL { ?o <http://ex.org/q> ?x } }"
    tsv, media = source._run(query, SPARQL_TSV)
    assert media.startswith(SPARQL_TSV)
    from_tsv = source._tsv_rows(tsv)
    from_json = source._json_rows(source._run(query, SPARQL_JSON)[0])
    assert len(from_tsv) == 12 and sorted(map(sorted, map(dict.items, from_tsv))) == \
        sorted(map(sorted, map(dict.items, from_json)))


@pytest.mark.parametrize("condition", ["?p = <http://people.example.org/p17>",
                                       "sameTerm(<http://people.example.org/p18>, ?p)",
                                       "?p = <http://people.example.org/p17> && ?p = <http://people.example.org/p18>",
                                       "?p = <http://people.example.org/p17> || ?p = <http://people.example.org/p18>"])
def test_filter_pinning_a_variable_to_an_iri(world, condition):
    query = P + f"SELECT ?n ?c WHERE {{ ?p ex:name ?n ; ex:livesIn ?c FILTER({condition}) }}"
    expected = truth_rows(world["truth"], query)
    body, _, plan = Federation(world["sources"]).query(query)
    assert rows(body) == expected
    transferred = sum(plan.results.values())
    assert transferred <= 2 * sum(expected.values()) or "||" in condition  # bound from the IRI, not whole extents
