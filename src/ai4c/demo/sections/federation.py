"""Demo: one federated GeoSPARQL query over two store endpoints and a mapped CSV, with its plan."""

from __future__ import annotations

import html
import json
import threading
import time
from collections import Counter
from pathlib import Path

from ai4c.demo.report import Section

ORDER = 65
TITLE = "Federated GeoSPARQL: two SPARQL endpoints and a mapped CSV as one endpoint (Semagrow-like)"
EX, SDO, GEO = "http://ex.org/", "http://schema.org/", "http://www.opengis.net/ont/geosparql#"
MAPPING = f"""@prefix rr: <http://www.w3.org/ns/r2rml#> . @prefix rml: <http://semweb.mmlab.be/ns/rml#> .
@prefix ql: <http://semweb.mmlab.be/ns/ql#> . @prefix ex: <{EX}> . @prefix geo: <{GEO}> .
<#C> rml:logicalSource [ rml:source "stations.csv" ; rml:referenceFormulation ql:CSV ] ;
  rr:subjectMap [ rr:template "{EX}station/{{id}}" ; rr:class ex:Station ] ;
  rr:predicateObjectMap [ rr:predicate geo:asWKT ; rr:objectMap [ rml:reference "wkt" ; rr:datatype geo:wktLiteral ] ] .
"""
QUERY = f"""PREFIX ex: <{EX}> PREFIX geo: <{GEO}> PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
SELECT ?name ?station WHERE {{ ?s ex:name ?name ; geo:asWKT ?area . ?station a ex:Station ; geo:asWKT ?p .
  FILTER(geof:sfWithin(?p, ?area)) }} ORDER BY ?name ?station"""


def _data() -> tuple[list[str], list[str], str]:
    """Regions of source a (federation vocabulary), regions of source b (schema.org), stations CSV."""
    a, b = [], []
    for i in range(6):
        x = 2 * i
        wkt = f'"POLYGON(({x} 0, {x + 2} 0, {x + 2} 2, {x} 2, {x} 0))"^^<{GEO}wktLiteral>'
        target, name = (a, f"<{EX}name>") if i % 2 == 0 else (b, f"<{SDO}name>")
        target += [f'<{EX}region{i}> {name} "Region {i}" .', f"<{EX}region{i}> <{GEO}asWKT> {wkt} ."]
    csv = "id,wkt\n" + "".join(f'{k},"POINT({0.7 * k + 0.3} {1 + (k % 3) * 0.4})"\n' for k in range(16))
    return a, b, csv


def run(workdir: Path) -> Section:
    import httpx
    import uvicorn
    import yaml

    from ai4c.linked.federation import Federation
    from ai4c.linked.store import GeoStore
    from ai4c.services.federation import load_sources
    from ai4c.services.sparql import create_app

    section = Section(TITLE)
    a, b, csv = _data()
    (workdir / "stations.csv").write_text(csv)
    (workdir / "stations.ttl").write_text(MAPPING)
    (workdir / "b.yaml").write_text(yaml.safe_dump({"terms": {f"{EX}name": f"{SDO}name"}}))
    servers, urls = [], []
    for lines in (a, b):
        store = GeoStore()
        store.update("INSERT DATA { " + "\n".join(lines) + " }")
        server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=0, log_level="error"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        servers.append(server)
        urls.append(f"http://127.0.0.1:{port}/sparql")
    try:
        config = {"sources": [{"name": "regions-a", "endpoint": urls[0]},
                              {"name": "regions-b", "endpoint": urls[1], "vocabulary": "b.yaml"},
                              {"name": "stations-csv", "mapping": "stations.ttl"}]}
        (workdir / "sources.yaml").write_text(yaml.safe_dump(config))
        with httpx.Client() as client:
            body, _, plan = Federation(load_sources(workdir / "sources.yaml", client)).query(QUERY)
    finally:
        for server in servers:
            server.should_exit = True
    got = [tuple(r[v]["value"] for v in ("name", "station")) for r in json.loads(body)["results"]["bindings"]]
    truth = _truth(csv)
    section.paragraphs.append("Two store endpoints hold regions (one in schema.org terms, mapped by a vocabulary "
                              "file); a CSV of stations is a third source through an RML mapping. The query joins "
                              f"stations to regions with <code>geof:sfWithin</code>:<pre>{html.escape(QUERY)}</pre>")
    section.paragraphs.append(f"Plan (<code>ai4c federation query --explain</code>):<pre>{html.escape(plan.text())}</pre>")
    section.check("station/region pairs equal to the truth from the raw coordinates", sum((Counter(got) & truth).values()),
                  f"= {sum(truth.values())}", Counter(got) == truth, "{:.0f}")
    return section


def _truth(csv: str) -> Counter:
    """Which station lies strictly inside which 2x2 region, from the raw coordinates."""
    truth = Counter()
    for line in csv.splitlines()[1:]:
        k, wkt = line.split(",", 1)
        x, y = (float(v) for v in wkt.strip('"')[6:-1].split())
        i = int(x // 2)
        if 0 <= i < 6 and 0 < y < 2 and x % 2 != 0:
            truth[(f"Region {i}", f"{EX}station/{k}")] += 1
    return truth
