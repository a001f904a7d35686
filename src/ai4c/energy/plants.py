"""Unit- and plant-level views of a power plant registry, and the selections users ask for."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ai4c.core.aoi import AoI
from ai4c.core.log import warn
from ai4c.energy.vocabulary import check_types


def units_frame(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """The unit table as points in EPSG:4326; units without valid coordinates are dropped with a count."""
    valid = table["lat"].between(-90, 90) & table["lon"].between(-180, 180)
    dropped = int((~valid).sum())
    if dropped:
        names = (table["unit_id"].where(table["unit_id"] != "", table["plant_id"] + "/" + table["unit_name"]))
        warn(f"{dropped} units without valid coordinates skipped (e.g. "
             f"{', '.join(names[~valid].astype(str).head(3))})")
    kept = table[valid].reset_index(drop=True)
    return gpd.GeoDataFrame(kept, geometry=gpd.points_from_xy(kept["lon"], kept["lat"]), crs="EPSG:4326")


def plants_frame(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per plant: summed unit capacity, the registry's plant capacity, the dominant type."""
    dominant = (units.sort_values("capacity_mw", ascending=False, na_position="last")
                .drop_duplicates("plant_id").set_index("plant_id"))
    grouped = units.groupby("plant_id", sort=True)
    plants = pd.DataFrame({
        "plant_name": dominant["plant_name"],
        "type": dominant["type"],
        "types": grouped["type"].agg(lambda t: ",".join(sorted(set(t)))),
        "capacity_mw": grouped["capacity_mw"].sum(min_count=1),
        "registry_capacity_mw": grouped["plant_capacity_mw"].first(),
        "units": grouped.size(),
        "operating_units": grouped["status"].agg(lambda s: int((s == "operating").sum())),
        "year_commissioned": grouped["year_commissioned"].min(),
        "country": dominant["country"],
        "lat": grouped["lat"].mean(),
        "lon": grouped["lon"].mean(),
        "source": dominant["source"],
    }).reset_index()
    return gpd.GeoDataFrame(plants, geometry=gpd.points_from_xy(plants["lon"], plants["lat"]), crs="EPSG:4326")


def select(frame: gpd.GeoDataFrame, *, types: Sequence[str] = (), countries: Sequence[str] = (),
           min_capacity: float | None = None, aoi: AoI | None = None,
           statuses: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """Rows matching every given filter (types from the vocabulary, countries case-insensitive)."""
    keep = np.ones(len(frame), dtype=bool)
    if types:
        keep &= frame["type"].isin(check_types(list(types))).to_numpy()
    if countries:
        wanted = {c.strip().lower() for c in countries}
        keep &= frame["country"].str.lower().isin(wanted).to_numpy()
    if min_capacity is not None:
        keep &= (frame["capacity_mw"] >= min_capacity).fillna(False).to_numpy()
    if statuses:
        keep &= frame["status"].isin(list(statuses)).to_numpy() if "status" in frame else keep
    if aoi is not None:
        area = aoi.to_crs(frame.crs)
        shapely.prepare(area)
        keep &= shapely.intersects(area, frame.geometry.to_numpy())
    return frame[keep].reset_index(drop=True)
