"""Scene simulator: a known truth rendered into products in their native formats (tests, demo, `ai4c simulate`).

Grouped by product: `scene/` (the shared truth: land cover, DEM, clouds, MGRS tiles, noise), `s1/` (GRD SAFE),
`s2/` (L1C/L2A SAFE, change pairs, time series, REFBOA), `crops/` (phenology, TimeSen2Crop), `s5p` and `cams`.
"""
