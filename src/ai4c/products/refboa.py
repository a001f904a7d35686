"""The REFBOA/LAI time-series layout of the crop-mapping chain (seed §5.2.3).

`input_dir/REFBOA/*.tif` holds one multi-band bottom-of-atmosphere GeoTIFF per acquisition (by default
the nine TimeSen2Crop bands B2,B3,B4,B5,B6,B7,B8A,B11,B12) and `input_dir/LAI/*.tif` the LAI of the
same acquisitions; the acquisition date is the first YYYYMMDD in a file name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ai4c.core.errors import InputNotFoundError, InvalidProductError

TIMESEN2CROP_BANDS = ("B2", "B3", "B4", "B5", "B6", "B7", "B8A", "B11", "B12")
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class Acquisition:
    """One date of the series: its BOA file and its LAI file."""

    date: dt.date
    boa: Path
    lai: Path


def date_in_name(path: Path) -> dt.date:
    """The first valid YYYYMMDD in a file name, or an error naming the file and the expected pattern."""
    for match in _DATE.finditer(path.name):
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    raise InvalidProductError(
        f"file name {path.name!r} has no acquisition date; rename it to contain YYYYMMDD (e.g. S2_20171015_BOA.tif)")


def _rasters(folder: Path) -> list[Path]:
    """The GeoTIFFs of a folder, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)


def _by_date(files: list[Path], kind: str) -> dict[dt.date, Path]:
    """Map date -> file, refusing two files of the same date."""
    found: dict[dt.date, Path] = {}
    for path in files:
        date = date_in_name(path)
        if date in found:
            raise InvalidProductError(
                f"{kind} has two files dated {date:%Y%m%d}: {found[date].name} and {path.name}; keep one per date")
        found[date] = path
    return found


def list_acquisitions(input_dir: Path | str) -> list[Acquisition]:
    """The acquisitions of a REFBOA/LAI folder, sorted by date; errors for a missing or empty REFBOA,
    a name without a date, or a BOA/LAI without its partner."""
    root = Path(input_dir)
    if not root.is_dir():
        raise InputNotFoundError(f"input_dir {root} does not exist; give a folder holding REFBOA/ and LAI/")
    boa_dir, lai_dir = root / "REFBOA", root / "LAI"
    if not boa_dir.is_dir():
        raise InputNotFoundError(f"{boa_dir} does not exist; input_dir must hold REFBOA/ and LAI/ folders")
    boa = _by_date(_rasters(boa_dir), "REFBOA")
    if not boa:
        raise InvalidProductError(f"REFBOA folder {boa_dir} holds no .tif file; put one BOA GeoTIFF per date in it")
    if not lai_dir.is_dir():
        raise InputNotFoundError(f"{lai_dir} does not exist; input_dir must hold REFBOA/ and LAI/ folders")
    lai = _by_date(_rasters(lai_dir), "LAI")
    orphans = sorted(set(lai) - set(boa))
    if orphans:
        name = lai[orphans[0]].name
        raise InvalidProductError(f"LAI file {name} has no BOA of date {orphans[0]:%Y%m%d} in {boa_dir}; "
                                  "add it or remove the LAI")
    missing = sorted(set(boa) - set(lai))
    if missing:
        name = boa[missing[0]].name
        raise InvalidProductError(f"BOA file {name} has no LAI of date {missing[0]:%Y%m%d} in {lai_dir}; "
                                  "add it or remove the BOA")
    return [Acquisition(d, boa[d], lai[d]) for d in sorted(boa)]


def agronomic_months(season_start: int) -> list[tuple[int, int]]:
    """(year, month) of September `season_start` .. August `season_start`+1."""
    return [(season_start + (m >= 12), (m % 12) + 1) for m in range(8, 20)]
