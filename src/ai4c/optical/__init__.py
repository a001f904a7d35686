"""ai4c.optical."""
