"""Power plant registry files: JRC-PPDB-OPEN (CSV + datapackage), OPSD and powerplantmatching CSVs.

Every reader returns one unit-level pandas table with the same columns (`UNIT_COLUMNS`), typed, with the
registry's own fuel/technology labels kept beside the vocabulary type. JRC's v1.0 `datapackage.json` is
invalid JSON (a trailing comma): it is repaired in memory, with a logged warning, rather than refused.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ai4c.core.errors import InputNotFoundError, InvalidProductError, first_line
from ai4c.core.log import warn
from ai4c.energy import vocabulary

UNIT_COLUMNS = ("unit_id", "plant_id", "unit_name", "plant_name", "type", "registry_type", "capacity_mw",
                "plant_capacity_mw", "status", "year_commissioned", "year_decommissioned", "country", "lat",
                "lon", "source")
JRC_REQUIRED = ("eic_p", "eic_g", "name_p", "name_g", "capacity_p", "capacity_g", "type_g", "lat", "lon",
                "country", "status_g", "year_commissioned", "year_decommissioned")
OPSD_REQUIRED = ("name", "capacity", "energy_source", "country", "lat", "lon")
PPM_REQUIRED = ("Name", "Fueltype", "Technology", "Country", "Capacity", "lat", "lon")
JRC_UNITS = "JRC_OPEN_UNITS.csv"


def sniff_delimiter(path: Path) -> str:
    """The field separator of a CSV file (comma, semicolon, tab or pipe), from its header line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_csv_text(path: Path) -> pd.DataFrame:
    """A registry CSV as strings (empty cells kept as ''), any separator, quoted fields."""
    if not path.is_file():
        raise InputNotFoundError(f"registry file {path} does not exist; give the CSV or its folder")
    try:
        return pd.read_csv(path, sep=sniff_delimiter(path), dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InvalidProductError(f"{path} is not a readable CSV file: {first_line(err)}") from err


def read_datapackage(folder: Path) -> dict | None:
    """The Frictionless datapackage beside the CSVs; JRC v1.0's trailing commas repaired with a warning."""
    for name in ("datapackage.json", "datapackage.enermaps-valid.json"):
        path = folder / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            repaired = re.sub(r",(\s*[}\]])", r"\1", text)
            try:
                package = json.loads(repaired)
            except json.JSONDecodeError:
                warn(f"skipped {path}: invalid JSON ({err}) that trailing-comma repair does not fix")
                continue
            warn(f"{path} is invalid JSON ({err}); read it with its trailing commas removed")
            return package
    return None


def field_types(package: dict | None, resource: str) -> dict[str, str]:
    """Field name -> Frictionless type ('number', 'integer', 'string', ...) of one datapackage resource."""
    for res in (package or {}).get("resources", []):
        if resource in (res.get("path"), res.get("name")) or str(res.get("path", "")).endswith(resource):
            return {f["name"]: f.get("type", "string") for f in res.get("schema", {}).get("fields", [])}
    return {}


def require_columns(frame: pd.DataFrame, required: tuple[str, ...], path: Path, kind: str) -> None:
    """Refuse a registry table lacking columns the reader needs, naming them."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InvalidProductError(f"{path} lacks the {kind} column(s) {', '.join(missing)}; "
                                  f"it has: {', '.join(frame.columns)}")


def numbers(series: pd.Series) -> pd.Series:
    """Strings to float64; empty or unparsable cells become NaN."""
    return pd.to_numeric(series.replace("", np.nan), errors="coerce").astype("float64")


def years(series: pd.Series) -> pd.Series:
    """Year cells (2010, '2010.0', '2010-05-01') to nullable integers."""
    text = series.astype(str).str.extract(r"(\d{4})", expand=False)
    return pd.to_numeric(text, errors="coerce").astype("Int64")


def read_jrc(location: Path | str) -> pd.DataFrame:
    """JRC-PPDB-OPEN units (a folder holding JRC_OPEN_UNITS.csv, or that CSV) in the common unit table."""
    location = Path(location)
    path = location / JRC_UNITS if location.is_dir() else location
    raw = read_csv_text(path)
    require_columns(raw, JRC_REQUIRED, path, "JRC-PPDB-OPEN")
    declared = field_types(read_datapackage(path.parent), path.name)
    undeclared = [c for c in ("capacity_g", "capacity_p", "lat", "lon") if declared.get(c, "number") != "number"]
    if undeclared:
        warn(f"{path} declares {', '.join(undeclared)} as non-numeric; read as numbers")
    # 94 units of v1.0 have no plant EIC: their plant is named by country and plant name instead
    plant_id = raw["eic_p"].where(raw["eic_p"] != "", "name:" + raw["country"] + ":" + raw["name_p"])
    return pd.DataFrame({
        "unit_id": raw["eic_g"], "plant_id": plant_id, "unit_name": raw["name_g"], "plant_name": raw["name_p"],
        "type": raw["type_g"].map(vocabulary.jrc_type), "registry_type": raw["type_g"],
        "capacity_mw": numbers(raw["capacity_g"]), "plant_capacity_mw": numbers(raw["capacity_p"]),
        "status": raw["status_g"].map(vocabulary.status),
        "year_commissioned": years(raw["year_commissioned"]),
        "year_decommissioned": years(raw["year_decommissioned"]),
        "country": raw["country"], "lat": numbers(raw["lat"]), "lon": numbers(raw["lon"]),
        "source": "JRC-PPDB-OPEN",
    })


def read_opsd(path: Path | str) -> pd.DataFrame:
    """An OPSD conventional/renewable power plants CSV in the common unit table (one row per unit)."""
    path = Path(path)
    raw = read_csv_text(path)
    require_columns(raw, OPSD_REQUIRED, path, "OPSD")
    tech = raw.get("technology", pd.Series("", index=raw.index))
    ids = raw.get("id", raw.get("eic_code", pd.Series(raw.index.astype(str), index=raw.index)))
    status = raw.get("status", pd.Series("operating", index=raw.index))
    return _common(raw, ids, ids, raw["name"], raw["name"],
                   [vocabulary.fuel_type(f, t) for f, t in zip(raw["energy_source"], tech, strict=True)],
                   raw["energy_source"], raw["capacity"], status, raw.get("commissioned"), None, raw["country"],
                   raw["lat"], raw["lon"], "OPSD")


def read_ppm(path: Path | str) -> pd.DataFrame:
    """A powerplantmatching CSV (one row per matched plant) in the common unit table."""
    path = Path(path)
    raw = read_csv_text(path)
    require_columns(raw, PPM_REQUIRED, path, "powerplantmatching")
    ids = raw.get("id", raw.get("projectID", pd.Series(raw.index.astype(str), index=raw.index)))
    return _common(raw, ids, ids, raw["Name"], raw["Name"],
                   [vocabulary.fuel_type(f, t) for f, t in zip(raw["Fueltype"], raw["Technology"], strict=True)],
                   raw["Fueltype"] + "/" + raw["Technology"], raw["Capacity"],
                   pd.Series("operating", index=raw.index), raw.get("DateIn"), raw.get("DateOut"),
                   raw["Country"], raw["lat"], raw["lon"], "powerplantmatching")


def _common(raw: pd.DataFrame, unit_id, plant_id, unit_name, plant_name, types, registry_type, capacity,
            status, commissioned, decommissioned, country, lat, lon, source: str) -> pd.DataFrame:
    """Assemble the common unit table from already-selected registry columns."""
    empty = pd.Series("", index=raw.index)
    cap = numbers(pd.Series(capacity, index=raw.index))
    return pd.DataFrame({
        "unit_id": unit_id, "plant_id": plant_id, "unit_name": unit_name, "plant_name": plant_name,
        "type": types, "registry_type": registry_type, "capacity_mw": cap, "plant_capacity_mw": cap,
        "status": pd.Series(status, index=raw.index).map(vocabulary.status),
        "year_commissioned": years(commissioned if commissioned is not None else empty),
        "year_decommissioned": years(decommissioned if decommissioned is not None else empty),
        "country": country, "lat": numbers(lat), "lon": numbers(lon), "source": source,
    })


def read_registry(location: Path | str, registry: str = "auto") -> pd.DataFrame:
    """Any supported registry by name ('jrc', 'opsd', 'ppm') or recognised from its header ('auto')."""
    location = Path(location)
    if not location.exists():
        raise InputNotFoundError(f"registry {location} does not exist; give JRC-PPDB-OPEN's folder or a CSV")
    if registry == "auto":
        path = location / JRC_UNITS if location.is_dir() else location
        header = set(read_csv_header(path))
        registry = ("jrc" if "type_g" in header else "ppm" if "Fueltype" in header
                    else "opsd" if "energy_source" in header else "")
        if not registry:
            raise InvalidProductError(f"{path} is not a JRC-PPDB-OPEN, OPSD or powerplantmatching table "
                                      f"(header: {', '.join(sorted(header))})")
    readers = {"jrc": read_jrc, "opsd": read_opsd, "ppm": read_ppm}
    return readers[registry](location)


def read_csv_header(path: Path) -> list[str]:
    """The column names of a CSV file."""
    if not path.is_file():
        raise InputNotFoundError(f"registry file {path} does not exist; give the CSV or its folder")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle, delimiter=sniff_delimiter(path)), [])
