"""Simulated Sentinel-2 products (SAFE L1C/L2A, change pairs, time series, REFBOA composites) from a known truth."""
