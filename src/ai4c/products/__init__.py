"""Native-format readers (SAFE, NetCDF, CSV datasets); they never compute science."""
