"""VoID/SEVOD-style source statistics gathered with SPARQL queries, and their Turtle form."""

from __future__ import annotations

from dataclasses import dataclass, field

from ai4c.linked.federation.terms import iri_value, literal_parts
from ai4c.linked.geo.vocab import CRS84, GEO, RDF_TYPE

VOID = "http://rdfs.org/ns/void#"
SEVOD = "http://rdf.iit.demokritos.gr/2013/sevod#"
AI4C = "https://ai4c.eu/ns/federation#"

_PREDICATES = ("SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do) "
               "WHERE { ?s ?p ?o } GROUP BY ?p")
_CLASSES = f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF_TYPE}> ?c }} GROUP BY ?c"
_AUTHORITIES = ('SELECT DISTINCT ?p ?a WHERE {{ ?s ?p ?o FILTER(isIRI(?{0})) '
                'BIND(REPLACE(STR(?{0}), "^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*).*$", "$1") AS ?a) }}')
_GEOMETRIES = f"SELECT DISTINCT ?w WHERE {{ ?g <{GEO}asWKT> ?w }}"
_TIMES = ("SELECT (MIN(?o) AS ?lo) (MAX(?o) AS ?hi) WHERE { ?s ?p ?o FILTER(datatype(?o) = "
          "<http://www.w3.org/2001/XMLSchema#dateTime>) }")


@dataclass
class PredicateStats:
    triples: int
    subjects: int
    objects: int
    subject_authorities: set[str] = field(default_factory=set)
    object_authorities: set[str] = field(default_factory=set)


@dataclass
class Summary:
    """What a source holds: triple count, per-predicate statistics, classes, spatial and time extents."""

    name: str
    endpoint: str = ""
    triples: int = 0
    predicates: dict[str, PredicateStats] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    extent: tuple[float, float, float, float] | None = None
    crs: list[str] = field(default_factory=list)
    time_extent: tuple[str, str] | None = None


def _int(term: str) -> int:
    return int(literal_parts(term)[0])


def summarize(source, endpoint: str = "") -> Summary:
    """Statistics of one source (anything with `select(query)`), from a handful of aggregate queries."""
    summary = Summary(source.name, endpoint)
    for row in source.select(_PREDICATES):
        if "p" in row:
            summary.predicates[iri_value(row["p"])] = PredicateStats(_int(row["n"]), _int(row["ds"]), _int(row["do"]))
    summary.triples = sum(p.triples for p in summary.predicates.values())
    for row in source.select(_CLASSES):
        if row.get("c", "").startswith("<"):
            summary.classes[iri_value(row["c"])] = _int(row["n"])
    for position, attribute in (("s", "subject_authorities"), ("o", "object_authorities")):
        for row in source.select(_AUTHORITIES.format(position)):
            stats = summary.predicates.get(iri_value(row.get("p", "<>")))
            if stats is not None and "a" in row:
                getattr(stats, attribute).add(literal_parts(row["a"])[0])
    if GEO + "asWKT" in summary.predicates:
        summary.extent, summary.crs = geometry_extent(literal_parts(r["w"])[0] for r in source.select(_GEOMETRIES)
                                                      if "w" in r)
    times = source.select(_TIMES)
    if times and "lo" in times[0]:
        summary.time_extent = (literal_parts(times[0]["lo"])[0], literal_parts(times[0]["hi"])[0])
    return summary


def parse_wkt(text: str):
    """(shapely geometry in CRS84 longitude/latitude, CRS IRI) of a geo:wktLiteral; None when unreadable."""
    import shapely
    from pyproj import CRS, Transformer

    text = text.strip()
    crs = CRS84
    if text.startswith("<"):
        crs, text = text[1:text.index(">")], text[text.index(">") + 1:].strip()
    try:
        geometry = shapely.from_wkt(text)
    except Exception:  # shapely raises GEOSException for bad WKT
        return None, crs
    if crs != CRS84:
        try:
            transformer = Transformer.from_crs(CRS.from_user_input(crs.rsplit("/", 2)[-2] + ":" + crs.rsplit("/", 1)[-1]
                                                                    if "/def/crs/" in crs else crs),
                                               "OGC:CRS84", always_xy=False)
            geometry = shapely.ops.transform(lambda x, y, z=None: transformer.transform(x, y), geometry)
        except Exception:  # unknown CRS: no extent from this geometry
            return None, crs
    return geometry, crs


def geometry_extent(texts) -> tuple[tuple[float, float, float, float] | None, list[str]]:
    """The CRS84 bounding box of WKT literals and the CRSs they use."""
    import shapely.ops  # noqa: F401  (shapely.ops.transform in parse_wkt)

    bounds, crss = None, set()
    for text in texts:
        geometry, crs = parse_wkt(text)
        crss.add(crs)
        if geometry is None or geometry.is_empty:
            continue
        b = geometry.bounds
        bounds = b if bounds is None else (min(bounds[0], b[0]), min(bounds[1], b[1]),
                                           max(bounds[2], b[2]), max(bounds[3], b[3]))
    return bounds, sorted(crss)


def to_turtle(summaries: list[Summary]) -> str:
    """VoID/SEVOD Turtle describing the sources."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, XSD

    void, sevod, ai4c = Namespace(VOID), Namespace(SEVOD), Namespace(AI4C)
    graph = Graph()
    graph.bind("void", void)
    graph.bind("sevod", sevod)
    graph.bind("ai4c", ai4c)
    for summary in summaries:
        dataset = URIRef(f"urn:ai4c:source:{summary.name}")
        graph.add((dataset, RDF.type, void.Dataset))
        graph.add((dataset, ai4c.name, Literal(summary.name)))
        if summary.endpoint:
            graph.add((dataset, void.sparqlEndpoint, URIRef(summary.endpoint)))
        graph.add((dataset, void.triples, Literal(summary.triples)))
        for iri, stats in sorted(summary.predicates.items()):
            part = BNode()
            graph.add((dataset, void.propertyPartition, part))
            graph.add((part, void.property, URIRef(iri)))
            graph.add((part, void.triples, Literal(stats.triples)))
            graph.add((part, void.distinctSubjects, Literal(stats.subjects)))
            graph.add((part, void.distinctObjects, Literal(stats.objects)))
            for value in sorted(stats.subject_authorities):
                graph.add((part, sevod.subjectRegexPattern, Literal(value)))
            for value in sorted(stats.object_authorities):
                graph.add((part, sevod.objectRegexPattern, Literal(value)))
        for iri, count in sorted(summary.classes.items()):
            part = BNode()
            graph.add((dataset, void.classPartition, part))
            graph.add((part, void["class"], URIRef(iri)))
            graph.add((part, void.entities, Literal(count)))
        if summary.extent is not None:
            x0, y0, x1, y1 = summary.extent
            box = f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"
            graph.add((dataset, ai4c.spatialExtent, Literal(box, datatype=URIRef(GEO + "wktLiteral"))))
        for crs in summary.crs:
            graph.add((dataset, ai4c.crs, URIRef(crs)))
        if summary.time_extent is not None:
            graph.add((dataset, ai4c.timeMin, Literal(summary.time_extent[0], datatype=XSD.dateTime)))
            graph.add((dataset, ai4c.timeMax, Literal(summary.time_extent[1], datatype=XSD.dateTime)))
    return graph.serialize(format="turtle")


def from_turtle(text: str) -> list[Summary]:
    """Summaries read back from `to_turtle`'s output."""
    import shapely
    from rdflib import Graph, Namespace
    from rdflib.namespace import RDF

    void, sevod, ai4c = Namespace(VOID), Namespace(SEVOD), Namespace(AI4C)
    graph = Graph().parse(data=text, format="turtle")
    summaries = []
    for dataset in graph.subjects(RDF.type, void.Dataset):
        summary = Summary(str(graph.value(dataset, ai4c.name)), str(graph.value(dataset, void.sparqlEndpoint) or ""),
                          int(graph.value(dataset, void.triples) or 0))
        for part in graph.objects(dataset, void.propertyPartition):
            summary.predicates[str(graph.value(part, void.property))] = PredicateStats(
                int(graph.value(part, void.triples)), int(graph.value(part, void.distinctSubjects)),
                int(graph.value(part, void.distinctObjects)),
                {str(v) for v in graph.objects(part, sevod.subjectRegexPattern)},
                {str(v) for v in graph.objects(part, sevod.objectRegexPattern)})
        for part in graph.objects(dataset, void.classPartition):
            summary.classes[str(graph.value(part, void["class"]))] = int(graph.value(part, void.entities))
        box = graph.value(dataset, ai4c.spatialExtent)
        if box is not None:
            summary.extent = shapely.from_wkt(str(box)).bounds
        summary.crs = sorted(str(v) for v in graph.objects(dataset, ai4c.crs))
        lo, hi = graph.value(dataset, ai4c.timeMin), graph.value(dataset, ai4c.timeMax)
        if lo is not None and hi is not None:
            summary.time_extent = (str(lo), str(hi))
        summaries.append(summary)
    return summaries
