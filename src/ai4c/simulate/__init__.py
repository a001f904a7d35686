"""ai4c.simulate."""
