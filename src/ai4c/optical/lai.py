"""Leaf area index from surface reflectance: the SAVI-based empirical model of METRIC.

LAI = -ln((0.69 - SAVI) / 0.59) / 0.91 with SAVI = 1.5 (NIR - RED) / (NIR + RED + 0.5), clipped to
0..6 (SAVI >= 0.687 saturates at 6); Allen, Tasumi & Trezza (2007), "Satellite-based energy balance
for mapping evapotranspiration with internalized calibration (METRIC) - Model", J. Irrig. Drain. Eng.
133(4), eq. 23. A light, documented stand-in for SNAP's neural-network biophysical processor: good
enough to flag vegetation and, above all, to carry the cloud mask (invalid LAI) into monthlycomposite.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

LAI_MAX = 6.0
LAI_NODATA = -999.0


def savi(red: xr.DataArray, nir: xr.DataArray, soil: float = 0.5) -> xr.DataArray:
    """Soil-adjusted vegetation index (Huete 1988) of reflectances in 0..1."""
    return (1.0 + soil) * (nir - red) / (nir + red + soil)


def lai_metric(red: xr.DataArray, nir: xr.DataArray) -> xr.DataArray:
    """LAI (m2/m2, 0..6) by METRIC's SAVI formula; NaN where a reflectance is NaN."""
    index = savi(red, nir)
    lai = -np.log((0.69 - index.clip(max=0.687)) / 0.59) / 0.91
    return lai.where(index < 0.687, LAI_MAX).clip(0.0, LAI_MAX).where(red.notnull() & nir.notnull()).rename("LAI")
