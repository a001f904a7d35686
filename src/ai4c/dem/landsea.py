"""Land/sea masks from a DEM with SNAP's SRTM 3Sec rule: elevation 0 or void is sea, anything else land."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ai4c.core.errors import DependencyMissingError, check_choice

LANDSEA_CHOICES = ("Land", "Sea", "None")


def land_mask(elevation: xr.DataArray) -> xr.DataArray:
    """True on land: elevation known (not NaN) and different from 0."""
    return (np.isfinite(elevation) & (elevation != 0)).rename("land")


def check_landsea(landseamask: str | None, dem) -> str:
    """Validate `--landseamask` and require a DEM when a mask is asked for."""
    choice = check_choice("landseamask", landseamask or "None", LANDSEA_CHOICES)
    if choice != "None" and not dem:
        raise DependencyMissingError(
            f"--landseamask {choice} needs a DEM: give --dem PATH (a GeoTIFF/VRT, or a folder of SRTM 3Sec .hgt "
            "tiles covering the scene)")
    return choice


def removed_by(choice: str, land: xr.DataArray) -> xr.DataArray:
    """The pixels a land/sea mask sets to no data: 'Sea' removes the sea, 'Land' removes the land."""
    return ~land if choice == "Sea" else land
