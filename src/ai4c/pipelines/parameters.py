"""The typed parameters of every service: one dataclass each, the single source of defaults, choices and help.

The command modules build their flags from these classes, graph files are validated against them and
`ai4c graph show` prints them. Light on purpose (no numpy, no science import) so `--help` stays instant; the
choice lists equal the science modules' own (tests/pipelines/test_parameters.py checks they stay equal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ai4c.core.errors import InvalidParameterError
from ai4c.core.params import at_least, odd, param, positive, within
from ai4c.optical.options import DOWNSAMPLING, FLAG_DOWNSAMPLING, UPSAMPLING, check_confidence
from ai4c.optical.options import check_classes as check_n_classes

LANDSEA = ("Land", "Sea", "None")
CALIBRATIONS = ("Sigma", "Gamma", "Beta", "SigmaDB", "GammaDB", "BetaDB")
SPECKLE_FILTERS = ("Lee Sigma", "Lee", "Refined Lee", "Frost", "Gamma Map", "Boxcar", "Median", "None")
POLARIZATIONS = ("VV", "VH", "HH", "HV")
CLOUDMASKS = ("L2A", "L1C", "None")
OUTPUT_FORMAT_HELP = "GeoTIFF, COG, netCDF, Zarr or any GDAL raster driver name"
AOI_HELP = "area of interest: WKT polygon in lon/lat or a vector file (any CRS)"
_TILE = re.compile(r"^\d{1,2}[A-Z]{3}$")


def check_tile(name: str, tile: Any) -> str:
    """A Sentinel-2 MGRS tile code like 33UVP (a leading T is dropped)."""
    text = str(tile or "").strip().upper().removeprefix("T")
    if not _TILE.match(text):
        raise InvalidParameterError(f"{name}={tile!r} is not a Sentinel-2 tile code; use e.g. 33UVP")
    return text


def check_season(name: str, year: int) -> int:
    """The first year of an agronomic year, 1980..2100."""
    if not 1980 <= year <= 2100:
        raise InvalidParameterError(f"{name}={year!r} is out of range; use a year in 1980..2100")
    return year


def check_percent(name: str, value: float) -> float:
    """levelConfidence: strictly between 0 and 100 (optical.options' rule)."""
    return check_confidence(value)


def check_classes(name: str, value: int) -> int:
    """numberClasses: 1..254, 255 being the no-data code (optical.options' rule)."""
    return check_n_classes(value)


def _aoi() -> Any:
    return param(None, AOI_HELP, flags=("--AoI", "--aoi"), metavar="WKT|PATH")


def _output_format() -> Any:
    return param("GeoTIFF", OUTPUT_FORMAT_HELP)


def _resolution() -> Any:
    return param(10.0, "pixel size in metres (degrees for WGS84 by SNAP's rule)", check=positive, metavar="M")


def check_epochs(name: str, value: int) -> int:
    """Table 10: more than one epoch."""
    if value <= 1:
        raise InvalidParameterError(f"{name}={value} must be an integer > 1 (default 50)")
    return value


def check_batch_size(name: str, value: int) -> int:
    """Table 10: a power of 2 greater than 2."""
    if value <= 2 or value & (value - 1):
        raise InvalidParameterError(f"{name}={value} must be a power of 2 greater than 2: 4, 8, 16, 32, 64, ...")
    return value


def check_learning_rate(name: str, value: float) -> float:
    """Table 10: strictly between 0 and 1."""
    if not 0 < value < 1:
        raise InvalidParameterError(f"{name}={value} must be > 0 and < 1 (default 1e-3)")
    return value


def check_flag01(name: str, value: int) -> int:
    """Table 10: 0 (not used) or 1 (used)."""
    if value not in (0, 1):
        raise InvalidParameterError(f"{name}={value} must be 0 (not used) or 1 (used)")
    return value


def between(low: int, high: int) -> Any:
    """A rule: low <= value <= high."""

    def check(name: str, value: int) -> int:
        if not low <= value <= high:
            raise InvalidParameterError(f"{name}={value} must be in {low}..{high}")
        return value

    return check


@dataclass(frozen=True)
class S1GrdParameters:
    """S1-GRD-preprocess (seed table 2) and its graph `s1-grd`."""

    polarization: str = param("VV", "polarisation to process", choices=POLARIZATIONS,
                              flags=("--polarization", "--polarisation"))
    aoi: str | None = _aoi()
    chunk: int = param(1024, "radar-geometry chunk side in pixels", check=at_least(64), cli=False)
    orbit: str = param("auto", "POEORB/RESORB EOF file or folder; auto = the annotation's state vectors",
                       metavar="PATH|auto")
    border_limit: int = param(500, "border noise: pixels searched from each edge (IPF < 2.9)", cli=False)
    trim_threshold: float = param(0.5, "border noise: trim threshold (IPF < 2.9)", cli=False)
    calibration: str = param("Sigma", "calibrated quantity (a ...DB output is in decibels)", choices=CALIBRATIONS)
    speckle: str = param("Lee Sigma", "speckle filter", choices=SPECKLE_FILTERS)
    window_size: int = param(7, "speckle window size (odd)", check=odd, cli=False)
    target_window_size: int = param(3, "Lee Sigma target window size (odd)", check=odd, cli=False)
    sigma: float = param(0.9, "Lee Sigma sigma", cli=False)
    looks: float = param(1.0, "equivalent number of looks", cli=False)
    damping: float = param(2.0, "Frost damping factor", cli=False)
    filter_size: int = param(5, "Lee, Refined Lee, Frost, Gamma Map, Boxcar, Median window size (odd)", check=odd,
                             cli=False)
    dem: str | None = param(None, "DEM: GeoTIFF/VRT, a folder of SRTM .hgt tiles, or srtm3 (download into a cache); "
                            "none: the WGS84 ellipsoid", metavar="PATH|srtm3")
    dem_geoid: str = param("egm96", "egm96: DEM heights above the geoid; none: ellipsoid heights",
                           choices=("egm96", "none"), flags=("--dem_geoid", "--dem-geoid"))
    projection: str = param("WGS84", "UTM (auto zone), WGS84, EPSG:n, PROJ or WKT")
    resolution: float | None = param(None, "pixel size in metres (degrees for WGS84 by SNAP's rule); none: 10 m IW, "
                                     "5 m SM, the product's spacing for EW/WV", kind=float, check=positive,
                                     metavar="M")
    block: int = param(1024, "terrain-correction output block side in pixels", check=at_least(64), cli=False)
    landseamask: str = param("None", "set the Land or the Sea to no data (needs --dem)", choices=LANDSEA)
    linear_to_db: bool = param(False, "convert to dB (also done when --calibration asks for a ...DB output)",
                               cli=False)
    output_format: str = _output_format()
    quicklook: bool = param(False, "also write a PNG quick-look")


@dataclass(frozen=True)
class S2PreParameters:
    """S2-preprocess (seed §4.2.3) and its graph `s2-pre`."""

    bands: str = param("B2,B3,B4,B8", "comma-separated bands B1..B12, B8A")
    sen2cor: bool = param(True, "run sen2cor's L2A_Process on L1C products when it is installed", cli=False)
    resolution: float = _resolution()
    upsampling: str = param("Nearest", "interpolation from coarser bands", choices=UPSAMPLING)
    downsampling: str = param("First", "aggregation from finer bands", choices=DOWNSAMPLING)
    flagdownsampling: str = param("First", "aggregation of flag bands (SCL, masks)", choices=FLAG_DOWNSAMPLING)
    landseamask: str = param("None", "set the Land or the Sea to no data (needs --dem)", choices=LANDSEA)
    dem: str | None = param(None, "DEM for the land/sea mask: GeoTIFF/VRT or a folder of SRTM .hgt tiles",
                            metavar="PATH")
    cloudmask: str = param("None", "L2A (SCL 3, 8, 9, 10), L1C (MSK_CLASSI / MSK_CLOUDS GML) or None",
                           choices=CLOUDMASKS)
    aoi: str | None = _aoi()
    projection: str = param("UTM", "UTM (the tile's zone), WGS84, EPSG:n, PROJ or WKT")
    resampling: str = param("Nearest", "interpolation of the reprojection", choices=UPSAMPLING, cli=False)
    output_format: str = _output_format()
    quicklook: bool = param(False, "also write a PNG quick-look")


@dataclass(frozen=True)
class S2CdParameters:
    """S2-CD (seed §4.2.5) and its graph `s2-cd`."""

    bands: str = param("B2,B3,B4,B8", "bands used for the changes")
    resolution: float = _resolution()
    projection: str = param("WGS84", "UTM (the tile's zone), WGS84, EPSG:n, PROJ or WKT")
    aoi: str | None = _aoi()
    upsampling: str = param("Bilinear", "interpolation of the coarser bands onto the grid", choices=UPSAMPLING,
                            cli=False)
    number_classes: int = param(4, "number of change classes", check=check_classes, flags=("--numberClasses",))
    reference_vector: str | None = param(None, "reference vector of the angle, one number per band (none: "
                                         "1,0,0,...)", flags=("--referenceVector",))
    level_confidence: float = param(99.99, "confidence level in percent of the chi-squared change test "
                                    "(0 < v < 100)", check=check_percent, flags=("--levelConfidence",))
    normalisation: str = param("irmad", "how no-change pixels are found for the relative radiometric correction",
                               choices=("irmad", "trim"))
    output_format: str = _output_format()


@dataclass(frozen=True)
class MonthlyCompositeParameters:
    """monthlycomposite (seed §5.2.3, AI4C_MComp.py) and its graph `monthly-composite`."""

    block: int = param(1024, "block size in pixels (bounds memory)", check=at_least(1))
    season_start: int = param(2017, "year the agronomic year starts (September season_start .. August +1)",
                              check=check_season)
    tile: str = param("33UVP", "Sentinel-2 tile code used in the names", check=check_tile)


@dataclass(frozen=True)
class TileClassifierParameters:
    """tile_classifier (seed §5.2.5, AI4C_LSTMInference.py) and its graph `tile-classifier`."""

    block: int = param(1024, "block side in pixels (memory ~ 0.5 GB at 1024)", check=at_least(64))
    batch: int = param(16384, "pixels per PyTorch batch on CUDA", check=at_least(1), cli=False)
    majority_size: int = param(3, "majority filter window, odd (1 = off)", check=odd)
    min_patch: int = param(10, "patches smaller than this many pixels merge into their neighbours (0 = off)",
                           check=at_least(0))
    quicklook: bool = param(True, "write the PNG quick-look", flags=("--no_quicklook", "--no-quicklook"))


@dataclass(frozen=True)
class AqganParameters:
    """The aqgan graph: preprocess, train, generate and evaluate one period (`aqgan-*` commands)."""

    config: str = param("config.yaml", "configuration file (`aqgan-preproc --print_config` prints a documented "
                        "example)", metavar="YAML")
    start_date: str = param("2021010100", "first hour of the period", flags=("--start-date",), metavar="YYYYMMDDHH")
    end_date: str = param("2021010323", "last hour of the period (inclusive)", flags=("--end-date",),
                          metavar="YYYYMMDDHH")
    datasets: str = param("cams-eu,era5,static", "comma-separated datasets to preprocess", cli=False)
    resume: bool = param(True, "continue from a checkpoint of this period when one exists",
                         flags=("--no_resume", "--no-resume"))


@dataclass(frozen=True)
class S2TimeseriesParameters:
    """`ai4c s2-timeseries`: L2A products -> the REFBOA/LAI layout of monthlycomposite."""

    resolution: float = _resolution()


@dataclass(frozen=True)
class TrainLstmParameters:
    """train_lstm (seed §5.2.4, AI4C_LSTMTrain.py, table 10) plus early stopping and model size."""

    n_epochs: int = param(50, "number of epochs, > 1", check=check_epochs)
    batch_size: int = param(32, "power of 2 greater than 2", check=check_batch_size,
                            flags=("--batch_size", "--batch-size"))
    class_weights: int = param(0, "1: weight classes by inverse frequency", check=check_flag01)
    learning_rate: float = param(1e-3, "0 < lr < 1", check=check_learning_rate)
    patience: int = param(8, "epochs without validation improvement before stopping", check=at_least(1))
    seed: int = param(0, "random seed")
    hidden: int = param(32, "LSTM hidden units", check=between(1, 1024))
    layers: int = param(1, "stacked LSTM layers", check=between(1, 8))


@dataclass(frozen=True)
class S1SlcParameters(S1GrdParameters):
    """S1-SLC-preprocess (seed table 3) and its graph `s1-slc`: S1-GRD-preprocess's parameters plus the burst steps."""

    swaths: str | None = param(None, "sub-swaths to process (TOPSAR-Split; default all)", metavar="IW1,IW2")
    bursts: str | None = param(None, "burst numbers (1-based) kept in every sub-swath (default all)", metavar="N,N")
    azimuth_looks: int = param(0, "multilook: azimuth looks (0: roughly square ground pixels)", check=at_least(0),
                               cli=False)
    range_looks: int = param(0, "multilook: range looks (0: roughly square ground pixels, 4 for IW)",
                             check=at_least(0), cli=False)
    sampling: str = param("half", "multilook sampling: every half window (not aliased) or every window (SNAP)",
                          choices=("half", "block"), cli=False)


@dataclass(frozen=True)
class S1CdParameters:
    """S1-CD (seed table 5) and its graph `s1-cd`."""

    polarization: str = param("VV", "polarisation to process", choices=POLARIZATIONS,
                              flags=("--polarization", "--polarisation"))
    swaths: str | None = param(None, "sub-swaths to process (default all)", metavar="IW1,IW2")
    orbit1: str = param("auto", "EOF file or folder for input1; auto = the annotation's state vectors",
                        metavar="PATH|auto")
    orbit2: str = param("auto", "EOF file or folder for input2; auto = the annotation's state vectors",
                        metavar="PATH|auto")
    time_tolerance: float = param(30.0, "pair rule: seconds a 6-day multiple may be off", check=positive, cli=False)
    dem: str | None = param(None, "DEM: GeoTIFF/VRT, a folder of SRTM .hgt tiles, or srtm3; none: the WGS84 ellipsoid",
                            metavar="PATH|srtm3")
    dem_geoid: str = param("egm96", "egm96: DEM heights above the geoid; none: ellipsoid heights",
                           choices=("egm96", "none"), flags=("--dem_geoid", "--dem-geoid"))
    esd_iterations: int = param(2, "ESD estimates (each on the previous one's result)", check=at_least(0), cli=False)
    xcorr_window: int = param(128, "stripmap cross-correlation: patch side (lines and samples)", check=at_least(16),
                              cli=False)
    xcorr_patches: int = param(64, "stripmap cross-correlation: patches spread over the swath", check=at_least(1),
                               cli=False)
    xcorr_iterations: int = param(2, "stripmap cross-correlation: estimates (each on the previous warp)",
                                  check=at_least(0), cli=False)
    calibration: str = param("Sigma", "calibrated backscatter quantity", choices=("Sigma", "Gamma", "Beta"))
    thermal_noise: bool = param(True, "remove thermal noise from both backscatters", cli=False)
    window_azimuth: int = param(3, "coherence window, azimuth lines", check=at_least(1), cli=False)
    window_range: int = param(10, "coherence window, range samples", check=at_least(1), cli=False)
    bias_reduced: bool = param(False, "bias-reduced coherence (first-order removal of the low-coherence bias)",
                               flags=("--bias-reduced", "--bias_reduced"))
    speckle: str = param("Lee Sigma", "speckle filter of both backscatters", choices=SPECKLE_FILTERS)
    aoi: str | None = _aoi()
    projection: str = param("WGS84", "UTM (auto zone), WGS84, EPSG:n, PROJ or WKT")
    resolution: float | None = param(None, "pixel size in metres (degrees for WGS84 by SNAP's rule); none: 10 m IW",
                                     kind=float, check=positive, metavar="M")
    landseamask: str = param("None", "set the Land or the Sea to no data (needs --dem)", choices=LANDSEA)
    block: int = param(1024, "terrain-correction output block side in pixels", check=at_least(64), cli=False)
    ratio_db: float = param(3.0, "change rule: |10 log10(b2/b1)| at least this (dB)", check=positive,
                            flags=("--change-ratio-db", "--change_ratio_db"))
    coherence_max: float = param(0.5, "change rule: and coherence below this", check=positive,
                                 flags=("--change-coherence-max", "--change_coherence_max"))
    output_format: str = _output_format()


@dataclass(frozen=True)
class PrepareParameters:
    """`ai4c timesen2crop prepare`: the tiles held out and the features computed."""

    val_tiles: str = param(None, "comma-separated tiles for the validation set (e.g. 33UVP)",
                           flags=("--val_tiles", "--val-tiles"))
    test_tiles: str = param(None, "comma-separated tiles for the test set", flags=("--test_tiles", "--test-tiles"))
    monthly: bool = param(False, "12 monthly medians of the clear samples (Sep..Aug), the monthlycomposite features")
    step: int = param(10, "without --monthly: days between the interpolated clear-sky samples",
                      check=within(1, 60, "days"))
    max_per_class: int = param(None, "read at most this many samples per class and tile", kind=int,
                               flags=("--max_per_class", "--max-per-class"), check=at_least(1))
