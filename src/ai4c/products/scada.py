"""Wind turbine operational exports (SCADA CSVs, Hywind/POD style): one CSV per turbine or per farm.

Column names vary between operators; each canonical column is found among common spellings, with
power in MW converted to kW. A per-turbine file without a turbine column takes its id from the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.products.powerplants import read_csv_text

ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("timestamp", "time", "datetime", "date_time", "date and time", "time stamp", "date"),
    "power_kw": ("power_kw", "active_power_kw", "power", "active_power", "power (kw)", "p_kw", "power_mw",
                 "active power (kw)", "power (mw)"),
    "wind_speed": ("wind_speed", "windspeed", "ws", "wind speed (m/s)", "wind speed", "wind_speed_ms"),
    "status": ("status", "state", "operating_state", "turbine status"),
    "turbine": ("turbine", "turbine_id", "wtg", "asset", "asset_id"),
}
REQUIRED = ("time", "power_kw", "wind_speed")


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def read_file(path: Path) -> pd.DataFrame:
    """One SCADA CSV in canonical columns (time as UTC-naive timestamps)."""
    raw = read_csv_text(path)
    found: dict[str, str] = {}
    folded = {_fold(c): c for c in raw.columns}
    for canon, aliases in ALIASES.items():
        hit = next((folded[a] for a in aliases if a in folded), None)
        if hit:
            found[canon] = hit
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise InvalidProductError(f"{path} lacks turbine data column(s) {', '.join(missing)} (looked for e.g. "
                                  f"{', '.join(ALIASES[missing[0]][:3])}); it has: {', '.join(raw.columns)}")
    times = pd.to_datetime(raw[found["time"]], errors="coerce", utc=True).dt.tz_localize(None)
    if times.isna().all():
        raise InvalidProductError(f"{path}: no timestamp in column {found['time']!r} could be read")
    power = pd.to_numeric(raw[found["power_kw"]], errors="coerce")
    if "mw" in _fold(found["power_kw"]):
        power = power * 1000.0
    table = pd.DataFrame({
        "time": times, "power_kw": power,
        "wind_speed": pd.to_numeric(raw[found["wind_speed"]], errors="coerce"),
        "turbine": raw[found["turbine"]] if "turbine" in found else path.stem,
    })
    if "status" in found:
        table["status"] = raw[found["status"]]
    return table[table["time"].notna()].reset_index(drop=True)


def read_scada(location: Path | str) -> pd.DataFrame:
    """A SCADA CSV, or every *.csv of a folder, as one canonical table sorted by turbine and time."""
    location = Path(location)
    if not location.exists():
        raise InputNotFoundError(f"turbine data {location} does not exist; give a CSV or a folder of CSVs")
    files = sorted(location.glob("*.csv")) if location.is_dir() else [location]
    if not files:
        raise InputNotFoundError(f"no .csv file in {location}")
    table = pd.concat([read_file(p) for p in files], ignore_index=True)
    return table.sort_values(["turbine", "time"]).reset_index(drop=True)
