"""Simulated Sentinel-1 GRD products in the SAFE layout, from a known truth."""
