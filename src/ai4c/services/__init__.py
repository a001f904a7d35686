"""ai4c.services."""
