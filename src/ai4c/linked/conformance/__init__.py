"""Conformance runners: the RML test cases (`rml`) and the GeoSPARQL/Strabon/Oxigraph suites (`geosparql`)."""
