"""Product catalogues: one search model over the local index, resto OpenSearch, CDSE OData and STAC APIs."""
