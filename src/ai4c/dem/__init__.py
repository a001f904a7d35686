"""ai4c.dem."""
