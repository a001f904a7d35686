"""The services' typed parameters: one definition that the science modules, the CLI and the graphs agree on."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from ai4c.core.errors import InvalidParameterError
from ai4c.core.params import add_arguments, from_namespace, specs, validate
from ai4c.pipelines import parameters as P


def test_choices_are_the_science_modules_own():
    from ai4c.dem.landsea import LANDSEA_CHOICES
    from ai4c.optical import resample
    from ai4c.sar.calibration import CALIBRATIONS
    from ai4c.sar.speckle import FILTERS

    assert P.CALIBRATIONS == CALIBRATIONS and P.SPECKLE_FILTERS == FILTERS and P.LANDSEA == LANDSEA_CHOICES
    assert (P.UPSAMPLING, P.DOWNSAMPLING, P.FLAG_DOWNSAMPLING) == (
        resample.UPSAMPLING, resample.DOWNSAMPLING, resample.FLAG_DOWNSAMPLING)


def _parse(cls, *argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser, cls)
    return parser, from_namespace(cls, parser.parse_args(list(argv)))


def test_cli_flags_come_from_the_parameter_object():
    parser, p = _parse(P.S1GrdParameters, "--polarisation", "vh", "--speckle", "refined lee", "--dem-geoid", "none",
                       "--aoi", "POINT (1 2)")
    assert (p.polarization, p.speckle, p.dem_geoid, p.aoi) == ("VH", "Refined Lee", "none", "POINT (1 2)")
    assert p.calibration == "Sigma" and p.resolution is None      # the defaults of the dataclass
    speckle = next(a for a in parser._actions if a.dest == "speckle")
    assert speckle.choices == P.SPECKLE_FILTERS and "(default Lee Sigma)" in speckle.help
    assert not any(a.dest == "window_size" for a in parser._actions)   # graph-only parameters have no flag
    _, cd = _parse(P.S2CdParameters, "--numberClasses", "6", "--levelConfidence", "95")
    assert (cd.number_classes, cd.level_confidence) == (6, 95.0)
    _, tc = _parse(P.TileClassifierParameters, "--no-quicklook")
    assert tc.quicklook is False


@pytest.mark.parametrize("cls,values,message", [
    (P.S2CdParameters, {"level_confidence": 100}, "levelConfidence=100.0 must be > 0 and < 100"),
    (P.S2CdParameters, {"number_classes": 0}, "numberClasses=0 must be an integer in 1..254"),
    (P.S1GrdParameters, {"window_size": 4}, "window_size=4 must be an odd number"),
    (P.S2PreParameters, {"cloudmask": "L3"}, "cloudmask='L3' is not allowed; use one of: L2A, L1C, None"),
    (P.MonthlyCompositeParameters, {"tile": "33-UVP"}, "tile='33-UVP' is not a Sentinel-2 tile code"),
    (P.MonthlyCompositeParameters, {"season_start": "soon"}, "season_start='soon' is not an int"),
    (P.TileClassifierParameters, {"block": 8}, "block=8 must be >= 64"),
])
def test_validation_names_the_problem(cls, values, message):
    with pytest.raises(InvalidParameterError, match=message):
        validate(cls, values)


def test_prepare_and_run_share_the_defaults():
    """s2_pre.prepare used to default to Bilinear upsampling and the L2A cloud mask while the command used
    Nearest and None: both now take S2PreParameters' defaults."""
    import inspect

    from ai4c.pipelines import s2_pre

    for func in (s2_pre.prepare, s2_pre.run):
        assert not [p for p in inspect.signature(func).parameters.values()
                    if p.default is not inspect.Parameter.empty and p.name != "params"]
    defaults = P.S2PreParameters()
    assert (defaults.upsampling, defaults.cloudmask, defaults.resolution) == ("Nearest", "None", 10.0)


def test_every_field_is_documented():
    for cls in (P.S1GrdParameters, P.S2PreParameters, P.S2CdParameters, P.MonthlyCompositeParameters,
                P.TileClassifierParameters, P.AqganParameters, P.S2TimeseriesParameters, P.TrainLstmParameters):
        for name, (field, spec) in specs(cls).items():
            assert spec.help and field.default is not dataclasses.MISSING, (cls.__name__, name)
