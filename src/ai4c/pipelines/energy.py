"""Energy loaders end to end: read a source, select, derive, write (`ai4c energy ...`).

Each function is also the Python API: it returns the GeoDataFrame / xarray / pandas object it wrote,
and `output=None` writes nothing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import xarray as xr

from ai4c.core.aoi import AoI
from ai4c.core.errors import InvalidParameterError, first_line
from ai4c.core.io import atomic_path, write_text_atomic
from ai4c.core.vectorio import write_vector
from ai4c.pipelines.energy_parameters import EMODNET_WFS  # noqa: F401  (the default source, re-exported)

EMODNET_LAYERS = {"polygons": "emodnet:windfarmspoly", "points": "emodnet:windfarms"}
ENERGY_BASE_IRI = "http://ai4c.eu/energy/"


def write_features(frame: gpd.GeoDataFrame, output: Path | str, fmt: str | None = None, *,
                   layer: str = "feature", base_iri: str = ENERGY_BASE_IRI) -> Path:
    """Write features as a vector file, or as GeoSPARQL N-Triples through the GeoTriples mapping
    (`fmt='ntriples'` or a .nt output)."""
    output = Path(output)
    if (fmt or "").lower() != "ntriples" and output.suffix.lower() != ".nt":
        return write_vector(frame, output, fmt)
    from ai4c.linked.mapping import dump_rdf
    from ai4c.linked.mapping.generate import generate_mapping

    with tempfile.TemporaryDirectory(prefix="ai4c-energy-") as scratch:
        geojson = Path(scratch) / f"{layer}.geojson"  # names the class and IRIs: <base>/<layer>/id/N
        write_vector(frame, geojson, "geojson")
        mapping = generate_mapping(geojson, Path(scratch) / "mapping.ttl", base_iri=base_iri, rml=True)
        with atomic_path(output) as tmp:
            dump_rdf(mapping, tmp, "ntriples")
    return output


def powerplants(registry: Path | str, *, registry_kind: str = "auto", level: str = "unit",
                types: Sequence[str] = (), countries: Sequence[str] = (), min_capacity: float | None = None,
                aoi: AoI | None = None, output: Path | str | None = None, fmt: str | None = None
                ) -> gpd.GeoDataFrame:
    """Power plants of a registry (JRC-PPDB-OPEN, OPSD, powerplantmatching) at unit or plant level,
    filtered by type, country, capacity and AoI."""
    from ai4c.energy.plants import plants_frame, select, units_frame
    from ai4c.energy.vocabulary import check_types
    from ai4c.products.powerplants import read_registry

    if level not in ("unit", "plant"):
        raise InvalidParameterError(f"--level {level!r} unknown; use unit or plant")
    check_types(list(types))  # before any file is read
    units = units_frame(read_registry(registry, registry_kind))
    frame = units if level == "unit" else plants_frame(units)
    selected = select(frame, types=types, countries=countries, min_capacity=min_capacity, aoi=aoi)
    if output is not None:
        write_features(selected, output, fmt, layer=f"power_{level}")
    return selected


def windfarms(source: str | Path, *, layer: str = "polygons", type_name: str | None = None,
              output_format: str = "geojson", aoi: AoI | None = None, cache: Path | None = None,
              refresh: bool = False, page_size: int = 1000, output: Path | str | None = None,
              fmt: str | None = None) -> gpd.GeoDataFrame:
    """Offshore wind farms from a WFS 2.0 server (EMODnet by default) or a vector file, in one schema."""
    from ai4c.energy.windfarms import normalise

    text = str(source)
    if text.startswith(("http://", "https://")):
        from ai4c.catalog.wfs import WfsRequest, get_features

        if layer not in EMODNET_LAYERS:
            raise InvalidParameterError(f"--layer {layer!r} unknown; use polygons or points")
        bbox = aoi.bounds_in("EPSG:4326") if aoi is not None else None
        request = WfsRequest(text, type_name or EMODNET_LAYERS[layer], output_format, page_size, bbox)
        raw, label = get_features(request, cache, refresh), f"WFS {request.type_name}"
    else:
        raw, label = read_vector_file(Path(source)), Path(source).name
    farms = normalise(raw, label)
    if aoi is not None:
        farms = farms[farms.intersects(aoi.to_crs("EPSG:4326"))].reset_index(drop=True)
    if output is not None:
        write_features(farms, output, fmt, layer="wind_farm")
    return farms


def read_vector_file(path: Path) -> gpd.GeoDataFrame:
    """Any vector file GDAL reads, as a GeoDataFrame (missing file -> a clear error)."""
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    from ai4c.core.errors import InputNotFoundError, InvalidProductError

    if not path.exists():
        raise InputNotFoundError(f"vector file {path} does not exist")
    try:
        return gpd.read_file(path, engine="pyogrio")
    except (DataSourceError, DataLayerError, FieldError, GeometryError) as err:
        raise InvalidProductError(f"{path} is not a readable vector file: {first_line(err)}") from err


@dataclass(frozen=True)
class Sites:
    """Where ERA5 is sampled: named points, or named polygons averaged over."""

    names: list[str]
    points: list[tuple[float, float]] | None = None
    polygons: list | None = None


def sites_from_frame(frame: gpd.GeoDataFrame, name_column: str | None = None) -> Sites:
    """Sites from features: polygons are averaged over, points sampled; names from a column or the index."""
    frame = frame.to_crs("EPSG:4326") if frame.crs else frame
    column = name_column if name_column in frame.columns else next(
        (c for c in ("name", "plant_name", "unit_name", "id") if c in frame.columns), None)
    names = [str(v) for v in (frame[column] if column else frame.index)]
    if frame.geom_type.isin(["Point"]).all():
        return Sites(names, points=[(g.x, g.y) for g in frame.geometry])
    return Sites(names, polygons=list(frame.geometry))


def era5_series(paths: Sequence[Path | str], sites: Sites, *, resample: str | None = None,
                method: str = "linear") -> xr.Dataset:
    """Wind speed/direction at 10 m and 100 m (where delivered) and air density, at sites, lazily."""
    from ai4c.energy import wind
    from ai4c.products.era5 import open_era5

    raw = open_era5(paths)
    if sites.points is not None:
        lon, lat = zip(*sites.points, strict=True)
        series = wind.derive(wind.at_points(raw, lon, lat, sites.names, method))
    else:
        series = wind.polygon_series(raw, sites.polygons, sites.names)
    return wind.resample(series, resample)


def write_series(series: xr.Dataset, output: Path | str) -> Path:
    """Write site series as NetCDF (.nc), Parquet (.parquet) or CSV (.csv, long table: time, site, ...)."""
    output = Path(output)
    suffix = output.suffix.lower()
    series = series.compute()  # one pass over the files for every variable (site series are small)
    with atomic_path(output) as tmp:
        if suffix == ".nc":
            series.to_netcdf(tmp, engine="h5netcdf")
        elif suffix in (".csv", ".parquet"):
            table = series.to_dataframe().reset_index()
            keep = ["time", "site"] + [str(v) for v in series.data_vars]
            table = table[keep]
            table.to_csv(tmp, index=False) if suffix == ".csv" else table.to_parquet(tmp, index=False)
        else:
            raise InvalidParameterError(f"output {output} must end in .nc, .parquet or .csv")
    return output


def cds_request(variables: Sequence[str], start: str, end: str, area: tuple[float, float, float, float],
                dataset: str = "reanalysis-era5-single-levels") -> dict:
    """The exact cdsapi request (dataset + request dict) for hourly fields over a lon/lat area."""
    days = pd.date_range(start, end, freq="D")
    if days.empty:
        raise InvalidParameterError(f"--start {start} is after --end {end}")
    west, south, east, north = area
    return {"dataset": dataset, "request": {
        "product_type": ["reanalysis"], "variable": list(variables),
        "year": sorted({f"{d.year}" for d in days}), "month": sorted({f"{d.month:02d}" for d in days}),
        "day": sorted({f"{d.day:02d}" for d in days}), "time": [f"{h:02d}:00" for h in range(24)],
        "area": [round(north, 4), round(west, 4), round(south, 4), round(east, 4)],
        "data_format": "netcdf", "download_format": "unarchived"}}


def write_request(request: dict, output: Path | str) -> Path:
    """Save a cdsapi request as JSON (run it with `retrieve_request` when the user asks)."""
    return write_text_atomic(output, json.dumps(request, indent=2) + "\n")


def retrieve_request(request: dict, target: Path | str) -> Path:
    """Run a cdsapi request (needs the cdsapi package and the user's ~/.cdsapirc credentials)."""
    from ai4c.core.errors import DependencyMissingError

    try:
        import cdsapi
    except ImportError as err:
        raise DependencyMissingError("retrieving ERA5 needs the cdsapi package: pip install cdsapi") from err
    client = cdsapi.Client()
    with atomic_path(target) as tmp:
        client.retrieve(request["dataset"], request["request"], str(tmp))
    return Path(target)


def turbine_data(location: Path | str, *, rated_kw: float, rated_speed: float = 13.0,
                 frequency: str = "1h", era5: Sequence[Path | str] = (), farm: tuple[float, float] | None = None,
                 stuck_records: int = 6, output: Path | str | None = None,
                 flags_output: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quality-controlled turbine records and the farm series at `frequency`, joined with ERA5 at the farm
    (lon, lat) when ERA5 files are given: the regression set of production against weather."""
    from ai4c.core.errors import check_positive
    from ai4c.energy.turbine import hourly, join_era5, quality_flags
    from ai4c.products.scada import read_scada

    flagged = quality_flags(read_scada(location), check_positive("--rated-kw", rated_kw),
                            check_positive("--rated-speed", rated_speed), stuck_records=stuck_records)
    series = hourly(flagged, frequency)
    if era5:
        if farm is None:
            raise InvalidParameterError("joining ERA5 needs the farm location: give --farm LON,LAT")
        weather = era5_series(era5, Sites(["farm"], points=[farm]), resample=frequency)
        table = weather.sel(site="farm").drop_vars("site").to_dataframe().reset_index()
        series = join_era5(series, table)
    if flags_output is not None:
        write_table(flagged, flags_output)
    if output is not None:
        write_table(series, output)
    return flagged, series


def write_table(table: pd.DataFrame, output: Path | str) -> Path:
    """A plain table as CSV or Parquet (by suffix), atomically."""
    output = Path(output)
    if output.suffix.lower() not in (".csv", ".parquet"):
        raise InvalidParameterError(f"output {output} must end in .csv or .parquet")
    with atomic_path(output) as tmp:
        table.to_csv(tmp, index=False) if output.suffix.lower() == ".csv" else table.to_parquet(tmp, index=False)
    return output


def power_curve(*, iec_class: str | None = "I", turbine_data_path: Path | str | None = None,
                rated_kw: float | None = None, wind: Sequence[float] | None = None,
                output: Path | str | None = None) -> dict:
    """A generic IEC curve, or one fitted from turbine data (good records only), with the capacity factor
    over a wind series when one is given."""
    from ai4c.energy.power_curve import capacity_factor, fit_empirical, iec_curve

    if turbine_data_path is not None:
        if rated_kw is None:
            raise InvalidParameterError("fitting a curve from turbine data needs --rated-kw")
        flagged, _ = turbine_data(turbine_data_path, rated_kw=rated_kw)
        good = flagged[flagged["ok"]]
        curve = fit_empirical(good["wind_speed"], good["power_kw"], rated_kw)
        wind = good["wind_speed"].to_numpy() if wind is None else wind
    else:
        curve = iec_curve(iec_class or "I")
    result = {"curve": curve.name, "table": curve.table()}
    if wind is not None and len(wind):
        result["capacity_factor"] = capacity_factor(curve, wind)
    if output is not None:
        write_text_atomic(output, json.dumps(result, indent=2) + "\n")
    return result
