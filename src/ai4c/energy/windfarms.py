"""Offshore wind farm layers (EMODnet Human Activities or any vector file) in one attribute schema."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from ai4c.energy import vocabulary

# canonical attribute -> spellings met in EMODnet's layers and other wind farm files (case-insensitive)
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "name": ("name", "site_name", "wind_farm", "windfarm", "title"),
    "status": ("status", "phase", "project_status"),
    "capacity_mw": ("power_mw", "capacity_mw", "capacity", "power", "mw"),
    "turbines": ("n_turbines", "turbines", "number_of_turbines", "nturbines", "turbine_count"),
    "country": ("country", "countries"),
    "year": ("year", "year_commissioned", "commissioning_year"),
}


def _column(frame: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    lowered = {re.sub(r"\s+", "_", str(c).strip().lower()): c for c in frame.columns}
    return next((lowered[a] for a in aliases if a in lowered), None)


def normalise(frame: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """Wind farms with name, status (vocabulary), capacity (MW), turbine count, country and year columns,
    geometry in EPSG:4326; other attributes kept after them."""
    frame = frame.to_crs("EPSG:4326") if frame.crs else frame.set_crs("EPSG:4326")
    found = {name: _column(frame, aliases) for name, aliases in ATTRIBUTES.items()}
    out = pd.DataFrame({name: frame[c] if c is not None else None for name, c in found.items()}, index=frame.index)
    out["status_label"] = out["status"].astype(str).where(out["status"].notna(), "")
    out["status"] = out["status_label"].map(vocabulary.status)
    for number in ("capacity_mw", "turbines", "year"):
        out[number] = pd.to_numeric(out[number], errors="coerce")
    out["turbines"] = out["turbines"].astype("Int64")
    out["year"] = out["year"].astype("Int64")
    out["source"] = source
    used = {c for c in found.values() if c is not None} | {frame.geometry.name}
    result = pd.concat([out, frame.drop(columns=list(used))], axis=1)
    return gpd.GeoDataFrame(result, geometry=frame.geometry.values, crs="EPSG:4326")
