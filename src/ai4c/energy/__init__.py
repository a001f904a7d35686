"""Energy datasets: power plant registries, offshore wind farms, ERA5 wind, turbine data and training sets.

Science only: every function takes data (pandas/geopandas/xarray objects) and returns data; reading and
writing live in `ai4c.products` (registries, ERA5, SCADA) and `ai4c.pipelines.energy`.
"""
