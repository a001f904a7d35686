"""GeoSPARQL's RDFS entailment extension, materialised in one named graph and kept up to date incrementally.

The graph `urn:ai4c:entailment` holds the GeoSPARQL/Simple Features/GML class and property
hierarchy, the rdf:type and property triples RDFS entails from it and from the data's own
rdfs:subClassOf/subPropertyOf axioms. Queries see it because they run with the default graph as the
union of all graphs. (The Geometry extension's computed properties, geo:dimension ..., are answered at
query time: geometry_properties.py.) A load or update adds the consequences of
the added triples (and deletes and re-derives those of removed ones); the whole graph is recomputed
only on request, after a change of the schema axioms, or after a crash.
"""

from __future__ import annotations

import logging

import pyoxigraph as ox

from ai4c.linked.geo.terms import boolean
from ai4c.linked.geo.vocab import DGGS_LITERAL, DGGS_QUAD_LITERAL, GEO, RDF_TYPE, RDFS, SF
from ai4c.linked.geo.vocab import GML_ONT as GML

GRAPH = "urn:ai4c:entailment"
log = logging.getLogger(__name__)

_SF_TREE = {
    "Point": "Geometry", "Curve": "Geometry", "Surface": "Geometry", "GeometryCollection": "Geometry",
    "LineString": "Curve", "Line": "LineString", "LinearRing": "LineString", "Polygon": "Surface",
    "Triangle": "Polygon", "PolyhedralSurface": "Surface", "TIN": "PolyhedralSurface",
    "MultiPoint": "GeometryCollection", "MultiCurve": "GeometryCollection",
    "MultiSurface": "GeometryCollection", "MultiLineString": "MultiCurve", "MultiPolygon": "MultiSurface",
}
_GML_TREE = {
    "Point": "AbstractGeometricPrimitive", "Curve": "AbstractCurve", "LineString": "AbstractCurve",
    "AbstractCurve": "AbstractGeometricPrimitive", "Surface": "AbstractSurface",
    "Polygon": "AbstractSurface", "AbstractSurface": "AbstractGeometricPrimitive",
    "AbstractGeometricPrimitive": "AbstractGeometry", "MultiPoint": "AbstractGeometricAggregate",
    "MultiCurve": "AbstractGeometricAggregate", "MultiSurface": "AbstractGeometricAggregate",
    "AbstractGeometricAggregate": "AbstractGeometry", "AbstractGeometry": "Geometry",
}
_PROPS = {"hasDefaultGeometry": "hasGeometry", "asWKT": "hasSerialization", "asGML": "hasSerialization",
          "asGeoJSON": "hasSerialization", "asKML": "hasSerialization",
          # GeoSPARQL 1.1: geometry roles, DGGS serialisation, sizes
          "hasCentroid": "hasGeometry", "hasBoundingBox": "hasGeometry", "asDGGS": "hasSerialization",
          "hasArea": "hasSize", "hasLength": "hasSize", "hasPerimeterLength": "hasSize", "hasVolume": "hasSize",
          "hasMetricArea": "hasMetricSize", "hasMetricLength": "hasMetricSize",
          "hasMetricPerimeterLength": "hasMetricSize", "hasMetricVolume": "hasMetricSize"}
_GEOMETRY_LINKS = ("hasGeometry", "hasDefaultGeometry", "hasCentroid", "hasBoundingBox")


def ontology() -> list[tuple[str, str, str]]:
    """The GeoSPARQL class and property axioms the entailment regime uses."""
    axioms = [(GEO + "Feature", RDFS + "subClassOf", GEO + "SpatialObject"),
              (GEO + "Geometry", RDFS + "subClassOf", GEO + "SpatialObject"),
              (SF + "Geometry", RDFS + "subClassOf", GEO + "Geometry"),
              (GML + "Geometry", RDFS + "subClassOf", GEO + "Geometry")]
    axioms += [(SF + a, RDFS + "subClassOf", SF + b) for a, b in _SF_TREE.items()]
    axioms += [(GML + a, RDFS + "subClassOf", GML + b) for a, b in _GML_TREE.items()]
    axioms += [(GEO + a, RDFS + "subPropertyOf", GEO + b) for a, b in _PROPS.items()]
    axioms += [(GEO + c, RDFS + "subClassOf", GEO + "SpatialObjectCollection")  # GeoSPARQL 1.1 collections
               for c in ("FeatureCollection", "GeometryCollection")]
    axioms.append((GEO + "SpatialObjectCollection", RDFS + "subClassOf", RDFS + "Container"))
    for prop in _GEOMETRY_LINKS:
        axioms += [(GEO + prop, RDFS + "domain", GEO + "Feature"), (GEO + prop, RDFS + "range", GEO + "Geometry")]
    axioms += [(GEO + p, RDFS + "domain", GEO + "Geometry") for p, parent in _PROPS.items()
               if parent == "hasSerialization"] + [(GEO + "hasSerialization", RDFS + "domain", GEO + "Geometry")]
    axioms += [(GEO + p, RDFS + "domain", GEO + "SpatialObject") for p in ("hasSize", "hasMetricSize")]
    axioms += [(GEO + p, RDFS + "domain", GEO + "Geometry") for p in (  # GeoSPARQL 1.1 geometry metadata
        "hasSpatialResolution", "hasMetricSpatialResolution", "hasSpatialAccuracy", "hasMetricSpatialAccuracy")]
    axioms.append((DGGS_QUAD_LITERAL, RDFS + "subClassOf", DGGS_LITERAL))  # the declared DGGS (Req 35)
    return axioms


_RULES = [
    # rdfs9 and rdfs7 with the transitive closures (rdfs11, rdfs5) as property paths
    f"""CONSTRUCT {{ ?s a ?super }} WHERE {{
          ?s a ?c . ?c <{RDFS}subClassOf>+ ?super . FILTER(isIRI(?super))
          FILTER NOT EXISTS {{ ?s a ?super }} }}""",
    f"""CONSTRUCT {{ ?s ?super ?o }} WHERE {{
          ?p <{RDFS}subPropertyOf>+ ?super . ?s ?p ?o . FILTER(isIRI(?super))
          FILTER NOT EXISTS {{ ?s ?super ?o }} }}""",
    # rdfs2 and rdfs3: domains and ranges
    f"""CONSTRUCT {{ ?s a ?c }} WHERE {{
          ?p <{RDFS}domain> ?c . ?s ?p ?o . FILTER NOT EXISTS {{ ?s a ?c }} }}""",
    f"""CONSTRUCT {{ ?o a ?c }} WHERE {{
          ?p <{RDFS}range> ?c . ?s ?p ?o . FILTER(!isLiteral(?o)) FILTER NOT EXISTS {{ ?o a ?c }} }}""",
]


# Entailed triples that queries derive themselves (query_time.py), dropped after a full recompute as the
# incremental rules (Schema.rule) never write them: geo:SpatialObject membership of features and
# geometries, geo:hasSerialization of the built-in serialisations.
_SERIAL = "|".join(f"<{GEO}{s}>" for s in ("asWKT", "asGML", "asGeoJSON", "asKML", "asDGGS"))
_ANSWERED_AT_QUERY_TIME = [
    f"""DELETE {{ GRAPH <{GRAPH}> {{ ?x a <{GEO}SpatialObject> }} }} WHERE {{ GRAPH <{GRAPH}> {{
          ?x a <{GEO}SpatialObject> }} VALUES ?c {{ <{GEO}Feature> <{GEO}Geometry> }}
          {{ ?x a ?c }} UNION {{ GRAPH ?g {{ ?x a ?c }} }} }}""",
    f"""DELETE {{ GRAPH <{GRAPH}> {{ ?s <{GEO}hasSerialization> ?o }} }} WHERE {{ GRAPH <{GRAPH}> {{
          ?s <{GEO}hasSerialization> ?o }} {{ ?s ({_SERIAL}) ?o }} UNION {{ GRAPH ?g {{ ?s ({_SERIAL}) ?o }} }} }}""",
]
_SERIALISATIONS = frozenset(ox.NamedNode(GEO + s) for s in ("asWKT", "asGML", "asGeoJSON", "asKML", "asDGGS"))
_HAS_SERIALIZATION = ox.NamedNode(GEO + "hasSerialization")
_SPATIAL_OBJECT = ox.NamedNode(GEO + "SpatialObject")
_SUBCLASSES = frozenset(ox.NamedNode(GEO + c) for c in ("Feature", "Geometry"))
UP_TO_DATE = ox.Quad(ox.NamedNode(GRAPH), ox.NamedNode("urn:ai4c:upToDate"), boolean(True), ox.NamedNode(GRAPH))
SCHEMA_PREDICATES = frozenset(RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range"))
BULK = 10_000  # bulk writes cost ~0.1 s each whatever their size: small ones go in a transaction
_TYPE = ox.NamedNode(RDF_TYPE)


def is_up_to_date(store: ox.Store) -> bool:
    """Whether the entailment graph reflects the store (False after changes made with entailment off)."""
    return UP_TO_DATE in store


def mark_outdated(store: ox.Store) -> None:
    """Record that the store changed without its entailment graph being kept up to date."""
    store.remove(UP_TO_DATE)


def refresh(store: ox.Store) -> None:
    """Recompute the whole entailment graph from the store's content (on request, after a schema change
    or a crash)."""
    graph = ox.NamedNode(GRAPH)
    store.update(f"DROP SILENT GRAPH <{GRAPH}>")
    store.extend([ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), graph) for s, p, o in ontology()])
    for _ in range(3):  # subproperties entail domains, domains entail superclasses: three rounds
        for rule in _RULES:
            triples = set(store.query(rule, use_default_graph_as_union=True))
            store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
    for update in _ANSWERED_AT_QUERY_TIME:
        store.update(update)
    store.add(UP_TO_DATE)


class Schema:
    """The class and property hierarchy (GeoSPARQL's and the data's own axioms), closed transitively,
    in Python dictionaries so that each added triple's consequences cost a few look-ups."""

    def __init__(self, store: ox.Store) -> None:
        edges: dict[str, dict] = {p: {} for p in SCHEMA_PREDICATES}
        for predicate, targets in edges.items():
            for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                targets.setdefault(quad.subject, set()).add(quad.object)
        self.superclasses = _closure(edges[RDFS + "subClassOf"])
        self.superproperties = _closure(edges[RDFS + "subPropertyOf"])
        self.domains = edges[RDFS + "domain"]
        self.ranges = edges[RDFS + "range"]
        self.active = set(self.superproperties) | set(self.domains) | set(self.ranges) | {_TYPE}
        self._rules: dict[tuple, tuple] = {}

    def entailable(self) -> set:
        """The predicates of entailed triples: rdf:type, every super-property and the schema predicates (the
        GeoSPARQL axioms and the closure of the hierarchy live in the entailment graph)."""
        supers = set().union(*self.superproperties.values()) if self.superproperties else set()
        return {_TYPE, *supers, *(ox.NamedNode(p) for p in SCHEMA_PREDICATES)}

    def rule(self, p, o) -> tuple[tuple, tuple, tuple]:
        """(super-properties, subject classes, object classes) entailed by any triple with predicate `p` and
        this kind of object (its class for rdf:type; literal or not otherwise); computed once each."""
        key = (p, o) if p == _TYPE else (p, isinstance(o, ox.Literal))
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = self._rule(p, o)
        return found

    def _rule(self, p, o) -> tuple[tuple, tuple, tuple]:
        supers = self.superproperties.get(p, set()) if p in self.active else set()
        subject_types: set = set()
        object_types: set = set()
        if p == _TYPE:
            subject_types |= self.superclasses.get(o, set())
        for q in (p, *supers) if p in self.active else ():
            for c in self.domains.get(q, ()):
                subject_types |= {c, *self.superclasses.get(c, ())}
            if not isinstance(o, ox.Literal):
                for c in self.ranges.get(q, ()):
                    object_types |= {c, *self.superclasses.get(c, ())}
        if p in _SERIALISATIONS or supers & _SERIALISATIONS:
            supers = supers - {_HAS_SERIALIZATION}  # answered at query time (query_time.py)
        for types in (subject_types, object_types):
            if types & _SUBCLASSES or (types is subject_types and p == _TYPE and o in _SUBCLASSES):
                types.discard(_SPATIAL_OBJECT)  # likewise
        return (tuple(q for q in supers if isinstance(q, ox.NamedNode)),
                tuple(c for c in subject_types if not isinstance(c, ox.Literal)),
                tuple(c for c in object_types if not isinstance(c, ox.Literal)))

    def consequences(self, s, p, o) -> set[tuple]:
        """The (s, p, o) triples RDFS entails from one triple with this schema (rdfs2, 3, 5, 7, 9, 11)."""
        if p not in self.active:
            return set()
        supers, subject_types, object_types = self.rule(p, o)
        return {*((s, q, o) for q in supers), *((s, _TYPE, c) for c in subject_types),
                *((o, _TYPE, c) for c in object_types)}

    def text_consequences(self, quads, suffix: str) -> tuple[set[str], set[tuple]]:
        """The consequences of many quads (outside the entailment graph) as N-Quads lines ending in
        `suffix`, and their kinds (see `kind`); the fast path of a bulk load: quads grouped by rule."""
        graph = ox.NamedNode(GRAPH)
        groups: dict[tuple, list] = {}
        for quad in quads:
            p = quad.predicate
            if p in self.active and quad.graph_name != graph:
                o = quad.object
                groups.setdefault((p, o) if p == _TYPE else (p, isinstance(o, ox.Literal)), []).append(quad)
        lines: set[str] = set()
        kinds: set[tuple] = set()
        for group in groups.values():
            supers, subject_types, object_types = self.rule(group[0].predicate, group[0].object)
            subjects = [str(q.subject) for q in group] if supers or subject_types else []
            objects = [str(q.object) for q in group] if supers or object_types else []
            for q in supers:
                middle = f" {q} "
                lines.update([s + middle + o + suffix for s, o in zip(subjects, objects, strict=True)])
            for nodes, classes in ((subjects, subject_types), (objects, object_types)):
                for c in classes:
                    tail = f" <{RDF_TYPE}> {c}{suffix}"
                    lines.update([n + tail for n in nodes])
            kinds |= {(q,) for q in supers} | {(_TYPE, c) for c in (*subject_types, *object_types)}
        return lines, kinds


def _closure(edges: dict) -> dict:
    """node -> every node reachable through one or more edges (excluding non-IRI targets' absence)."""
    out: dict = {}
    for start in edges:
        seen: set = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        out[start] = {n for n in seen if isinstance(n, ox.NamedNode)}
    return out


def touches_schema(quads) -> bool:
    """Whether a change adds or removes schema axioms (then the whole graph is recomputed)."""
    return any(q.predicate.value in SCHEMA_PREDICATES for q in quads)


def derive(schema: Schema, quads) -> set[tuple]:
    """The (s, p, o) triples RDFS entails from quads outside the entailment graph (the delta of each rule)."""
    graph = ox.NamedNode(GRAPH)
    derived: set[tuple] = set()
    for quad in quads:
        if quad.graph_name != graph:
            derived |= schema.consequences(quad.subject, quad.predicate, quad.object)
    return derived


def stale_copies(store: ox.Store, schema: Schema, quads) -> list[ox.Quad]:
    """Entailed copies of newly asserted triples (to drop: the union default graph would answer twice)."""
    graph = ox.NamedNode(GRAPH)
    entailable = schema.entailable()
    copies = (ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads
              if q.graph_name != graph and q.predicate in entailable)
    return [copy for copy in copies if copy in store]


def consequences(store: ox.Store, schema: Schema, quads) -> list[ox.Quad]:
    """What RDFS entails from newly added quads (already in the store), for the entailment graph;
    entailed copies of the newly asserted triples are dropped from it (no duplicate answers)."""
    for quad in stale_copies(store, schema, quads):
        store.remove(quad)
    graph = ox.NamedNode(GRAPH)
    return unstated(store, [ox.Quad(s, p, o, graph) for s, p, o in derive(schema, quads)])


def unstated(store: ox.Store, quads: list[ox.Quad]) -> list[ox.Quad]:
    """The derived quads the default graph does not assert; only kinds of which the default graph asserts at least one cost a look-up each."""
    asserted = asserted_kinds(store, {kind(q.predicate, q.object) for q in quads})
    if not asserted:
        return quads
    return [q for q in quads if kind(q.predicate, q.object) not in asserted or not stated(store, q)]


def kind(p, o) -> tuple:
    """(rdf:type, class) for type triples, (property,) for others: what one look-up can rule out."""
    return (p, o) if p == _TYPE else (p,)


def asserted_kinds(store: ox.Store, kinds: set[tuple]) -> set[tuple]:
    """The kinds of derived triples of which the default graph asserts at least one: only triples of
    those kinds need a look-up each (a dataset rarely asserts geo:SpatialObject membership itself)."""
    out = set()
    for one in kinds:
        obj = one[1] if len(one) == 2 else None
        if next(iter(store.quads_for_pattern(None, one[0], obj, ox.DefaultGraph())), None) is not None:
            out.add(one)
    return out


def write(store: ox.Store, quads: list) -> None:
    """Add derived quads (bulk: a crash is covered by the store's stale marker, which recomputes them)."""
    if len(quads) > BULK:
        store.bulk_extend(quads)
    elif quads:
        store.extend(quads)


def retract(store: ox.Store, schema: Schema, quads) -> None:
    """Bring the entailment graph up to date after quads were removed: the entailments of every node a
    removed triple touched are deleted and derived again from what remains (delete and re-derive)."""
    graph = ox.NamedNode(GRAPH)
    nodes: set = set()
    for quad in quads:
        for s, _, _ in schema.consequences(quad.subject, quad.predicate, quad.object):
            nodes.add(s)
    for node in nodes:
        for quad in list(store.quads_for_pattern(node, None, None, graph)):
            store.remove(quad)
    derived: set[tuple] = set()
    ranged = [p for p in schema.active
              if p in schema.ranges or schema.superproperties.get(p, set()) & set(schema.ranges)]
    for node in nodes:
        for quad in store.quads_for_pattern(node, None, None, None):
            if quad.graph_name != graph:
                derived |= {c for c in schema.consequences(quad.subject, quad.predicate, quad.object) if c[0] == node}
        for p in ranged:
            for quad in store.quads_for_pattern(None, p, node, None):
                if quad.graph_name != graph:
                    derived |= {c for c in schema.consequences(quad.subject, quad.predicate, quad.object)
                                if c[0] == node}
    write(store, unstated(store, [ox.Quad(s, p, o, graph) for s, p, o in derived]))


def stated(store: ox.Store, quad: ox.Quad) -> bool:
    """Whether the default graph asserts the derived triple."""
    return ox.Quad(quad.subject, quad.predicate, quad.object) in store
