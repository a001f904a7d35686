"""ai4c.sar."""
