"""Quality control of wind turbine operational data (SCADA) and its join with ERA5 at the farm.

Input is a table with `time`, `turbine`, `power_kw`, `wind_speed` and optionally `status`, one row per
record. Each record gets flags (documented in docs/energy.md); `ok` records feed resampling and fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ai4c.core.errors import InvalidParameterError

FLAGS = ("gap", "stuck", "curtailed", "implausible", "fault")


def regular_frequency(times: pd.Series) -> pd.Timedelta:
    """The record interval: the most common step between consecutive timestamps."""
    steps = times.sort_values().diff().dropna()
    if steps.empty:
        raise InvalidParameterError("turbine data need at least two records per turbine")
    return steps.mode().iloc[0]


def fill_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Insert the missing timestamps of every turbine (values NaN) so that gaps are visible records."""
    parts = []
    for turbine, rows in table.groupby("turbine", sort=True):
        step = regular_frequency(rows["time"])
        full = pd.date_range(rows["time"].min(), rows["time"].max(), freq=step)
        rows = rows.drop_duplicates("time").set_index("time").reindex(full)
        rows.index.name = "time"
        rows["turbine"] = turbine
        parts.append(rows.reset_index())
    return pd.concat(parts, ignore_index=True)


def stuck_runs(values: pd.Series, min_run: int) -> np.ndarray:
    """True where a value repeats unchanged for >= min_run consecutive records (a frozen sensor)."""
    v = values.to_numpy(dtype="float64")
    same = np.concatenate([[False], v[1:] == v[:-1]])
    run_id = np.cumsum(~same)
    lengths = pd.Series(run_id).map(pd.Series(run_id).value_counts()).to_numpy()
    return (lengths >= min_run) & np.isfinite(v)


def quality_flags(table: pd.DataFrame, rated_kw: float, rated_speed: float, *, stuck_records: int = 6,
                  curtailment_tolerance: float = 0.1) -> pd.DataFrame:
    """Flag gaps, stuck wind or power sensors (an unchanged value for `stuck_records` records; power only
    between 1 % and 98 % of rated, below rated wind), curtailment (running below rated power above rated wind)
    and implausible values; returns the table with one boolean column per flag and `ok`."""
    out = fill_gaps(table).sort_values(["turbine", "time"]).reset_index(drop=True)
    out["gap"] = out["power_kw"].isna() & out["wind_speed"].isna()
    stuck = np.zeros(len(out), dtype=bool)
    for _, idx in out.groupby("turbine").indices.items():
        rows = out.iloc[idx]
        # a constant power is suspicious only between idling and the rated plateau, and below rated wind
        # (above it a constant power below rated is a curtailment set-point, flagged as such)
        moving_power = rows["power_kw"].where(rows["power_kw"].between(0.01 * rated_kw, 0.98 * rated_kw)
                                              & (rows["wind_speed"] < rated_speed))
        stuck[idx] = stuck_runs(rows["wind_speed"], stuck_records) | stuck_runs(moving_power, stuck_records)
    out["stuck"] = stuck
    status = out["status"].astype(str).str.lower() if "status" in out else pd.Series("", index=out.index)
    out["fault"] = status.str.contains("fault|error|stop|maint", regex=True)
    above_rated = out["wind_speed"] >= rated_speed
    low = out["power_kw"] < (1.0 - curtailment_tolerance) * rated_kw
    out["curtailed"] = (status.str.contains("curtail")
                        | (above_rated & low & (out["power_kw"] > 0.0) & ~out["fault"] & ~out["stuck"]))
    out["implausible"] = (out["power_kw"] < -0.05 * rated_kw) | (out["power_kw"] > 1.1 * rated_kw) | (
        out["wind_speed"] < 0) | (out["wind_speed"] > 60)
    out["ok"] = ~out[list(FLAGS)].any(axis=1)
    return out


def hourly(flagged: pd.DataFrame, frequency: str = "1h") -> pd.DataFrame:
    """Farm series at `frequency`: mean wind speed, summed mean turbine power (kW) over good records, and
    how many turbines reported good data in each interval."""
    good = flagged[flagged["ok"]]
    per_turbine = (good.set_index("time").groupby("turbine")[["power_kw", "wind_speed"]]
                   .resample(frequency).mean().reset_index())
    farm = per_turbine.groupby("time").agg(power_kw=("power_kw", "sum"), wind_speed=("wind_speed", "mean"),
                                           turbines=("power_kw", "count"))
    return farm.reset_index()


def join_era5(farm: pd.DataFrame, era5: pd.DataFrame) -> pd.DataFrame:
    """Farm production beside the ERA5 features of the same hour (inner join on time)."""
    left = farm.assign(time=pd.to_datetime(farm["time"]))
    right = era5.assign(time=pd.to_datetime(era5["time"]))
    return left.merge(right, on="time", how="inner", suffixes=("", "_era5"))
