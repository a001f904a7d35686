"""The typed parameters of the energy commands: one dataclass each, the single source of defaults, choices
and help that `ai4c energy ...` builds its flags from (light: no science import, so --help stays instant)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai4c.core.errors import InvalidParameterError
from ai4c.core.params import at_least, param, positive
from ai4c.energy.vocabulary import TYPES

AOI_HELP = "area of interest: WKT polygon in lon/lat or a vector file (any CRS)"
EMODNET_WFS = "https://ows.emodnet-humanactivities.eu/wfs"
CHIP_SIZES = ("64", "128", "256")


def names_list(text: Any) -> tuple[str, ...]:
    """A comma-separated value as a tuple of stripped names."""
    if isinstance(text, list | tuple):
        return tuple(text)
    return tuple(item.strip() for item in str(text or "").split(",") if item.strip())


def check_types(name: str, value: str) -> str:
    """Every comma-separated name in the type vocabulary."""
    unknown = [t for t in names_list(value) if t not in TYPES]
    if unknown:
        raise InvalidParameterError(f"{name} {','.join(unknown)} unknown; use any of: {', '.join(TYPES)}")
    return value


def check_fractions(name: str, value: str) -> str:
    """Three non-negative split fractions with a positive sum."""
    try:
        parts = [float(v) for v in names_list(value)]
    except ValueError as err:
        raise InvalidParameterError(f"{name}={value!r} must be three numbers: train,val,test") from err
    if len(parts) != 3 or min(parts) < 0 or sum(parts) <= 0:
        raise InvalidParameterError(f"{name}={value!r} must be three non-negative numbers: train,val,test")
    return value


@dataclass(frozen=True)
class PowerplantsParameters:
    """`ai4c energy powerplants`: which registry, which level, which plants."""

    registry: str = param("auto", "registry of --input (auto: recognised from its header)",
                          choices=("auto", "jrc", "opsd", "ppm"))
    level: str = param("unit", "one row per generating unit or per plant", choices=("unit", "plant"))
    type: str = param(None, "generation types, comma-separated: " + ", ".join(TYPES), check=check_types,
                      metavar="T1,T2")
    country: str = param(None, "country names, comma-separated (case-insensitive)", metavar="C1,C2")
    min_capacity: float = param(0.0, "smallest capacity kept (MW)", flags=("--min_capacity", "--min-capacity"),
                                check=at_least(0.0), metavar="MW")
    aoi: str = param(None, AOI_HELP, flags=("--AoI", "--aoi"), metavar="WKT|PATH")
    format: str = param(None, "output format when the suffix does not say it: GeoParquet, GeoJSON, GPKG, "
                        "FlatGeobuf, CSV or ntriples")


@dataclass(frozen=True)
class WindfarmsParameters:
    """`ai4c energy windfarms`: where from (a WFS server or a file) and how to page and cache."""

    source: str = param(EMODNET_WFS, "WFS 2.0 base URL or a vector file (default: EMODnet Human Activities)")
    layer: str = param("polygons", "EMODnet layer", choices=("polygons", "points"))
    type_name: str = param(None, "WFS typeNames (overrides --layer)", flags=("--type_name", "--type-name"))
    wfs_format: str = param("geojson", "WFS outputFormat", choices=("geojson", "gml"),
                            flags=("--wfs_format", "--wfs-format"))
    page_size: int = param(1000, "features per WFS page", check=at_least(1), flags=("--page_size", "--page-size"))
    refresh: bool = param(False, "ignore cached WFS responses")
    aoi: str = param(None, AOI_HELP, flags=("--AoI", "--aoi"), metavar="WKT|PATH")
    format: str = param(None, "output format when the suffix does not say it")


@dataclass(frozen=True)
class Era5Parameters:
    """`ai4c energy era5`: how to sample the fields and how to ask the CDS for them."""

    method: str = param("linear", "point sampling: bilinear or nearest cell", choices=("linear", "nearest"))
    resample: str = param(None, "time means at this pandas frequency, e.g. D, MS, 3h", metavar="FREQ")
    name_column: str = param(None, "site names from this attribute of --sites",
                             flags=("--name_column", "--name-column"))
    variables: str = param("10m_u_component_of_wind,10m_v_component_of_wind,100m_u_component_of_wind,"
                           "100m_v_component_of_wind,2m_temperature,2m_dewpoint_temperature,surface_pressure",
                           "CDS variable names of a request, comma-separated", metavar="V1,V2")
    start: str = param(None, "request start date YYYY-MM-DD")
    end: str = param(None, "request end date YYYY-MM-DD")
    area: str = param(None, "request area W,S,E,N in degrees (write --area=-3,54,2,59 when W is negative)",
                      metavar="W,S,E,N")


@dataclass(frozen=True)
class TurbineParameters:
    """`ai4c energy turbine-data`: the turbine's rating and the quality-control rules."""

    rated_kw: float = param(None, "rated power of one turbine (kW)", kind=float, check=positive,
                            flags=("--rated_kw", "--rated-kw"))
    rated_speed: float = param(13.0, "rated wind speed (m/s)", check=positive,
                               flags=("--rated_speed", "--rated-speed"))
    resample: str = param("1h", "farm series interval (pandas frequency)", metavar="FREQ")
    stuck_records: int = param(6, "repeats of one value that flag a frozen sensor", check=at_least(2),
                               flags=("--stuck_records", "--stuck-records"))
    farm: str = param(None, "farm location LON,LAT for the ERA5 join", metavar="LON,LAT")


@dataclass(frozen=True)
class PowerCurveParameters:
    """`ai4c energy power-curve`: a generic class curve or a fit."""

    iec_class: str = param("I", "generic curve of an IEC 61400-1 wind class", choices=("I", "II", "III"),
                           flags=("--iec_class", "--iec-class"))
    rated_kw: float = param(None, "rated power for a fit from turbine data (kW)", kind=float, check=positive,
                            flags=("--rated_kw", "--rated-kw"))


@dataclass(frozen=True)
class TrainingSetParameters:
    """`ai4c energy training-set`: chip size, negatives, labels of point assets, the split."""

    chip: int = param(128, "chip size (pixels)", kind=int, check=lambda n, v: _chip(n, v))
    negatives: int = param(100, "negative chips per product", check=at_least(0))
    point_radius: float = param(50.0, "label radius of point assets (m)", check=positive,
                                flags=("--point_radius", "--point-radius"))
    margin: int = param(8, "pixels between a negative chip and any asset", check=at_least(0))
    block_chips: int = param(4, "split blocks of N x N chip widths (chips of a block share a split)",
                             check=at_least(1), flags=("--block_chips", "--block-chips"))
    fractions: str = param("0.7,0.15,0.15", "train,val,test fractions of the blocks", check=check_fractions)
    class_column: str = param("type", "asset attribute giving the class", flags=("--class_column", "--class-column"))
    seed: int = param(0, "random seed of negatives and split")

    def split_fractions(self) -> tuple[float, float, float]:
        """The fractions as numbers."""
        train, val, test = (float(v) for v in names_list(self.fractions))
        return train, val, test


def _chip(name: str, value: int) -> int:
    """A chip size the models take: 64, 128 or 256."""
    if str(value) not in CHIP_SIZES:
        raise InvalidParameterError(f"{name}={value} not allowed; use one of: {', '.join(CHIP_SIZES)}")
    return value
