"""Sextant's data side: SPARQL results and vector files as map features with time, compact payloads
for large layers, and map documents (the JSON a map is saved as)."""
