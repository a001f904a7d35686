"""Human features from OpenStreetMap: the declarative feature model, tag rules, normalisation, cleansing."""
