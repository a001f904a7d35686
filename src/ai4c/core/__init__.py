"""Foundations shared by every service: AoI, target grid, raster I/O, STAC, errors, progress, graphs."""
