"""What GeoTriples (linked.mapping) and the GeoSPARQL store (linked.store) share: vocabularies, CRS
handling, geometry literals in every serialisation (WKT, GML, GeoJSON, KML) and RDF term makers."""
