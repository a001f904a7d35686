"""Atmospheric-composition analyses on Sentinel-5P swaths (plain numpy/shapely functions)."""
