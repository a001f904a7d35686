"""Namespaces and datatype IRIs of GeoSPARQL, Simple Features, stRDF, RDF(S), XSD and OGC units (one place)."""

from __future__ import annotations

GEO = "http://www.opengis.net/ont/geosparql#"
GEOF = "http://www.opengis.net/def/function/geosparql/"
SF = "http://www.opengis.net/ont/sf#"
GML_ONT = "http://www.opengis.net/ont/gml#"
STRDF = "http://strdf.di.uoa.gr/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
UOM = "http://www.opengis.net/def/uom/OGC/1.0/"
RDF_TYPE = RDF + "type"

WKT_LITERAL = GEO + "wktLiteral"
GML_LITERAL = GEO + "gmlLiteral"
GEOJSON_LITERAL = GEO + "geoJSONLiteral"
KML_LITERAL = GEO + "kmlLiteral"
STRDF_WKT = STRDF + "WKT"
STRDF_GML = STRDF + "GML"
STRDF_WKT_LITERAL = STRDF + "WktLiteral"
DGGS_LITERAL = GEO + "dggsLiteral"  # GeoSPARQL 1.1's generic DGGS datatype; specific DGGSes specialise it
DGGS_QUAD_GRID = "https://ai4c.eu/ns/dggs/LonLatQuad"  # the store's declared DGGS (linked/geo/dggs.py)
DGGS_QUAD_LITERAL = "https://ai4c.eu/ns/dggs#lonLatQuadLiteral"
GEOMETRY_DATATYPES = frozenset({WKT_LITERAL, GML_LITERAL, GEOJSON_LITERAL, KML_LITERAL, STRDF_WKT, STRDF_GML,
                                STRDF_WKT_LITERAL, DGGS_LITERAL, DGGS_QUAD_LITERAL})

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"
