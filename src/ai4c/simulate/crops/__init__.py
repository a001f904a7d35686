"""Simulated crop truth: per-class phenology, acquisition/cloud sky, the TimeSen2Crop dataset."""
