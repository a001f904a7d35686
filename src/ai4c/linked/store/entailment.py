"""GeoSPARQL's RDFS entailment extension, materialised in one named graph after every change.

The graph `urn:ai4c:entailment` holds the GeoSPARQL/Simple Features/GML class and property
hierarchy, the rdf:type and property triples RDFS entails from it and from the data's own
rdfs:subClassOf/subPropertyOf axioms, and the Geometry extension's computed properties
(geo:dimension, coordinateDimension, spatialDimension, isEmpty, isSimple). Queries see it because
they run with the default graph as the union of all graphs.
"""

from __future__ import annotations

import logging

import pyoxigraph as ox
import shapely

from ai4c.linked.geo.terms import boolean, integer
from ai4c.linked.geo.vocab import GEO, GEOMETRY_DATATYPES, RDFS, SF
from ai4c.linked.geo.vocab import GML_ONT as GML
from ai4c.linked.store.geof import is_simple

GRAPH = "urn:ai4c:entailment"
MAX_GEOMETRY_PROPERTIES = 20_000
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
          "asGeoJSON": "hasSerialization", "asKML": "hasSerialization"}


def ontology() -> list[tuple[str, str, str]]:
    """The GeoSPARQL class and property axioms the entailment regime uses."""
    axioms = [(GEO + "Feature", RDFS + "subClassOf", GEO + "SpatialObject"),
              (GEO + "Geometry", RDFS + "subClassOf", GEO + "SpatialObject"),
              (SF + "Geometry", RDFS + "subClassOf", GEO + "Geometry"),
              (GML + "Geometry", RDFS + "subClassOf", GEO + "Geometry")]
    axioms += [(SF + a, RDFS + "subClassOf", SF + b) for a, b in _SF_TREE.items()]
    axioms += [(GML + a, RDFS + "subClassOf", GML + b) for a, b in _GML_TREE.items()]
    axioms += [(GEO + a, RDFS + "subPropertyOf", GEO + b) for a, b in _PROPS.items()]
    for prop in ("hasGeometry", "hasDefaultGeometry"):
        axioms += [(GEO + prop, RDFS + "domain", GEO + "Feature"), (GEO + prop, RDFS + "range", GEO + "Geometry")]
    axioms += [(GEO + p, RDFS + "domain", GEO + "Geometry") for p in ("hasSerialization", *_PROPS)
               if p != "hasDefaultGeometry"]
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


def refresh(store: ox.Store, index) -> None:
    """Recompute the entailment graph from the store's current content."""
    graph = ox.NamedNode(GRAPH)
    store.update(f"DROP SILENT GRAPH <{GRAPH}>")
    store.extend([ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), graph) for s, p, o in ontology()])
    for _ in range(3):  # subproperties entail domains, domains entail superclasses: three rounds
        for rule in _RULES:
            triples = set(store.query(rule, use_default_graph_as_union=True))
            store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
    _geometry_properties(store, index, graph)


def _geometry_properties(store: ox.Store, index, graph: ox.NamedNode) -> None:
    """geo:dimension, coordinateDimension, spatialDimension, isEmpty, isSimple of each geometry node."""
    data = index.data()
    if len(data.geoms) > MAX_GEOMETRY_PROPERTIES:
        log.info("%d geometries: computed geometry properties skipped", len(data.geoms))
        return
    quads = []
    done: set = set()
    for subject_text, predicate, geom in zip(data.subjects, data.predicates, data.geoms, strict=True):
        if not predicate.startswith(GEO) or subject_text in done or not subject_text.startswith("<"):
            continue
        done.add(subject_text)
        subject = ox.NamedNode(subject_text[1:-1])
        dim = 0 if geom.is_empty else int(shapely.get_dimensions(geom))
        cdim = int(shapely.get_coordinate_dimension(geom)) if not geom.is_empty else 2
        values = {"dimension": integer(dim), "coordinateDimension": integer(cdim),
                  "spatialDimension": integer(cdim), "isEmpty": boolean(geom.is_empty),
                  "isSimple": boolean(is_simple(geom))}
        quads += [ox.Quad(subject, ox.NamedNode(GEO + k), v, graph) for k, v in values.items()
                  if not _has(store, subject, GEO + k)]
    if quads:
        store.extend(quads)


def _has(store: ox.Store, subject, predicate: str) -> bool:
    """Whether any graph already states a value of this property for the subject."""
    return next(iter(store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)), None) is not None


def geometry_datatypes() -> set[str]:
    """The literal datatypes treated as geometries (for documentation and tests)."""
    return set(GEOMETRY_DATATYPES)
