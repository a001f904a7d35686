"""ai4c.ml."""
