"""ai4c.linked."""
