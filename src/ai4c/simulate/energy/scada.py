"""Wind turbine SCADA exports with planted faults: the truth of which records are gaps, stuck or curtailed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class ScadaTruth:
    """The records (turbine, time) of each planted problem, and the curve the turbines follow."""

    gaps: set = field(default_factory=set)
    stuck: set = field(default_factory=set)
    curtailed: set = field(default_factory=set)


def simulate_scada(folder: Path, *, turbines: int = 3, days: int = 10, rated_kw: float = 6000.0,
                   curve=None, start: str = "2021-01-01", seed: int = 0, mean_wind: float = 10.0
                   ) -> tuple[list[Path], ScadaTruth, pd.DataFrame]:
    """Write one 10-minute CSV per turbine (Hywind-style columns) and return the files, the planted truth and
    the clean records (before faults)."""
    from ai4c.energy.power_curve import iec_curve

    curve = curve or iec_curve("I")
    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=days * 144, freq="10min")
    # a log-normal AR(1) wind series shared by the farm (hours-long weather), each turbine with its own noise
    log_ws = np.zeros(len(times))
    for i in range(1, len(times)):
        log_ws[i] = 0.985 * log_ws[i - 1] + rng.normal(0, 0.06)
    base = mean_wind * np.exp(log_ws - 0.1)
    truth, files, clean = ScadaTruth(), [], []
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(turbines):
        name = f"T{t + 1:02d}"
        ws = np.clip(base * (1 + rng.normal(0, 0.03, len(times))), 0, None).round(2)
        power = (curve(ws) * rated_kw * (1 + rng.normal(0, 0.01, len(times)))).clip(0, rated_kw).round(1)
        status = np.array(["running"] * len(times), dtype=object)
        clean.append(pd.DataFrame({"time": times, "turbine": name, "wind_speed": ws, "power_kw": power}))
        drop = np.zeros(len(times), bool)
        gap_start = int(rng.integers(50, len(times) - 200))
        drop[gap_start:gap_start + 6] = True
        truth.gaps |= {(name, times[i]) for i in np.flatnonzero(drop)}
        stuck_start = int(rng.integers(50, len(times) - 200))
        while drop[stuck_start:stuck_start + 12].any():
            stuck_start += 20
        ws[stuck_start:stuck_start + 12] = ws[stuck_start]
        truth.stuck |= {(name, times[i]) for i in range(stuck_start, stuck_start + 12)}
        windy = np.flatnonzero((ws > 14.5) & ~drop)
        windy = windy[(windy < stuck_start) | (windy >= stuck_start + 12)]
        for i in windy[: min(10, len(windy))]:
            power[i] = round(0.5 * rated_kw, 1)
            truth.curtailed.add((name, times[i]))
        frame = pd.DataFrame({"Date and time": times.strftime("%Y-%m-%d %H:%M:%S"), "Wind speed (m/s)": ws,
                              "Power (kW)": power, "Status": status})[~drop]
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        files.append(path)
    return files, truth, pd.concat(clean, ignore_index=True)
